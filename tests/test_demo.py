"""The demo as a new user meets it after ./scripts/run: a year in progress in which the README's
example provider has values due, the public reads approved agreements and an issued report,
and the board's report follows an agreement amended mid-year.

The demo is loaded once per database (it renders a report); the tests only read it. Dates are
the demo's own (YearPlan.of(today)), never written out here."""

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.auth import ratelimit
from app.auth.models import Role, User
from app.core.db import open_session
from app.core.formatting import money
from app.core.migrate import ROOT, upgrade
from app.demo import demo_password, load_demo
from app.demo_progress import demo_loaded, example_provider_username
from app.demo_year import AMENDED_MEASURE, AMENDED_TARGET, RETURN_REASON, YearPlan
from app.main import app
from app.organisations.models import Board, Municipality, Provider
from tests.conftest import DATABASES, empty_database
from tests.web.test_pages import web_login

API = "/api/v1"
PLAN = YearPlan.of(date.today())
OWN = f"HML-LANULA-{PLAN.year}-OMA"


@pytest.fixture(scope="module", params=DATABASES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Engine]:
    engine, drop = empty_database(request.param, tmp_path_factory.mktemp("demo"))
    upgrade(engine)
    with Session(engine) as session:
        load_demo(session)
        session.commit()
    yield engine
    drop()


@pytest.fixture
def client(demo: Engine) -> Iterator[TestClient]:
    def session() -> Iterator[Session]:
        with Session(demo, expire_on_commit=False) as s:
            yield s

    app.dependency_overrides[open_session] = session
    ratelimit.reset()
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def readme_provider() -> str:
    """The provider reporter the README's demo section gives as its example."""
    found = re.search(r"example provider reporter is `(\d{3}-[a-z0-9-]+)`",
                      (ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "the README names no example provider reporter"
    return found.group(1)


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", data={
        "username": username, "password": demo_password(username)})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def due(client: TestClient, username: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/submissions/due", headers=login(client, username),
                          params={"year": PLAN.year, "limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_readme_example_provider_has_values_due_this_year(client: TestClient) -> None:
    assert readme_provider() == example_provider_username()
    waiting = [i for i in due(client, readme_provider()) if i["status"] in ("due", "overdue")]
    assert len(waiting) >= 1


def test_the_readme_example_provider_finds_them_on_the_reporting_page(client: TestClient
                                                                      ) -> None:
    client.base_url = "https://testserver"  # type: ignore[assignment]  # the cookie is Secure
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    username = readme_provider()
    client.post("/login", data={"username": username, "password": demo_password(username),
                                "csrf": csrf.group(1)})
    reporting = client.get("/reporting")
    assert 'id="group-due"' in reporting.text


def test_one_value_is_returned_with_its_reason(client: TestClient) -> None:
    returned = [i for i in due(client, readme_provider()) if i["status"] == "returned"]
    assert [i["return_reason"] for i in returned] == [RETURN_REASON]


def test_the_public_lists_the_approved_agreements_of_the_year(client: TestClient) -> None:
    listed = client.get(f"{API}/service-agreements", params={"year": PLAN.year})
    assert listed.status_code == 200, listed.text
    assert OWN in {a["code"] for a in listed.json()["items"]}


def test_the_public_downloads_the_issued_report(client: TestClient) -> None:
    page = client.get("/reports")
    link = re.search(r'href="(/reports/\d+\.pdf)"', page.text)
    assert link is not None, "no issued report on the public reports page"
    pdf = client.get(link.group(1))
    assert pdf.content.startswith(b"%PDF")


def test_the_amendment_takes_effect_mid_year(client: TestClient) -> None:
    headers = login(client, "109-director")
    agreements = client.get(f"{API}/service-agreements", headers=headers, params={
        "year": PLAN.year, "limit": 100}).json()["items"]
    own = next(a for a in agreements if a["code"] == OWN)
    versions = client.get(f"{API}/service-agreements/{own['id']}/versions",
                          headers=headers).json()
    items = versions["items"] if isinstance(versions, dict) else versions
    assert [(v["version"], v["effective_from"]) for v in items][-1] == (
        2, PLAN.effective_from.isoformat())


def _target_in_report(client: TestClient, demo: Engine, period: str) -> str:
    with Session(demo) as session:
        board_id = session.scalars(select(Board.id).where(Board.code == "LANULA")).first()
    html = client.get(f"{API}/reports/follow-up", headers=login(client, "109-board"), params={
        "board_id": board_id, "period": period, "format": "html", "language": "fi"}).text
    found = re.search(rf'alt="[^"]*{AMENDED_MEASURE}[^"]*?Tavoite {PLAN.year}: ([0-9,]+)', html)
    assert found is not None, f"no chart of {AMENDED_MEASURE} in the report of {period}"
    return found.group(1)


def test_the_boards_report_uses_the_first_versions_target_for_t1(
        client: TestClient, demo: Engine) -> None:
    assert _target_in_report(client, demo, f"{PLAN.year}-T1") == str(AMENDED_TARGET[0])


def test_the_boards_report_uses_the_amendments_target_for_t2(
        client: TestClient, demo: Engine) -> None:
    assert _target_in_report(client, demo, f"{PLAN.year}-T2") == str(AMENDED_TARGET[1])


def test_the_board_member_sees_each_miss_with_its_providers_corrective_action(
        client: TestClient, demo: Engine) -> None:
    """The board member's first screen and the first page of the board's report: the red and
    amber measures, by how much, and what their provider does about each."""
    with Session(demo) as session:
        board_id = session.scalars(select(Board.id).where(Board.code == "LANULA")).first()
    html = client.get(f"{API}/reports/follow-up", headers=login(client, "109-board"), params={
        "board_id": board_id, "period": PLAN.report_period, "format": "html",
        "language": "fi"}).text
    attention = html.split('<table class="attention">', 1)[1].split("</table>", 1)[0]
    rows = attention.split("<tbody>", 1)[1].split("</tr>")[:-1]
    assert rows and all("Korjaava toimenpide, määräpäivä" in row for row in rows)
    client.base_url = "https://testserver"  # the session cookie is Secure
    web_login(client, "109-board", demo_password("109-board"))
    home = client.get("/").text
    table = home.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    misses = table.split("</tr>")[:-1]
    assert misses and [r for r in misses if "Korjaava toimenpide, määräpäivä" not in r] == []


def test_the_voucher_schemes_register_is_followed_up_and_its_providers_report(
        client: TestClient) -> None:
    """Jyväskylä's vouchers (contracts/179-…, the register trimmed to a few providers, each
    with a reporter's login)."""
    director = login(client, "179-director")
    schemes = client.get(f"{API}/voucher-schemes", headers=director, params={"year": 2010})
    scheme = next(s for s in schemes.json()["items"] if s["code"] == "VANHUS-TUKIPALVELU")
    follow_up = client.get(f"{API}/voucher-schemes/{scheme['id']}/follow-up", headers=director,
                           params={"period": "2010-Q2"})
    assert follow_up.status_code == 200, follow_up.text
    assert follow_up.json()["budget_euros"] == "490000.00"
    assert len(follow_up.json()["providers"]) == 5
    assert login(client, "179-aallon-hoiva")


def test_mikkelis_board_reads_each_lines_balance_over_the_years(
        client: TestClient, demo: Engine) -> None:
    """Street maintenance: 2009's +150 000 and 2010's own result leave +70 000 for 2011."""
    with Session(demo) as session:
        board_id = session.scalars(select(Board.id).where(Board.code == "TEKNINEN")).one()
    html = client.get(f"{API}/reports/follow-up", headers=login(client, "491-board"), params={
        "board_id": board_id, "period": "2011-T2", "format": "html", "language": "fi"}).text
    assert "Ylivuotinen budjetointi" in html
    assert money(Decimal("70000"), "fi", signed=True) in html


def test_the_demo_has_a_login_per_provider_and_not_many_more(demo: Engine) -> None:
    """A reporter per provider (one per organisation of several municipalities, e.g. Eksote)
    and the four purchaser-side roles of each municipality, besides the installation's admin."""
    with Session(demo) as session:
        providers = session.scalar(select(func.count()).select_from(Provider)) or 0
        shared = session.scalar(select(func.count(Provider.organisation_id.distinct())).where(
            Provider.organisation_id.in_(select(User.provider_organisation_id)))) or 0
        rows_shared = session.scalar(select(func.count()).select_from(Provider).where(
            Provider.organisation_id.in_(select(User.provider_organisation_id)))) or 0
        reporters = session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.provider_reporter)) or 0
        others = session.scalar(select(func.count()).select_from(User).where(
            User.role != Role.provider_reporter)) or 0
        municipalities = session.scalar(select(func.count()).select_from(Municipality)) or 0
    assert shared >= 1  # Eksote, in Lemi and Lappeenranta
    assert reporters == providers - rows_shared + shared
    assert others == 1 + 4 * municipalities


def test_loading_the_demo_again_changes_nothing(demo: Engine) -> None:
    messages: list[str] = []
    with Session(demo) as session:
        assert load_demo(session, messages.append) == []
        assert demo_loaded(session)
    assert messages == ["The demo data is already loaded; nothing changed."]


def test_eksotes_one_login_reads_both_purchasers_agreements_and_neither_purchaser_the_others(
        client: TestClient) -> None:
    """One Y-tunnus (Eksote) in Lemi's and Lappeenranta's files: its reporter reads the
    agreements of both with one login; each purchaser reads only its own."""
    def codes(username: str) -> set[str]:
        response = client.get(f"{API}/service-agreements", headers=login(client, username),
                              params={"limit": 200})
        assert response.status_code == 200, response.text
        return {f"{a['municipality_id']}:{a['code']}" for a in response.json()["items"]}

    eksote = codes("eksote")
    lemi, lappeenranta = codes("416-director"), codes("405-director")
    assert eksote == lemi | lappeenranta
    assert lemi and lappeenranta and not lemi & lappeenranta
    lemi_id = int(next(iter(lemi)).split(":")[0])
    other = client.get(f"{API}/service-agreements", headers=login(client, "405-director"),
                       params={"municipality_id": lemi_id})
    assert other.json()["items"] == []
