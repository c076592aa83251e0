"""A service agreement outside any framework agreement (the Jyväskylä voucher scheme of
tests/contracts/data): its versions read, it is carried over to the next year, and a value
is reported for its own year only."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role
from app.contracts.importer import import_text
from app.demo import SYSTEM
from app.organisations.models import Municipality
from tests.contracts.test_euro_sets import SET
from tests.helpers import auth, create_user

API = "/api/v1/service-agreements"


def _vouchers(client: TestClient, db: Session) -> tuple[ServiceAgreement, dict[str, str]]:
    import_text(db, SYSTEM, SET.read_text(encoding="utf-8"), SET.name)
    agreement = db.scalars(select(ServiceAgreement)).one()
    municipality = db.get_one(Municipality, agreement.municipality_id)
    return agreement, auth(db, create_user(db, Role.purchaser_director, municipality))


def test_its_version_reads_without_a_framework(client: TestClient, db: Session) -> None:
    agreement, h = _vouchers(client, db)
    snapshot = client.get(f"{API}/{agreement.id}/versions/1", headers=h)
    assert snapshot.status_code == 200, snapshot.text
    assert snapshot.json()["framework_agreement_id"] is None


def test_it_is_carried_over_with_its_targets_to_fill_in(client: TestClient, db: Session) -> None:
    agreement, h = _vouchers(client, db)
    response = client.post(f"{API}/{agreement.id}/carry-over", headers=h, json={})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["agreement"]["code"], body["agreement"]["year"],
            body["agreement"]["framework_agreement_id"]) == ("JKL-PS-2011", 2011, None)
    assert [m["measure_code"] for m in body["missing_targets"]] == ["SETELIT"]


def test_a_value_outside_its_year_is_refused_naming_the_period(
    client: TestClient, db: Session
) -> None:
    _, h = _vouchers(client, db)
    measure = client.get("/api/v1/measures", headers=h).json()["items"][0]
    ok = client.post("/api/v1/indicator-values", headers=h, json={
        "measure_id": measure["id"], "period": "2010-T1", "value": "5100"})
    assert ok.status_code == 201, ok.text
    refused = client.post("/api/v1/indicator-values", headers=h, json={
        "measure_id": measure["id"], "period": "2011-T1", "value": "5100"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "period"
