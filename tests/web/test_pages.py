"""The web pages follow the API's access rules, use CSRF tokens, and speak three languages."""

import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus, ServiceAgreement
from app.auth.models import Role
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure, MeasureTarget, ValueStatus
from app.organisations.models import Provider
from app.reports.follow_up import follow_up
from tests.helpers import PASSWORD, create, create_user, create_world
from tests.submissions.helpers import submission_world, submit


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie


def test_login_shows_name_role_and_organisation(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"  # the session cookie is Secure
    w = create_world(db)
    create_user(db, Role.purchaser_director, w["municipality"], username="tilaaja")
    wrong = client.post("/login", data={"username": "tilaaja", "password": "väärin",
                                         "csrf": csrf_of(client.get("/login").text)})
    assert wrong.status_code == 401 and "Väärä käyttäjätunnus tai salasana" in wrong.text
    web_login(client, "tilaaja")
    home = client.get("/")
    assert "Tilaajajohtaja" in home.text and "Kunta 109" in home.text
    agreements = client.get("/agreements")
    assert "Palvelusopimus" in agreements.text and "Luonnos" in agreements.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    create_user(db, Role.admin, username="root")
    client.get("/login")
    refused = client.post("/login", data={"username": "root", "password": PASSWORD,
                                          "csrf": "forged"})
    assert refused.status_code == 403 and "Lomake on vanhentunut" in refused.text
    web_login(client, "root")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert "Kirjaudu ulos" in client.get("/").text  # still logged in
    logout = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)},
                         follow_redirects=False)
    assert logout.status_code == 303
    assert "Kirjaudu sisään" in client.get("/").text


def test_a_csrf_token_with_letters_beyond_ascii_is_refused_as_forged(
    client: TestClient, db: Session
) -> None:
    client.base_url = "https://testserver"
    create_user(db, Role.admin, username="root")
    client.get("/login")
    refused = client.post("/login", data={"username": "root", "password": PASSWORD,
                                          "csrf": "väärennös"})
    assert refused.status_code == 403


def test_a_provider_never_sees_another_providers_page(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = create_world(db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2", name="Toinen",
                   kind="association")
    theirs = create(db, ServiceAgreement, code="SA2", framework_agreement_id=w["framework"].id,
                    provider_id=other.id, year=2015, title="Toisen sopimus",
                    board_ids=[w["board"].id])
    create_user(db, Role.provider_reporter, w["municipality"], provider_id=w["provider"].id,
                username="raportoija")
    web_login(client, "raportoija")
    listed = client.get("/agreements").text
    assert "Palvelusopimus" in listed and "Toisen sopimus" not in listed
    guessed = client.get(f"/agreements/{theirs.id}")
    assert guessed.status_code == 404 and "Toisen sopimus" not in guessed.text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 200


def test_the_public_sees_approved_agreements_only(client: TestClient, db: Session) -> None:
    w = create_world(db)
    assert "Palvelusopimus" not in client.get("/agreements").text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 404
    db.execute(update(ServiceAgreement).values(status=AgreementStatus.approved))
    assert "Palvelusopimus" in client.get("/agreements").text
    assert client.get(f"/agreements/{w['agreement'].id}").status_code == 200


def test_a_boards_agreements_are_listed_however_many_others_there_are(
        client: TestClient, db: Session) -> None:
    w = create_world(db)
    m = w["municipality"]
    db.execute(insert(ServiceAgreement), [  # 501 newer agreements of no board come first
        {"municipality_id": m.id, "code": f"MUU-{i:03d}", "framework_agreement_id":
         w["framework"].id, "provider_id": w["provider"].id, "year": 2016, "title": f"Muu {i}",
         "status": AgreementStatus.approved, "created_by": "testi", "updated_by": "testi"}
        for i in range(501)])
    db.execute(update(ServiceAgreement).where(ServiceAgreement.id == w["agreement"].id)
               .values(status=AgreementStatus.approved))
    page = client.get(f"/agreements?board={w['board'].id}").text
    assert "SA1" in page and "MUU-" not in page


def test_finnish_by_default_swedish_and_english_a_click_away(client: TestClient) -> None:
    client.base_url = "https://testserver"
    assert 'lang="fi"' in client.get("/").text
    for code, words in (("sv", "Logga in"), ("en", "Log in"), ("fi", "Kirjaudu sisään")):
        client.get(f"/lang/{code}?next=/")
        page = client.get("/").text
        assert f'<html lang="{code}">' in page and words in page
    assert client.get("/lang/en?next=https://evil.example/", follow_redirects=False
                      ).headers["location"] == "/"


# -- the provider reporter's and the purchaser's pages ------------------------------------------

def reporting_world(db: Session) -> dict[str, Any]:
    """create_world with a target of 80 % for 2015, a reporter and a purchaser director."""
    w = create_world(db)
    create(db, MeasureTarget, measure_id=w["measure"].id, year=2015, value=80)
    create_user(db, Role.provider_reporter, w["municipality"], provider_id=w["provider"].id,
                username="raportoija")
    create_user(db, Role.purchaser_director, w["municipality"], username="tilaaja")
    return w


def values(db: Session) -> list[IndicatorValue]:
    db.expire_all()
    return list(db.scalars(select(IndicatorValue).order_by(IndicatorValue.period)))


def post_form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    return client.post(path, data={"csrf": csrf_of(client.get(path).text), **data},
                       follow_redirects=False)


def test_a_reporter_submits_with_the_apis_validation(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    due = client.get("/reporting").text
    assert "Mittari" in due and "15.6.2015" in due and "Myöhässä" in due  # long overdue
    path = f"/reporting/{w['measure'].id}/2015-T1"
    page = client.get(path).text
    assert "Tavoite 2015" in page and "80 %" in page and 'name="reason"' not in page
    bad = post_form(client, path, {"value": "12,3x"})
    assert bad.status_code == 422 and 'id="value-error"' in bad.text and "Anna luku" in bad.text
    high = post_form(client, path, {"value": "120"})
    assert high.status_code == 422 and "välillä 0–100 %" in high.text
    short = post_form(client, path, {"value": "70"})  # misses 80 by more than the tolerance 0
    assert short.status_code == 422 and 'id="comment-error"' in short.text
    assert values(db) == []
    good = post_form(client, path, {"value": "85,5", "comment": ""})
    assert good.status_code == 303 and good.headers["location"] == f"{path}?saved=created"
    assert [(v.period, v.value) for v in values(db)] == [("2015-T1", Decimal("85.5"))]
    no_reason = post_form(client, path, {"value": "86"})
    assert no_reason.status_code == 422 and "Kerro korjauksen syy" in no_reason.text
    assert values(db)[0].value == Decimal("85.5")
    corrected = post_form(client, path, {"value": "86", "reason": "Laskuvirhe korjattu"})
    assert corrected.status_code == 303
    page = client.get(corrected.headers["location"]).text
    assert "Korjaus on tallennettu" in page and "Laskuvirhe korjattu" in page
    assert "Muutoshistoria" in page and values(db)[0].value == Decimal("86")
    assert client.post(path, data={"csrf": "forged", "value": "90"}).status_code == 403


def test_pages_answer_the_apis_access_rules(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2", name="Toinen",
                   kind="association")
    theirs = create(db, ServiceAgreement, code="SA2", framework_agreement_id=w["framework"].id,
                    provider_id=other.id, year=2015, title="Toisen sopimus",
                    board_ids=[w["board"].id])
    goal = create(db, Goal, service_agreement_id=theirs.id, code="1", title="Tavoite")
    measure = create(db, Measure, goal_id=goal.id, code="M2", name="Toisen mittari", unit="kpl",
                     direction="higher_is_better", frequency="tertial", rollup="last")
    elsewhere = create_world(db, "837")
    web_login(client, "raportoija")
    assert "Toisen mittari" not in client.get("/reporting").text
    guessed = client.get(f"/reporting/{measure.id}/2015-T1")
    assert guessed.status_code == 404 and "Sivua ei löydy" in guessed.text
    forged = client.post(f"/reporting/{measure.id}/2015-T1", data={
        "csrf": csrf_of(client.get("/reporting").text), "value": "5"})
    assert forged.status_code == 404 and values(db) == []
    assert client.get(f"/reporting/{w['measure'].id}/2015-Q1").status_code == 404
    assert client.get(f"/reporting/{w['measure'].id}/nonsense").status_code == 404
    for path in ("/purchaser", "/purchaser/review", "/purchaser/overdue"):
        assert client.get(path).status_code == 403
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    web_login(client, "tilaaja")
    assert client.get("/reporting").status_code == 403
    assert client.get(f"/purchaser?board={elsewhere['board'].id}").status_code == 404
    assert client.get(f"/purchaser/overdue?board={elsewhere['board'].id}").status_code == 404
    assert client.get("/purchaser/compare?from=1&to=x").status_code == 422
    assert client.get("/reporting/upload", follow_redirects=False).status_code == 403
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    anonymous = client.get("/reporting", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_an_upload_with_a_bad_row_stores_nothing(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    token = csrf_of(client.get("/reporting/upload").text)

    def send(text: str, action: str) -> Any:
        return client.post("/reporting/upload", data={"csrf": token, "action": action},
                           files={"file": ("toteumat.csv", text.encode(), "text/csv")},
                           follow_redirects=False)

    bad = send("measure_code;period;value\nM1;2015-T1;81\nM1;2015-T2;12,3x\nM9;2015;1\n", "store")
    assert bad.status_code == 422 and "Mitään ei tallennettu" in bad.text
    assert "<td class=\"num\">3</td>" in bad.text and "<td class=\"num\">4</td>" in bad.text
    assert "”12,3x” ei ole luku" in bad.text and "ei ole mittaria M9" in bad.text
    assert values(db) == []
    good = "measure_code;period;value\nM1;2015-T1;81\nM1;2015-T2;82\n"
    preview = send(good, "preview")
    assert preview.status_code == 200 and "Esikatselu" in preview.text and values(db) == []
    stored = send(good, "store")
    assert stored.status_code == 303
    assert "2 uutta" in client.get(stored.headers["location"]).text
    assert [(v.period, v.value) for v in values(db)] == [("2015-T1", 81), ("2015-T2", 82)]
    assert send("", "store").status_code == 422
    template = client.get("/reporting/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert w["provider"].code in template.headers["content-disposition"]


def test_an_upload_with_many_bad_rows_lists_the_first_100_and_counts_the_rest(
    client: TestClient, db: Session
) -> None:
    client.base_url = "https://testserver"
    reporting_world(db)
    web_login(client, "raportoija")
    token = csrf_of(client.get("/reporting/upload").text)
    text = "measure_code;period;value\n" + "M9;2015-T1;1\n" * 150
    bad = client.post("/reporting/upload", data={"csrf": token, "action": "store"},
                      files={"file": ("toteumat.csv", text.encode(), "text/csv")})
    assert bad.status_code == 422
    assert "Tiedostossa toteumat.csv on virheellisiä rivejä: 150." in bad.text
    assert bad.text.count("palveluntuottajallanne ei ole mittaria M9") == 100
    assert "Näytetään 100 ensimmäistä virhettä; 50 muuta virhettä ei näytetä." in bad.text
    assert values(db) == []


def test_a_purchaser_reviews_and_follows_the_board(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    path = f"/reporting/{w['measure'].id}/2015-T1"
    assert post_form(client, path, {"value": "70", "comment": "Kesä"}).status_code == 303
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    web_login(client, "tilaaja")
    overview = client.get(f"/purchaser?board={w['board'].id}&year=2015").text
    assert "Palvelusopimus" in overview and "light off_track" in overview and "70 %" in overview
    overdue = client.get("/purchaser/overdue").text  # 2015-T2 and 2015 were never reported
    assert "2015-T2" in overdue and "Tuottaja 1" in overdue
    review = client.get("/purchaser/review").text
    assert "Kesä" in review and "Mittari" in review
    value = values(db)[0]
    no_reason = client.post(f"/purchaser/review/{value.id}", data={
        "csrf": csrf_of(review), "decision": "return", "reason": " "})
    assert no_reason.status_code == 422 and "Kerro palautuksen syy" in no_reason.text
    assert values(db)[0].status == ValueStatus.submitted
    assert client.post(f"/purchaser/review/{value.id}", data={
        "csrf": "forged", "decision": "return", "reason": "x"}).status_code == 403
    assert client.post("/purchaser/review/999999", data={
        "csrf": csrf_of(review), "decision": "accept"}).status_code == 404
    returned = client.post(f"/purchaser/review/{value.id}", data={
        "csrf": csrf_of(review), "decision": "return", "reason": "Tarkista luku"},
        follow_redirects=False)
    assert returned.status_code == 303
    assert "palautettu" in client.get(returned.headers["location"]).text
    assert values(db)[0].status == ValueStatus.returned
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    web_login(client, "raportoija")
    due = client.get("/reporting").text
    assert "Palautettu korjattavaksi" in due and "Tarkista luku" in due


def test_the_purchasers_light_is_the_board_reports_status(client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = submission_world(db)  # monthly visits, summed, 14 400 a year, tolerance 100
    for period, value in (("2015-01", "1300"), ("2015-02", "1150")):
        assert submit(client, w["hr"], w["visits"], period, value).status_code == 201
    web_login(client, w["purchaser"].username)
    page = client.get(f"/purchaser?board={w['board'].id}&year=2015").text
    row = page[page.index("Mittari KAYNNIT"):]
    row = row[:row.index("</tr>")]
    # February alone is 50 short of its 1 200, but the year so far runs at 14 700 a year.
    assert "light on_track" in row and "Vuoden ennuste 14\u00a0700" in row, row
    # The reports' chart plots it against 14 400 too, the year so far labelled by its period.
    assert "Toteuma 2015 (28.2.2015 asti): 14\u00a0700" in row
    assert "verrattu: suhteutettu summa 2/12 × vuoden tavoite 14\u00a0400 käyntiä = 2\u00a0400 käyntiä" in row
    report = follow_up(db, w["purchaser"], w["board"].id, "2015-02", "fi")
    visits = next(m for s in report.perspectives for a in s.agreements for g in a.goals
                  for m in g.measures if m.id == w["visits"].id)
    assert (visits.status, visits.compared) == ("on_track", Decimal(14700))


def test_a_purchaser_amends_an_approved_agreement_and_compares(client: TestClient,
                                                               db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "tilaaja")
    sa = w["agreement"]
    page = client.get(f"/agreements/{sa.id}").text
    assert "Aloita muutos" not in page  # a draft is edited, not amended
    db.execute(update(ServiceAgreement).values(status=AgreementStatus.approved))
    page = client.get(f"/agreements/{sa.id}").text
    assert "Aloita muutos" in page
    assert client.post(f"/purchaser/agreements/{sa.id}/amend",
                       data={"csrf": "forged"}).status_code == 403
    amended = client.post(f"/purchaser/agreements/{sa.id}/amend", data={"csrf": csrf_of(page)},
                          follow_redirects=False)
    assert amended.status_code == 303
    new_id = int(amended.headers["location"].split("/")[2].split("?")[0])
    page = client.get(amended.headers["location"]).text
    assert "Muutosversio on luotu" in page and 'name="from"' in page
    again = client.post(f"/purchaser/agreements/{sa.id}/amend", data={"csrf": csrf_of(page)})
    assert again.status_code == 409  # version 2 is being drafted
    db.execute(update(ServiceAgreement).where(ServiceAgreement.id == new_id)
               .values(title="Uusi otsikko"))
    compare = client.get(f"/purchaser/compare?from={sa.id}&to={new_id}")
    assert compare.status_code == 200 and "Versioiden vertailu" in compare.text
    assert "v1" in compare.text and "v2" in compare.text
    assert re.search(r"<td>Otsikko</td><td>Palvelusopimus</td><td>Uusi otsikko</td>",
                     compare.text)
