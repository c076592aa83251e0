"""A provider's reporter reports the follow-up of his own entries in the register through the
API; another provider's entries and reports are not his (422 naming the reference, 404); the
purchasers of the municipality read everything, and a scheme's follow-up sums it all."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.organisations.models import Municipality, Provider
from app.vouchers.models import VoucherProvider, VoucherReport
from tests.helpers import auth, create, create_user, if_match
from tests.vouchers.helpers import load_jkl, voucher_world

API = "/api/v1"


def test_a_reporter_reports_his_own_providers_follow_up(client: TestClient, db: Session) -> None:
    w = voucher_world(db)
    m = w["municipality"]
    reporter = auth(db, create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id))
    purchaser = auth(db, create_user(db, Role.purchaser_manager, m))
    member = auth(db, create_user(db, Role.board_member, m, board_id=w["board"].id))
    theirs = create(db, VoucherReport, voucher_provider_id=w["other_entry"].id, period="2015-Q1",
                    vouchers_granted=40, vouchers_used=35, euros="700.00", customers=9)
    body = {"voucher_provider_id": w["entry"].id, "period": "2015-Q1", "vouchers_granted": 120,
            "vouchers_used": 110, "euros": "2200.00", "customers": 31}

    created = client.post(f"{API}/voucher-reports", headers=reporter, json=body)
    assert created.status_code == 201, created.text
    report = created.json()
    assert (report["period_start"], report["period_end"]) == ("2015-01-01", "2015-03-31")
    assert client.post(f"{API}/voucher-reports", headers=reporter, json=body).status_code == 409

    not_his = client.post(f"{API}/voucher-reports", headers=reporter,
                          json={**body, "voucher_provider_id": w["other_entry"].id})
    assert not_his.status_code == 422
    assert "voucher_provider_id" in not_his.text
    assert client.get(f"{API}/voucher-reports/{theirs.id}", headers=reporter).status_code == 404
    assert client.patch(f"{API}/voucher-reports/{theirs.id}", headers={**reporter, "If-Match": '"1"'},
                        json={"euros": "1.00"}).status_code == 404
    # the register is the purchaser's to keep; a board member writes nothing
    assert client.patch(f"{API}/voucher-providers/{w['entry'].id}", headers={
        **reporter, "If-Match": '"1"'}, json={"decision": "oma"}).status_code == 403
    assert client.post(f"{API}/voucher-reports", headers=member,
                       json={**body, "period": "2015-Q2"}).status_code == 403

    corrected = client.patch(f"{API}/voucher-reports/{report['id']}", headers=if_match(
        client, reporter, f"{API}/voucher-reports/{report['id']}"), json={"euros": "2180.00"})
    assert corrected.status_code == 200, corrected.text
    mine = client.get(f"{API}/voucher-reports", headers=reporter).json()
    assert [r["id"] for r in mine["items"]] == [report["id"]]
    everything = client.get(f"{API}/voucher-reports", headers=purchaser,
                            params={"scheme_id": w["scheme"].id}).json()
    assert everything["total"] == 2
    register = client.get(f"{API}/voucher-providers", headers=reporter).json()
    assert [e["provider_id"] for e in register["items"]] == [w["provider"].id]

    follow_up = client.get(f"{API}/voucher-schemes/{w['scheme'].id}/follow-up",
                           headers=purchaser, params={"period": "2015-T1"})
    assert follow_up.status_code == 200, follow_up.text
    f = follow_up.json()
    assert Decimal(f["total"]["euros"]) == Decimal("2880.00")  # 2 180,00 + 700,00
    assert (f["total"]["vouchers_used"], f["total"]["customers"]) == (145, 40)
    assert Decimal(f["euros_pct"]) == Decimal("28.8")  # of 10 000,00 €
    assert Decimal(f["elapsed_pct"]) == Decimal("33.3")  # January–April
    assert Decimal(f["forecast_euros"]) == Decimal("11520.00")  # reported until March: × 4
    # his own view of the follow-up: his figures only
    own = client.get(f"{API}/voucher-schemes/{w['scheme'].id}/follow-up", headers=reporter,
                     params={"period": "2015-T1"}).json()
    assert [p["code"] for p in own["providers"]] == ["P1"]
    assert Decimal(own["total"]["euros"]) == Decimal("2180.00")


def test_another_municipality_sees_none_of_it(client: TestClient, db: Session) -> None:
    w = voucher_world(db)
    other = create_user(db, Role.purchaser_director, create(
        db, type(w["municipality"]), code="837", name_fi="Tampere"))
    headers = auth(db, other)
    assert client.get(f"{API}/voucher-schemes/{w['scheme'].id}", headers=headers).status_code == 404
    assert client.get(f"{API}/voucher-schemes/{w['scheme'].id}/follow-up", headers=headers,
                      params={"period": "2015"}).status_code == 404
    assert client.get(f"{API}/voucher-providers", headers=headers).json()["total"] == 0


def test_bad_input_is_a_problem_naming_the_field(client: TestClient, db: Session) -> None:
    w = voucher_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post(f"{API}/voucher-schemes", headers=director, json={
        "board_id": w["board"].id, "product_id": w["product"].id, "code": "X", "year": 2015,
        "name_fi": "X", "value_rule": "income_table", "fixed_value": "12.00",
        "budget_euros": "100.00"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "fixed_value" in response.text
    negative = client.post(f"{API}/voucher-reports", headers=director, json={
        "voucher_provider_id": w["entry"].id, "period": "2015-13", "vouchers_granted": -1,
        "vouchers_used": 0, "euros": "abc", "customers": 0})
    assert negative.status_code == 422
    assert client.get(f"{API}/voucher-schemes/{w['scheme'].id}/follow-up", headers=director,
                      params={"period": "kevät"}).status_code == 422


def test_a_jyvaskyla_provider_reports_a_quarter_and_the_follow_up_counts_it(
        client: TestClient, db: Session) -> None:
    load_jkl(db)
    municipality = db.scalars(select(Municipality).where(Municipality.code == "179")).one()
    provider = db.scalars(select(Provider).where(Provider.code == "KOTIKOLO")).one()
    entry = db.scalars(select(VoucherProvider).where(VoucherProvider.provider_id == provider.id)
                       ).one()
    reporter = auth(db, create_user(db, Role.provider_reporter, municipality,
                                    provider_id=provider.id))
    director = auth(db, create_user(db, Role.purchaser_director, municipality))
    url = f"{API}/voucher-schemes/{entry.scheme_id}/follow-up"
    before = client.get(url, headers=director, params={"period": "2010-09"}).json()
    created = client.post(f"{API}/voucher-reports", headers=reporter, json={
        "voucher_provider_id": entry.id, "period": "2010-Q3", "vouchers_granted": 60,
        "vouchers_used": 58, "euros": "1537.00", "customers": 7})
    assert created.status_code == 201, created.text
    after = client.get(url, headers=director, params={"period": "2010-09"}).json()
    assert Decimal(after["total"]["euros"]) - Decimal(before["total"]["euros"]) == Decimal("1537.00")
    mine = next(p for p in after["providers"] if p["code"] == "KOTIKOLO")
    assert mine["reported_until"] == "2010-09-30"
