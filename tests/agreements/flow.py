"""Moving agreements through their lifecycle in tests, through the HTTP API."""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.agreements import transitions
from app.budgets.models import OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.contracts.importer import import_text
from app.demo import SYSTEM
from tests.helpers import ROOT, create

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
HAMEENLINNA = CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml"

DECISION = {"organization": "Lasten ja nuorten lautakunta", "event_date": "2014-12-12",
            "article_number": "§ 145", "register_id": "HML/1234/02.05.00/2014",
            "minutes_url": "https://hameenlinna.fi/poytakirjat/lanula-2014-12-12"}


def import_hameenlinna(db: Session) -> None:
    import_text(db, SYSTEM, HAMEENLINNA.read_text(encoding="utf-8"), HAMEENLINNA.name)


def move(client: TestClient, headers: dict[str, str], path: str, to: str, **body: Any
         ) -> Any:
    response = client.post(f"{path}/transitions", headers=headers, json={"to": to, **body})
    assert response.status_code == 200, response.text
    return response.json()


def approve(client: TestClient, headers: dict[str, str], path: str) -> Any:
    """draft → negotiation → approved, with the board decision."""
    move(client, headers, path, "negotiation")
    return move(client, headers, path, "approved", **DECISION)


def approve_budget_of(client: TestClient, headers: dict[str, str], agreement_path: str) -> Any:
    """Approve the order budget of the service agreement at ``agreement_path``: an agreement is
    approved only within an approved budget (app.agreements.budget_check)."""
    agreement = client.get(agreement_path, headers=headers).json()
    return approve(client, headers, f"/api/v1/order-budgets/{agreement['order_budget_id']}")


def budget_for(db: Session, w: dict[str, Any], *, approved: bool = True, year: int = 2015,
               provider: Any = None) -> OrderBudget:
    """An order budget of ``w``'s board (tests.helpers.create_world) with a line for its
    provider (or ``provider``), approved unless told otherwise: what its service agreement's
    approval needs."""
    municipality = w["municipality"].id
    area = create(db, ServiceArea, municipality_id=municipality, code=f"BUD{year}",
                  name_fi="Tilattavat palvelut")
    group = create(db, ProductGroup, service_area_id=area.id, code=f"BUD{year}",
                   name_fi="Palvelut")
    product = create(db, Product, product_group_id=group.id, code=f"BUD{year}",
                     name_fi="Kotikäynti", unit="käynti")
    budget: OrderBudget = create(db, OrderBudget, board_id=w["board"].id, year=year,
                                 title=f"Tilausbudjetti {year}")
    create(db, OrderBudgetLine, order_budget_id=budget.id, product_id=product.id,
           provider_id=(provider or w["provider"]).id, volume=100, unit_price="50.00")
    if approved:
        approve_in_db(db, budget)
    return budget


def approve_in_db(db: Session, obj: Any) -> None:
    """draft → negotiation → approved through the lifecycle, without HTTP."""
    transitions.transition(db, ROOT, obj, {"to": "negotiation"})
    transitions.transition(db, ROOT, obj, {"to": "approved", **DECISION})


def amend(client: TestClient, headers: dict[str, str], path: str) -> Any:
    response = client.post(f"{path}/amendments", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def etag(client: TestClient, headers: dict[str, str], path: str) -> dict[str, str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return {**headers, "If-Match": response.headers["ETag"]}


def patch(client: TestClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    response = client.patch(path, headers=etag(client, headers, path), json=body)
    assert response.status_code == 200, response.text
    return response.json()
