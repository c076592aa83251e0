"""Done-criterion of submissions, through the HTTP API alone, on the demo data of Hämeenlinna:
a provider reporter sees his due list, submits, corrects, uploads a file with a bad row (all
of it rejected) and a good file, gets a value returned and submits it again; the purchaser
loads national indicator values from Sotkanet's files."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.contracts.importer import import_text
from app.demo import CONTRACTS, SYSTEM
from app.organisations.models import Municipality, Provider
from tests.e2e.test_new_user_story import login
from tests.helpers import create_user

SOTKANET = Path(__file__).parents[1] / "submissions" / "data"
API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_provider_reports_and_the_purchaser_reviews_and_loads_sotkanet(
    client: TestClient, db: Session
) -> None:
    text = (CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml").read_text(encoding="utf-8")
    import_text(db, SYSTEM, text)
    hml = db.scalar(select(Municipality).where(Municipality.code == "109"))
    own = db.scalar(select(Provider).where(Provider.code == "HML-OMA"))
    assert hml is not None and own is not None
    create_user(db, Role.purchaser_director, hml, username="109-director")
    create_user(db, Role.provider_reporter, hml, provider_id=own.id, username="109-hml-oma")
    director, reporter = login(client, "109-director"), login(client, "109-hml-oma")

    # The purchaser adds a monthly measure the provider reports, and a national one.
    [agreement] = ok(client.get(f"{API}/service-agreements", headers=director,
                                params={"year": 2015, "provider_id": own.id}))["items"]
    goals = {g["code"]: g["id"] for g in ok(client.get(
        f"{API}/goals", headers=director,
        params={"service_agreement_id": agreement["id"]}))["items"]}
    visits = ok(client.post(f"{API}/measures", headers=director, json={
        "goal_id": goals["2"], "code": "KOTIKAYNNIT", "name": "Lapsiperheiden kotikäynnit",
        "unit": "käyntiä", "direction": "higher_is_better", "frequency": "month",
        "rollup": "sum", "tolerance": "20", "min_value": "0",
        "targets": [{"year": 2015, "value": "2400"}]}), 201)
    psyk = ok(client.post(f"{API}/measures", headers=director, json={
        "goal_id": goals["1"], "code": "PSYK-SAIRAALA", "unit": "/1 000",
        "name": "Mielenterveyden häiriöihin sairaalahoitoa saaneet 0–17-vuotiaat / 1 000",
        "direction": "lower_is_better", "frequency": "year", "source": "national",
        "sotkanet_indicator_id": 4, "sotkanet_region_id": 46,
        "targets": [{"year": 2015, "value": "6.0"}]}), 201)

    # 1. The reporter's due list: the imported values are in, the new measure is overdue.
    due = ok(client.get(f"{API}/submissions/due", headers=reporter, params={"limit": 500}))
    items = {(i["measure_code"], i["period"]): i for i in due["items"]}
    assert due["total"] == 4 * 3 + 12  # four tertial measures and the monthly one
    assert items[("HARRASTUS", "2015-T1")]["status"] == "submitted"
    assert "PSYK-SAIRAALA" not in {code for code, _ in items}
    january = items[("KOTIKAYNNIT", "2015-01")]
    assert (january["status"], january["due_date"], Decimal(january["target"])) == (
        "overdue", "2015-03-15", 200)

    # 2. Submit, safely retried under the same Idempotency-Key.
    body = {"measure_id": visits["id"], "period": "2015-01", "value": "195"}
    key = {**reporter, "Idempotency-Key": "hml-oma-2015-01"}
    first = ok(client.post(f"{API}/submissions", headers=key, json=body), 201)
    assert ok(client.post(f"{API}/submissions", headers=key, json=body), 201) == first
    value_id = first["indicator_value"]["id"]

    # 3. Correct it, with the reason kept in the history.
    corrected = ok(client.post(f"{API}/submissions", headers=reporter, json={
        **body, "value": "205", "reason": "Alueen 3 käynnit puuttuivat"}))
    assert corrected["action"] == "updated"
    [revision] = ok(client.get(f"{API}/indicator-values/{value_id}/history",
                               headers=director))["revisions"]
    assert (Decimal(revision["old_value"]), Decimal(revision["new_value"]),
            revision["changed_by"], revision["reason"]) == (
        195, 205, "109-hml-oma", "Alueen 3 käynnit puuttuivat")

    # 4. A file with one bad row is rejected whole, the row named; nothing is stored.
    bad = (b"measure_code;period;value;comment\n"
           b"KOTIKAYNNIT;2015-02;210;\n"
           b"KOTIKAYNNIT;2015-03;kaksisataa;\n"
           b"KOTIKAYNNIT;2015-04;202;\n")
    rejected = client.post(f"{API}/submissions/bulk", headers=reporter,
                           files={"file": ("kotikaynnit.csv", bad, "text/csv")})
    assert rejected.status_code == 422
    assert [(e["row"], e["column"]) for e in rejected.json()["errors"]] == [(3, "value")]
    still = ok(client.get(f"{API}/submissions/due", headers=reporter,
                          params={"limit": 500, "status": "overdue"}))
    assert {i["period"] for i in still["items"]} == {f"2015-{m:02d}" for m in range(2, 13)}

    # 5. A good file from the template: a dry run first, then stored.
    template = client.get(f"{API}/submissions/template.xlsx", headers=reporter,
                          params={"year": 2015})
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book["Arvot"]
    col = {c.value: i for i, c in enumerate(sheet[1])}
    filled = {"2015-02": 210, "2015-03": 190, "2015-04": 202}
    for row in sheet.iter_rows(min_row=2):
        if row[col["Mittarin tunnus"]].value == "KOTIKAYNNIT" and \
                row[col["Kausi"]].value in filled:
            row[col["Toteuma"]].value = filled[row[col["Kausi"]].value]
    out = io.BytesIO()
    book.save(out)
    upload = {"file": ("kotikaynnit.xlsx", out.getvalue())}
    dry = ok(client.post(f"{API}/submissions/bulk", headers=reporter, files=upload,
                         params={"dry_run": True}))
    assert (dry["created"], [r["period"] for r in dry["rows"]]) == (
        3, ["2015-02", "2015-03", "2015-04"])
    stored = ok(client.post(f"{API}/submissions/bulk", headers=reporter, files=upload))
    assert (stored["dry_run"], stored["created"], stored["updated"]) == (False, 3, 0)
    assert stored["unchanged"] == 4 * 3 + 1  # the imported values and January

    # 6. The purchaser returns March; it is back on the list; the provider submits it again.
    due = {(i["measure_code"], i["period"]): i for i in ok(client.get(
        f"{API}/submissions/due", headers=reporter, params={"limit": 500}))["items"]}
    march = due[("KOTIKAYNNIT", "2015-03")]
    ok(client.post(f"{API}/indicator-values/{march['value_id']}/review", headers=director,
                   json={"decision": "return", "reason": "190 on alle tavoitteen: perustele"}))
    returned = ok(client.get(f"{API}/submissions/due", headers=reporter,
                             params={"status": "returned"}))["items"]
    assert [(i["period"], i["return_reason"]) for i in returned] == [
        ("2015-03", "190 on alle tavoitteen: perustele")]
    without_comment = client.post(f"{API}/submissions", headers=reporter, json={
        "measure_id": visits["id"], "period": "2015-03", "value": "178",
        "reason": "Laskettu uudelleen"})
    assert without_comment.status_code == 422  # 178 misses 200 by more than 20
    again = ok(client.post(f"{API}/submissions", headers=reporter, json={
        "measure_id": visits["id"], "period": "2015-03", "value": "178",
        "comment": "Kaksi perhetyöntekijää sairauslomalla maaliskuussa",
        "reason": "Laskettu uudelleen"}))
    assert again["indicator_value"]["status"] == "submitted"
    accepted = ok(client.post(f"{API}/indicator-values/{march['value_id']}/review",
                              headers=director, json={"decision": "accept"}))
    assert accepted["status"] == "accepted"

    # 7. The purchaser loads the national measure from Sotkanet's files.
    loaded = ok(client.post(f"{API}/sotkanet/load", headers=director, files={
        "data": ("data.json", (SOTKANET / "sotkanet-data.json").read_bytes()),
        "regions": ("regions.json", (SOTKANET / "sotkanet-regions.json").read_bytes())}))
    assert loaded["measures"][0]["created"] == ["2013", "2014", "2015", "2016"]
    national = ok(client.get(f"{API}/indicator-values", headers=director,
                             params={"measure_id": psyk["id"], "period": "2015"}))["items"]
    assert [(Decimal(v["value"]), v["status"]) for v in national] == [(Decimal("5.9"),
                                                                      "accepted")]
