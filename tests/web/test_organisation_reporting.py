"""A provider organisation's reporter on the reporting pages: each purchaser's items, labelled
by municipality, one template per purchaser, and another provider's measure not found."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.indicators.models import Measure
from app.organisations.models import Provider
from tests.auth.test_provider_organisations import two  # noqa: F401  (the fixture)
from tests.web.test_pages import web_login


def test_the_due_list_names_each_purchaser(client: TestClient, db: Session,
                                           two: dict[str, Any]) -> None:  # noqa: F811
    client.base_url = "https://testserver"  # the session cookie is Secure
    web_login(client, "eksote")
    page = client.get("/reporting")
    assert page.status_code == 200
    assert "Lemi" in page.text and "Lappeenranta" in page.text
    assert "EKSOTE-ASTYYT" in page.text and "OMA-TYYTYVAISYYS" not in page.text
    mine = db.scalars(select(Measure).where(Measure.code == "TYYTYVAISYYS")).one()
    assert client.get(f"/reporting/{mine.id}/2010").status_code == 200
    other = db.scalars(select(Measure).where(Measure.code == "OMA-TYYTYVAISYYS")).one()
    assert client.get(f"/reporting/{other.id}/2010").status_code == 404


def test_a_template_per_purchaser_and_none_of_another_provider(
        client: TestClient, db: Session, two: dict[str, Any]) -> None:  # noqa: F811
    client.base_url = "https://testserver"
    web_login(client, "eksote")
    eksote = db.scalars(select(Provider).where(Provider.code == "EKSOTE-PIIRI")).one()
    unit = db.scalars(select(Provider).where(Provider.code == "LPR-OMA")).one()
    assert client.get("/reporting/template.xlsx").status_code == 404  # which purchaser's?
    assert client.get(f"/reporting/template.xlsx?provider={eksote.id}").status_code == 200
    assert client.get(f"/reporting/template.xlsx?provider={unit.id}").status_code == 404
    assert client.get(f"/reporting/upload?provider={eksote.id}").status_code == 200
    assert client.get(f"/reporting/upload?provider={unit.id}").status_code == 404
    chooser = client.get("/reporting/upload", follow_redirects=False)  # the home page's card
    assert chooser.status_code == 303 and chooser.headers["location"] == "/reporting"
    home = client.get("/")
    assert home.status_code == 200 and "Eksote" in home.text


def test_his_other_pages_answer(client: TestClient, two: dict[str, Any]) -> None:  # noqa: F811
    client.base_url = "https://testserver"
    web_login(client, "eksote")
    for path in ("/", "/agreements", "/reports", "/vouchers", "/settings"):
        assert client.get(path).status_code == 200, path
    agreements = client.get("/agreements").text
    assert "LEMI-EKSOTE-2010" in agreements and "LPR-OMA-2010" not in agreements
