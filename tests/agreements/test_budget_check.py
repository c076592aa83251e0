"""A service agreement is approved only within its approved order budget with a line for its
provider (app.agreements.budget_check): the 409 names the budget that blocks it."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role
from app.organisations.models import Board, Municipality, Provider
from tests.agreements.flow import DECISION, amend, approve, budget_for, import_hameenlinna, move
from tests.helpers import auth, create, create_user, create_world

API = "/api/v1"
FI = {"Accept-Language": "fi"}


def _negotiating(client: TestClient, db: Session) -> tuple[dict[str, Any], dict[str, str], str]:
    """create_world's agreement in negotiation, and its director's headers (in Finnish)."""
    w = create_world(db)
    h = {**auth(db, create_user(db, Role.purchaser_director, w["municipality"])), **FI}
    path = f"{API}/service-agreements/{w['agreement'].id}"
    move(client, h, path, "negotiation")
    return w, h, path


def _refused(client: TestClient, h: dict[str, str], path: str) -> str:
    """The approval of the agreement at ``path`` is refused and changes nothing: its detail."""
    response = client.post(f"{path}/transitions", headers=h, json={"to": "approved", **DECISION})
    assert response.status_code == 409, response.text
    assert client.get(path, headers=h).json()["status"] == "negotiation"
    return str(response.json()["detail"])


def _approved(client: TestClient, h: dict[str, str], path: str) -> None:
    response = client.post(f"{path}/transitions", headers=h, json={"to": "approved", **DECISION})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"


def test_no_order_budget_for_the_board_and_year_is_named(client: TestClient, db: Session) -> None:
    _, h, path = _negotiating(client, db)
    assert _refused(client, h, path) == (
        "Lautakunnalla LANULA ei ole tilausbudjettia vuodelle 2015: laadi ja hyväksy se ensin")


def test_a_draft_budget_blocks_until_it_is_approved(client: TestClient, db: Session) -> None:
    w, h, path = _negotiating(client, db)
    budget = budget_for(db, w, approved=False)
    assert _refused(client, h, path) == (
        f"Tilausbudjetti LANULA 2015 (id {budget.id}) on luonnos: hyväksy se ensin")
    english = client.post(f"{path}/transitions", headers={**h, "Accept-Language": "en"},
                          json={"to": "approved", **DECISION})
    assert english.json()["detail"] == (
        f"Order budget LANULA 2015 (id {budget.id}) is a draft: approve it first")
    move(client, h, f"{API}/order-budgets/{budget.id}", "negotiation")
    assert _refused(client, h, path) == (
        f"Tilausbudjetti LANULA 2015 (id {budget.id}) on neuvottelussa: hyväksy se ensin")
    move(client, h, f"{API}/order-budgets/{budget.id}", "approved", **DECISION)
    _approved(client, h, path)


def test_an_approved_budget_without_the_providers_line_is_named(
    client: TestClient, db: Session
) -> None:
    w, h, path = _negotiating(client, db)
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2",
                   name="Tuottaja 2", kind="company", business_id="0112038-9")
    budget = budget_for(db, w, provider=other)
    assert _refused(client, h, path) == (
        f"Tilausbudjetissa LANULA 2015 (id {budget.id}) ei ole riviä tuottajalle P1 (Tuottaja 1): "
        "lisää rivi budjetin muutokseen ja hyväksy se ensin")


def test_a_draft_amendment_of_an_approved_budget_does_not_block(
    client: TestClient, db: Session
) -> None:
    w, h, path = _negotiating(client, db)
    budget = budget_for(db, w)
    amend(client, h, f"{API}/order-budgets/{budget.id}")  # version 2, a draft
    _approved(client, h, path)


def test_the_budget_that_pays_is_the_agreements_own(client: TestClient, db: Session) -> None:
    """With ``order_budget_id`` the other boards share the goals, not the bill; without it,
    each board's budget of the year is checked, and the one missing is named."""
    w = create_world(db)
    tetola = create(db, Board, municipality_id=w["municipality"].id, code="TETOLA",
                    name_fi="Terveyttä ja toimintakykyä edistävien palvelujen lautakunta")
    budget = budget_for(db, w)
    h = {**auth(db, create_user(db, Role.purchaser_director, w["municipality"])), **FI}
    joint = create(db, ServiceAgreement, code="SA2", framework_agreement_id=w["framework"].id,
                   provider_id=w["provider"].id, year=2015, title="Yhteinen",
                   board_ids=[w["board"].id, tetola.id])
    joint_path = f"{API}/service-agreements/{joint.id}"
    move(client, h, joint_path, "negotiation")
    assert _refused(client, h, joint_path) == (
        "Lautakunnalla TETOLA ei ole tilausbudjettia vuodelle 2015: laadi ja hyväksy se ensin")
    paid = create(db, ServiceAgreement, code="SA3", framework_agreement_id=w["framework"].id,
                  provider_id=w["provider"].id, year=2015, title="LANULAn budjetista",
                  order_budget_id=budget.id, board_ids=[w["board"].id, tetola.id])
    approve(client, h, f"{API}/service-agreements/{paid.id}")  # 200: LANULA's budget pays


def test_hameenlinnas_own_production_is_approved_after_its_budget(
    client: TestClient, db: Session
) -> None:
    """The agreement's party HML-OMA is the city's own production; the budget's lines name its
    units (HML-ALUE1…7, HML-KESKITETYT), which count as its lines."""
    import_hameenlinna(db)
    agreement = db.scalars(select(ServiceAgreement)).one()
    h = {**auth(db, create_user(db, Role.purchaser_director,
                                db.get_one(Municipality, agreement.municipality_id))), **FI}
    path = f"{API}/service-agreements/{agreement.id}"
    move(client, h, path, "negotiation")
    assert _refused(client, h, path) == (
        f"Tilausbudjetti LANULA 2015 (id {agreement.order_budget_id}) on luonnos: hyväksy se ensin")
    approve(client, h, f"{API}/order-budgets/{agreement.order_budget_id}")
    _approved(client, h, path)
