"""Import and export of agreement sets through the API."""

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.demo import CONTRACTS
from app.organisations.models import Municipality
from tests.helpers import auth, create_municipality, create_user

YAML = {"content-type": "application/yaml"}
HAMEENLINNA = CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml"


def test_a_broken_file_gets_422_listing_every_error_and_stores_nothing(
    client: TestClient, db: Session
) -> None:
    h = auth(db, create_user(db, Role.admin, username="root"))
    text = HAMEENLINNA.read_text(encoding="utf-8")
    broken = text.replace("first_year: 2013", "first_year: kaksituhatta", 1).replace(
        "kind: company", "kind: firma", 1)
    response = client.post("/api/v1/contracts/import", headers={**h, **YAML},
                           content=broken.encode())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["path"]: e for e in response.json()["errors"]}
    assert errors["framework_agreement.first_year"]["message"] == "expected a whole number"
    assert any(p.startswith("providers[") and p.endswith(".kind") for p in errors)
    assert all(e["line"] for e in errors.values())
    assert db.scalar(select(func.count()).select_from(Municipality)) == 0


def test_a_finnish_client_reads_the_files_errors_in_finnish_with_their_lines(
    client: TestClient, db: Session
) -> None:
    h = {**auth(db, create_user(db, Role.admin, username="root")), "Accept-Language": "fi"}
    text = HAMEENLINNA.read_text(encoding="utf-8")
    broken = text.replace("first_year: 2013", "first_year: kaksituhatta", 1)
    line = text.splitlines().index(next(ln for ln in text.splitlines()
                                        if "first_year: 2013" in ln)) + 1
    response = client.post("/api/v1/contracts/import", headers={**h, **YAML},
                           content=broken.encode())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["message"] == "anna kokonaisluku"
    assert response.json()["detail"] == (
        f"Virheitä 1, mitään ei tallennettu: framework_agreement.first_year: anna kokonaisluku "
        f"(rivi {line})")


def test_an_unknown_code_is_told_in_finnish_and_a_second_import_of_a_changed_approved_version_in_swedish(
    client: TestClient, db: Session
) -> None:
    root = auth(db, create_user(db, Role.admin, username="root"))
    text = HAMEENLINNA.read_text(encoding="utf-8")
    unknown = text.replace("provider: HML-ALUE1,", "provider: EI-OLE,", 1)
    assert unknown != text
    response = client.post("/api/v1/contracts/import", content=unknown.encode(),
                           headers={**root, **YAML, "Accept-Language": "fi"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "tuntematon koodi 'EI-OLE': esittele se tiedoston luettelossa")
    title = "  title: Lasten ja nuorten palvelujen tilausbudjetti 2015\n"
    approved = text.replace(title, title + "  status: approved\n  approval: {organization: "
                            "LANULA, event_date: 2014-12-10, article_number: '145'}\n", 1)
    assert approved != text
    assert client.post("/api/v1/contracts/import", headers={**root, **YAML},
                       content=approved.encode()).status_code == 200
    in_place = approved.replace("tilausbudjetti 2015\n", "tilausbudjetti 2015 (uusi)\n", 1)
    response = client.post("/api/v1/contracts/import", content=in_place.encode(),
                           headers={**root, **YAML, "Accept-Language": "sv"})
    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert message.startswith("Beställningsbudget 2015, version ")
    assert "en godkänd version är en offentlig handling" in message


def test_a_swedish_client_is_told_that_the_file_is_not_yaml(
    client: TestClient, db: Session
) -> None:
    h = {**auth(db, create_user(db, Role.admin, username="root")), "Accept-Language": "sv"}
    response = client.post("/api/v1/contracts/import", headers={**h, **YAML},
                           content=b"[1, 2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("inte giltig YAML: ")


def test_export_returns_what_was_imported(client: TestClient, db: Session) -> None:
    root = auth(db, create_user(db, Role.admin, username="root"))
    assert client.post("/api/v1/contracts/import", headers={**root, **YAML},
                       content=HAMEENLINNA.read_bytes()).status_code == 200
    municipality = db.scalar(select(Municipality).where(Municipality.code == "109"))
    director = auth(db, create_user(db, Role.purchaser_director, municipality))
    response = client.get("/api/v1/contracts/export", headers=director,
                          params={"municipality": "109", "board": "LANULA", "year": 2015})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    exported = yaml.safe_load(response.text)
    original = yaml.safe_load(HAMEENLINNA.read_text(encoding="utf-8"))
    assert exported["framework_agreement"]["perspectives"] == \
        original["framework_agreement"]["perspectives"]
    assert len(exported["order_budget"]["lines"]) == len(original["order_budget"]["lines"])


def test_another_municipality_cannot_import_or_export_here(client: TestClient, db: Session) -> None:
    root = auth(db, create_user(db, Role.admin, username="root"))
    client.post("/api/v1/contracts/import", headers={**root, **YAML},
                content=HAMEENLINNA.read_bytes())
    tampere = auth(db, create_user(db, Role.purchaser_director, create_municipality(db, "837")))
    exported = client.get("/api/v1/contracts/export", headers=tampere,
                          params={"municipality": "109", "board": "LANULA", "year": 2015})
    assert exported.status_code == 404
    imported = client.post("/api/v1/contracts/import", headers={**tampere, **YAML},
                           content=HAMEENLINNA.read_bytes())
    assert imported.status_code == 404
