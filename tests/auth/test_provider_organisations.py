"""A provider across municipalities: one Y-tunnus is one provider organisation in the
installation, party to agreements of several municipalities. Its reporter logs in once, sees
what each purchaser asks of it and reports a shared indicator once for every purchaser that
uses it; each purchaser still reads only its own agreements and the values reported to it.

Two municipalities: Lemi (contracts/416-lemi-eksote-2010.yaml) and a small Lappeenranta set
below, both buying from Eksote (2283136-6); Lappeenranta also has an own production unit of
its own, which is not the organisation's.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role, User
from app.auth.service import create_user as create_user_
from app.budgets.models import OrderBudget
from app.contracts.importer import import_text
from app.demo import CONTRACTS
from app.demo_progress import approve
from app.indicators.models import IndicatorValue, Measure
from app.lifecycle import versioning
from app.organisations.models import Board, Municipality, Provider, ProviderOrganisation
from tests.helpers import PASSWORD, ROOT, auth, create_user

EKSOTE = "2283136-6"
LAPPEENRANTA = """
municipality: {code: "405", name_fi: Lappeenranta}
boards: [{code: SOTE, name_fi: Sosiaali- ja terveyslautakunta}]
providers:
  - {code: EKSOTE-PIIRI, name: Eksote, kind: joint_municipal_authority, business_id: "22831366"}
  - {code: LPR-OMA, name: Lappeenrannan oma tuotanto, kind: own_production_unit}
service_agreements:
  - code: LPR-EKSOTE-2010
    provider: EKSOTE-PIIRI
    boards: [SOTE]
    year: 2010
    title: Lappeenrannan palvelusopimus 2010
    goals:
      - code: "1"
        title: Tyytyväiset asiakkaat
        measures:
          - {code: TYYTYVAISYYS, name: Asiakastyytyväisyys, unit: pistettä,
             direction: higher_is_better, frequency: year, range: {min: 1, max: 5},
             indicator: EKSOTE-ASTYYT, targets: {2010: 3.9}, tolerance: 0.2}
  - code: LPR-OMA-2010
    provider: LPR-OMA
    boards: [SOTE]
    year: 2010
    title: Oman tuotannon palvelusopimus 2010
    goals:
      - code: "1"
        title: Tyytyväiset asiakkaat
        measures:
          - {code: OMA-TYYTYVAISYYS, name: Asiakastyytyväisyys, unit: pistettä,
             direction: higher_is_better, frequency: year, range: {min: 1, max: 5},
             indicator: EKSOTE-ASTYYT}
"""


@pytest.fixture
def two(db: Session) -> dict[str, Any]:
    """Lemi and Lappeenranta with their purchasers, a Lappeenranta board member and the
    organisation's reporter (created as the installation's admin would)."""
    for name, text in (("lemi", (CONTRACTS / "416-lemi-eksote-2010.yaml").read_text("utf-8")),
                       ("lappeenranta", LAPPEENRANTA)):
        result = import_text(db, ROOT, text, name)
        assert not result.errors, result.errors
    lemi, lpr = (db.scalars(select(Municipality).where(Municipality.code == c)).one()
                 for c in ("416", "405"))
    organisation = db.scalars(select(ProviderOrganisation)).one()
    reporter = create_user_(db, username="eksote", password=PASSWORD, full_name="Eksote",
                            role=Role.provider_reporter, provider_organisation_id=organisation.id)
    board = db.scalars(select(Board).where(Board.municipality_id == lpr.id)).one()
    return {
        "lemi": lemi, "lpr": lpr, "organisation": organisation, "reporter": reporter,
        "lemi_director": create_user(db, Role.purchaser_director, lemi),
        "lpr_director": create_user(db, Role.purchaser_director, lpr),
        "lpr_board": create_user(db, Role.board_member, lpr, board_id=board.id),
        "lpr_admin": create_user(db, Role.admin, lpr),
    }


def _measure(db: Session, code: str) -> Measure:
    return db.scalars(select(Measure).where(Measure.code == code)).one()


def _login(client: TestClient) -> dict[str, str]:
    """The organisation's reporter logs in once, as anyone does."""
    answer = client.post("/api/v1/auth/token", data={"username": "eksote", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _shared(client: TestClient, headers: dict[str, str], value: str, **more: Any) -> Any:
    return client.post("/api/v1/submissions/shared", headers=headers, json={
        "indicator": "EKSOTE-ASTYYT", "period": "2010", "value": value,
        "purchasers": ["416", "405"], **more})


def test_one_y_tunnus_is_one_organisation_whichever_municipality_declares_it(
        db: Session, two: dict[str, Any]) -> None:
    providers = db.scalars(select(Provider).where(Provider.business_id == EKSOTE)).all()
    assert {p.municipality_id for p in providers} == {two["lemi"].id, two["lpr"].id}
    assert {p.organisation_id for p in providers} == {two["organisation"].id}
    assert two["organisation"].business_id == EKSOTE  # "22831366" in the file: normalised


def test_the_reporter_reports_once_and_each_purchaser_reads_only_its_own(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    headers = _login(client)
    answer = _shared(client, headers, "4.3", reason="Koko alueen kysely valmistui")
    assert answer.status_code == 201, answer.text
    stored = {s["purchaser"]: s for s in answer.json()["stored"]}
    assert set(stored) == {"Lemi", "Lappeenranta"}  # not the own production unit's measure
    assert stored["Lemi"]["action"] == "updated" and stored["Lappeenranta"]["action"] == "created"
    lemi_value, lpr_value = (stored[m]["indicator_value_id"] for m in ("Lemi", "Lappeenranta"))
    lemi_agreement, lpr_agreement = (stored[m]["service_agreement_id"]
                                     for m in ("Lemi", "Lappeenranta"))
    for reader, own, other, own_sa, other_sa in (
            ("lemi_director", lemi_value, lpr_value, lemi_agreement, lpr_agreement),
            ("lpr_director", lpr_value, lemi_value, lpr_agreement, lemi_agreement),
            ("lpr_board", lpr_value, lemi_value, lpr_agreement, lemi_agreement)):
        h = auth(db, two[reader])
        assert Decimal(client.get(f"/api/v1/indicator-values/{own}",
                                  headers=h).json()["value"]) == Decimal("4.3")
        assert client.get(f"/api/v1/indicator-values/{other}", headers=h).status_code == 404
        assert client.get(f"/api/v1/service-agreements/{own_sa}", headers=h).status_code == 200
        assert client.get(f"/api/v1/service-agreements/{other_sa}",
                          headers=h).status_code == 404
        listed = client.get("/api/v1/indicator-values?limit=200", headers=h).json()["items"]
        assert other not in {v["id"] for v in listed}
        assert client.get(f"/api/v1/indicator-values/{other}/history",
                          headers=h).status_code == 404


def test_the_reporter_sees_each_purchasers_items_but_no_other_providers(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    headers = _login(client)
    due = client.get("/api/v1/submissions/due?limit=100", headers=headers).json()["items"]
    assert {(i["purchaser"], i["measure_code"]) for i in due} == {
        ("Lemi", "ASIAKASTYYTYVAISYYS"), ("Lemi", "KOTIHOITO-OSUUS"),
        ("Lappeenranta", "TYYTYVAISYYS")}
    own_unit = _measure(db, "OMA-TYYTYVAISYYS")
    assert client.get(f"/api/v1/measures/{own_unit.id}", headers=headers).status_code == 404
    agreements = client.get("/api/v1/service-agreements", headers=headers).json()["items"]
    assert {a["code"] for a in agreements} == {"LEMI-EKSOTE-2010", "LPR-EKSOTE-2010"}


def test_the_reporter_cannot_write_another_providers_measure(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    own_unit = _measure(db, "OMA-TYYTYVAISYYS")
    answer = client.post("/api/v1/submissions", headers=_login(client), json={
        "measure_id": own_unit.id, "period": "2010", "value": "4"})
    assert answer.status_code == 404
    assert not db.scalars(select(IndicatorValue).where(
        IndicatorValue.measure_id == own_unit.id)).all()


def test_one_refusal_stores_nothing_and_names_the_municipality_and_measure(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    _measure(db, "TYYTYVAISYYS").max_value = Decimal(4)  # Lappeenranta's scale ends at 4
    db.flush()
    answer = _shared(client, _login(client), "4.5", reason="Uusi kysely")
    assert answer.status_code == 422
    assert "Lappeenranta, LPR-EKSOTE-2010 TYYTYVAISYYS" in answer.json()["detail"]
    lemi = db.scalars(select(IndicatorValue).where(
        IndicatorValue.measure_id == _measure(db, "ASIAKASTYYTYVAISYYS").id)).one()
    db.refresh(lemi)
    assert lemi.value == Decimal("4.1")  # Lemi's value as it was


def test_an_indicator_none_of_his_measures_has_is_not_found(
        client: TestClient, two: dict[str, Any]) -> None:
    answer = client.post("/api/v1/submissions/shared", headers=_login(client), json={
        "indicator": "MUU-MITTARI", "period": "2010", "value": "4", "purchasers": ["416"]})
    assert answer.status_code == 404


def test_a_classic_reporter_of_another_provider_cannot_use_the_code(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    """The own production unit's measure has the code too: its reporter stores his own value
    only, never Eksote's measures."""
    unit = db.scalars(select(Provider).where(Provider.code == "LPR-OMA")).one()
    reporter = create_user(db, Role.provider_reporter, two["lpr"], provider_id=unit.id)
    answer = _shared(client, auth(db, reporter), "3.5", purchasers=["405"])
    assert answer.status_code == 201, answer.text
    assert [s["measure_code"] for s in answer.json()["stored"]] == ["OMA-TYYTYVAISYYS"]


def test_a_municipal_admin_cannot_create_an_organisation_reporter(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    body = {"username": "eksote2", "full_name": "Eksote", "role": "provider_reporter",
            "password": "a long enough passphrase 42",
            "provider_organisation_id": two["organisation"].id}
    refused = client.post("/api/v1/auth/users", headers=auth(db, two["lpr_admin"]), json=body)
    assert refused.status_code == 403
    root = create_user(db, Role.admin, None, username="asennus")
    created = client.post("/api/v1/auth/users", headers=auth(db, root), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["municipality_id"] is None


@pytest.mark.parametrize("extra", [{"municipality_id": "lpr"}, {"role": "purchaser_director"}])
def test_an_organisation_reporter_is_nothing_else(
        client: TestClient, db: Session, two: dict[str, Any], extra: dict[str, str]) -> None:
    """No municipality of his own, and no other role: he would read more than his providers."""
    root = create_user(db, Role.admin, None, username="asennus")
    body = {"username": "eksote3", "full_name": "Eksote", "role": "provider_reporter",
            "password": "a long enough passphrase 42",
            "provider_organisation_id": two["organisation"].id}
    body.update({k: two[v].id if k == "municipality_id" else v for k, v in extra.items()})
    answer = client.post("/api/v1/auth/users", headers=auth(db, root), json=body)
    assert answer.status_code == 422
    assert not db.scalar(select(User.id).where(User.username == "eksote3"))


def test_an_invalid_y_tunnus_is_refused_naming_business_id(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    answer = client.post("/api/v1/providers", headers=auth(db, two["lemi_director"]), json={
        "municipality_id": two["lemi"].id, "code": "UUSI", "name": "Uusi Oy", "kind": "company",
        "business_id": "2283136-5"})
    assert answer.status_code == 422
    assert "business_id" in answer.text


def test_a_provider_created_through_the_api_joins_its_organisation(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    answer = client.post("/api/v1/providers", headers=auth(db, two["lemi_director"]), json={
        "municipality_id": two["lemi"].id, "code": "EKSOTE-2", "name": "Eksote",
        "kind": "joint_municipal_authority", "business_id": "2283136-6"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["organisation_id"] == two["organisation"].id


def test_the_amended_measure_keeps_its_shared_indicator(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "LEMI-EKSOTE-2010")).one()
    approve(db, ROOT, db.scalars(select(OrderBudget)).one(), date(2009, 12, 12))
    approve(db, ROOT, agreement, date(2009, 12, 12))
    versioning.amend(db, ROOT, agreement)
    codes = db.scalars(select(Measure.indicator_code)
                       .where(Measure.code == "ASIAKASTYYTYVAISYYS"))
    assert list(codes) == ["EKSOTE-ASTYYT", "EKSOTE-ASTYYT"]


def test_a_comment_in_negotiation_speaks_for_the_municipalitys_provider_row(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    from app.lifecycle import transitions

    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "LPR-EKSOTE-2010")).one()
    transitions.transition(db, ROOT, agreement, {"to": "negotiation"})
    answer = client.post(f"/api/v1/service-agreements/{agreement.id}/comments",
                         headers=_login(client), json={"text": "Hinta tarkistetaan"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["provider_id"] == agreement.provider_id


def test_every_list_shows_the_organisation_reporter_only_his_municipalities_and_providers(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    """An attacker's sweep of every resource: a third municipality (the route matrix's world,
    its provider of another Y-tunnus) shows nothing, and of Lappeenranta nothing of its own
    production unit's agreement, goal, measure or values."""
    from tests.auth.test_matrix import RESOURCES, build_world

    third = build_world(db, "109")
    unit = db.scalars(select(Provider).where(Provider.code == "LPR-OMA")).one()
    create_user(db, Role.provider_reporter, two["lpr"], provider_id=unit.id,
                username="lpr-oma")
    other_value = client.post("/api/v1/submissions/shared", headers=auth(db, db.scalars(
        select(User).where(User.username == "lpr-oma")).one()), json={
        "indicator": "EKSOTE-ASTYYT", "period": "2010", "value": "3",
        "purchasers": ["405"]}).json()["stored"][0]
    hidden = {("/api/v1/service-agreements", other_value["service_agreement_id"]),
              ("/api/v1/measures", other_value["measure_id"]),
              ("/api/v1/indicator-values", other_value["indicator_value_id"])}
    headers = _login(client)
    mine = {two["lemi"].id, two["lpr"].id}
    seen: dict[str, int] = {}
    for path in RESOURCES:
        answer = client.get(f"{path}?limit=200", headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        items = answer.json()["items"]
        seen[path] = len(items)
        assert {i.get("municipality_id", i["id"]) for i in items} <= mine, path
        assert not {(path, i["id"]) for i in items} & hidden, path
        foreign = third[RESOURCES[path]]
        assert client.get(f"{path}/{foreign.id}", headers=headers).status_code == 404, path
    assert (seen["/api/v1/municipalities"], seen["/api/v1/service-agreements"],
            seen["/api/v1/measures"], seen["/api/v1/indicator-values"]) == (2, 2, 3, 2)


def test_a_file_is_one_purchasers_the_reporter_names(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    """The template and the upload take one provider row: his own he names, another's 404,
    none of several 422 (which purchaser's?)."""
    headers = _login(client)
    eksote, unit = (db.scalars(select(Provider).where(Provider.code == c)).one()
                    for c in ("EKSOTE-PIIRI", "LPR-OMA"))
    template = "/api/v1/submissions/template.xlsx"
    assert client.get(f"{template}?provider_id={eksote.id}", headers=headers).status_code == 200
    assert client.get(f"{template}?provider_id={unit.id}", headers=headers).status_code == 404
    assert client.get(template, headers=headers).status_code == 422
    upload = client.post(f"/api/v1/submissions/bulk?dry_run=true&provider_id={unit.id}",
                         headers=headers, files={"file": ("t.csv", b"x;y\n", "text/csv")})
    assert upload.status_code == 404


def test_his_reminder_names_the_purchaser_of_each_value(db: Session, two: dict[str, Any]
                                                       ) -> None:
    from app.reminders.digest import items_of

    texts = sorted(i.text for i in items_of(db, two["reporter"], date(2011, 3, 1), 7))
    assert texts and all(t.startswith(("Lemi: ", "Lappeenranta: ")) for t in texts)
    assert any(t.startswith("Lappeenranta: LPR-EKSOTE-2010 / TYYTYVAISYYS") for t in texts)
    assert not any("OMA-TYYTYVAISYYS" in t for t in texts)


def test_a_municipality_that_declares_the_y_tunnus_gets_the_figure_only_if_named(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    """A third municipality declares Eksote's Y-tunnus and the indicator's code: the reporter's
    report naming only Lemi and Lappeenranta is refused (409, naming the third) and nothing is
    stored anywhere; named, it gets the figure."""
    third = LAPPEENRANTA.replace('code: "405", name_fi: Lappeenranta',
                                 'code: "998", name_fi: Kolmaskunta')
    assert not import_text(db, ROOT, third, "third").errors
    before = db.scalar(select(func.count()).select_from(IndicatorValue))
    headers = _login(client)
    refused = _shared(client, headers, "4.4", reason="Koko alueen kysely")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "purchasers"
    assert "not named: 998" in refused.json()["detail"]
    assert db.scalar(select(func.count()).select_from(IndicatorValue)) == before
    named = _shared(client, headers, "4.4", reason="Koko alueen kysely",
                    purchasers=["416", "405", "998"])
    assert named.status_code == 201, named.text
    assert {x["purchaser"] for x in named.json()["stored"]} == {
        "Lemi", "Lappeenranta", "Kolmaskunta"}


def test_a_purchaser_named_but_not_asking_refuses_the_report(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:
    refused = _shared(client, _login(client), "4.4", reason="Koko alueen kysely",
                      purchasers=["416", "405", "837"])
    assert refused.status_code == 409
    assert "named but not asking: 837" in refused.json()["detail"]
