"""Moving agreements through their lifecycle in tests, through the HTTP API."""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.contracts.importer import import_text
from app.demo import SYSTEM

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
