"""The pages in a real browser: Debian's headless Chromium driven by Playwright, with axe-core
checking WCAG 2.1 AA, and screenshots at desktop and phone width in artifacts/screenshots/."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from app.core.migrate import ROOT
from app.demo import demo_password
from tests.conftest import DATABASES, IN_CI, empty_database

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=DATABASES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[str]:
    """Sopimus with the demo data, served by uvicorn as ./scripts/run does."""
    engine, drop = empty_database(request.param, tmp_path_factory.mktemp("web"))
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    env = {**os.environ, "SOPIMUS_DATABASE_URL": url, "SOPIMUS_ARGON2_MEMORY_KIB": "1024",
           "SOPIMUS_ARGON2_TIME_COST": "1", "SOPIMUS_LOGIN_RATE_PER_ACCOUNT": "1000/minute",
           "SOPIMUS_LOGIN_RATE_PER_ADDRESS": "1000/minute"}
    sopimus = str(Path(sys.executable).parent / "sopimus")
    subprocess.run([sopimus, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([sopimus, "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([sopimus, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # up to 30 s: a loaded machine starts it slowly
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    drop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Chromium is missing: ./scripts/test installs Debian's chromium")
        pytest.skip("Chromium is not installed (./scripts/test installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def new_page(browser: Browser, size: str = "desktop") -> Page:
    # bypass_csp: axe-core is injected as an inline script, which the app's CSP forbids.
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, locale="fi-FI")
    return context.new_page()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", demo_password(username))
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def look(browser: Browser, base: str, name: str, path: str, user: str | None = None) -> None:
    """Screenshot a page at both widths and check it with axe-core."""
    look_all(browser, base, [(name, path)], user)


def look_all(browser: Browser, base: str, pages: list[tuple[str, str]],
             user: str | None = None) -> None:
    """Screenshot pages at both widths and check them with axe-core (one login per width)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        page = new_page(browser, size)
        if user:
            log_in(page, base, user)
        for name, path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, f"{name}: {path}"
            page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
            violations = axe_violations(page)
            assert violations == [], f"{name} ({size}): " + "; ".join(
                f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations)
        page.context.close()


def test_public_pages(server: str, browser: Browser) -> None:
    look(browser, server, "home-public", "/")
    look(browser, server, "agreements-public", "/agreements")
    look(browser, server, "login", "/login")
    look(browser, server, "reports-public", "/reports")


def test_a_purchaser_issues_a_report_that_the_public_downloads(server: str, browser: Browser
                                                              ) -> None:
    page = new_page(browser)
    log_in(page, server, "109-director")
    page.goto(f"{server}/reports")
    page.select_option("#board_id", label="LANULA – Lasten ja nuorten lautakunta")
    page.select_option("#period", "2015-T2")
    page.click("form[action='/reports/preview'] button[type=submit]")
    page.wait_for_load_state()
    assert "Tarkista ennen julkaisua" in page.inner_text("main h1")
    preview = page.url.removeprefix(server)
    page.click("form[action='/reports/issue'] button[type=submit]")
    page.wait_for_load_state()
    assert "Raportti julkaistiin" in page.inner_text("main")
    href = page.get_attribute("main table a", "href")
    assert href and href.endswith(".pdf")
    page.screenshot(path=str(SHOTS / "reports-purchaser-desktop.png"), full_page=True)
    page.context.close()
    public = new_page(browser)
    public.goto(f"{server}/reports")
    assert "Seurantaraportti 2015-T2" in public.inner_text("main")
    response = public.request.get(server + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    public.context.close()
    look_all(browser, server, [("reports-purchaser", "/reports"),
                               ("report-preview", preview)], "109-director")


def test_purchaser_sees_the_agreements_of_the_year(server: str, browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, server, "109-director")
    assert "Tilaajajohtaja" in page.inner_text("header")
    page.goto(f"{server}/agreements?year=2015")
    assert "palvelusopimus 2015" in page.inner_text("main").lower()
    page.click("main table a")
    assert "Korjaavien palveluiden kustannukset" in page.inner_text("main")
    page.context.close()
    look(browser, server, "agreements-purchaser", "/agreements?year=2015", "109-director")


def test_a_reporter_cannot_open_another_providers_agreement(server: str, browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, server, "109-director")
    page.goto(f"{server}/agreements?year=2015")
    href = page.get_attribute("main table a", "href")
    page.context.close()
    other = new_page(browser)
    log_in(other, server, "109-hml-alue1")  # a region's own unit: not the agreement's party
    response = other.goto(server + str(href))
    assert response is not None and response.status == 404
    assert "Sivua ei löydy" in other.inner_text("main")
    other.context.close()


REPORTER, DIRECTOR = "109-hml-oma", "109-director"
HOBBY = "HARRASTUS"  # a share in %, 0–100, target 75 in 2015; 66 reported for 2015-T1


def due_row(page: Page, code: str, period: str) -> Any:
    return page.locator("table.due tbody tr").filter(has_text=f"· {code}").filter(
        has=page.locator("td", has_text=re.compile(f"^{re.escape(period)}$")))


def value_page(page: Page, base: str, code: str, period: str) -> str:
    page.goto(f"{base}/reporting")
    href = due_row(page, code, period).locator("a").get_attribute("href")
    assert href
    page.goto(base + href)
    return href


def upload(page: Page, base: str, name: str, text: str) -> None:
    page.goto(f"{base}/reporting/upload")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv",
                                          "buffer": text.encode()}])
    page.click("button[value=store]")
    page.wait_for_load_state()


def test_a_reporter_reports_and_sees_a_returned_value_come_back(server: str,
                                                                browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, server, REPORTER)
    page.goto(f"{server}/reporting")
    assert "Toimitettu, odottaa tarkastusta" in page.inner_text("main")
    assert "15.6.2015" in page.inner_text("main")  # 2015-T1's due date, in Finnish
    # A bad number: the error next to the field, nothing stored.
    href = value_page(page, server, HOBBY, "2015-T1")
    assert page.input_value("#value") == "66"
    page.fill("#value", "12,3x")
    page.fill("#reason", "Laskettu uudelleen")
    page.click("main form button[type=submit]")
    assert "Anna luku" in page.inner_text("#value-error")
    assert page.get_attribute("#value", "aria-invalid") == "true"
    page.goto(server + href)
    assert page.input_value("#value") == "66" and page.locator("#history").count() == 0
    # A good one: a correction with its reason, kept in the history under the form.
    page.fill("#value", "68")
    page.fill("#reason", "Laskettu uudelleen")
    page.click("main form button[type=submit]")
    assert "Korjaus on tallennettu" in page.inner_text("main [role=status]")
    history = page.inner_text("#history + .table-wrap")
    assert "66" in history and "68" in history and "Laskettu uudelleen" in history
    # A file with one bad row: every error shown, nothing stored.
    upload(page, server, "toteumat.csv",
           "measure_code;period;value\nTUNTILASKUTUS;2015-T2;47\nHARRASTUS;2015-T2;7O\n")
    errors = page.inner_text("main table")
    assert "3" in errors and "value" in errors and "”7O” ei ole luku" in errors
    page.screenshot(path=str(SHOTS / "reporting-upload-rejected-desktop.png"), full_page=True)
    assert axe_violations(page) == []
    value_page(page, server, "TUNTILASKUTUS", "2015-T2")
    assert page.input_value("#value") == "46"
    # A good file is previewed, then stored without choosing it again.
    page.goto(f"{server}/reporting/upload")
    page.set_input_files("#file", files=[{"name": "toteumat.csv", "mimeType": "text/csv",
                                          "buffer": b"measure_code;period;value\n"
                                                    b"TUNTILASKUTUS;2015-T2;47\n"}])
    page.click("button[value=preview]")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "reporting-upload-preview-desktop.png"), full_page=True)
    assert axe_violations(page) == []
    page.click("form:has(input[name=token]) button[value=store]")
    page.wait_for_load_state()
    assert "1 korjattua" in page.inner_text("main [role=status]")
    value_page(page, server, "TUNTILASKUTUS", "2015-T2")
    assert page.input_value("#value") == "47"
    # The purchaser returns the corrected value with a reason, in the browser.
    purchaser = new_page(browser)
    log_in(purchaser, server, DIRECTOR)
    purchaser.goto(f"{server}/purchaser/review")
    item = purchaser.locator(".review-group").filter(has_text=HOBBY).locator(
        ".review-item").filter(has=purchaser.locator(".period", has_text=re.compile("^2015-T1$")))
    item.locator("summary").click()
    item.locator("textarea").fill("Osuus nousi paljon: tarkista lähde")
    item.locator("details button[type=submit]").click()
    assert "palautettu" in purchaser.inner_text("main [role=status]")
    purchaser.context.close()
    # The reporter sees it come back, with the reason.
    page.goto(f"{server}/reporting")
    returned = page.inner_text("#group-returned + .table-wrap")
    assert HOBBY in returned and "Osuus nousi paljon: tarkista lähde" in returned
    href = due_row(page, HOBBY, "2015-T1").locator("a").get_attribute("href")
    page.context.close()
    look_all(browser, server, [("reporting", "/reporting"), ("reporting-value", str(href)),
                               ("reporting-upload", "/reporting/upload")], REPORTER)


def test_a_purchaser_follows_the_board_and_amends_an_agreement(server: str,
                                                               browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, server, DIRECTOR)
    page.goto(f"{server}/purchaser")
    main = page.inner_text("main")
    assert "LANULA" in main and "Korjaavien palveluiden kustannukset" in main
    assert "Tavoitteessa" in main or "Jäljessä" in main or "Riskissä" in main
    href = page.get_attribute("main section.agreement-card h3 a", "href")
    # Review: each value beside its target and light; two ticked values accepted at once.
    page.goto(f"{server}/purchaser/review")
    first = page.locator(".review-item").first
    assert "Tavoite" in first.inner_text()
    assert first.locator(".light").count() == 1
    items = page.locator(".review-item")
    before = items.count()
    items.nth(0).locator("input[type=checkbox]").check()
    items.nth(1).locator("input[type=checkbox]").check()
    page.click("#bulk button[value=selected]")
    page.wait_for_load_state()
    assert "Hyväksytty 2 arvoa." in page.inner_text("main [role=status]")
    assert page.locator(".review-item").count() == before - 2
    look_all(browser, server, [("purchaser", "/purchaser"), ("purchaser-review", "/purchaser/review"),
                               ("purchaser-overdue", "/purchaser/overdue")], DIRECTOR)
    # The demo's agreements are approved: start an amendment and compare in the browser.
    page.goto(server + str(href))
    page.click("text=Aloita muutos")
    assert "Muutosversio on luotu" in page.inner_text("main")
    page.click("main form.filters button[type=submit]")
    assert "Versioiden vertailu" in page.inner_text("main h1")
    compare = page.url.removeprefix(server)
    page.context.close()
    look_all(browser, server, [("purchaser-compare", compare)], DIRECTOR)


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_the_dashboards_overview_choices_and_a_measure_page(server: str, browser: Browser
                                                            ) -> None:
    page = new_page(browser)
    log_in(page, server, DIRECTOR)
    assert page.locator("main .counts .count").count() >= 5  # on the first screen after login
    page.goto(f"{server}/purchaser?sort=status")
    href = page.get_attribute("main table.overview-flat a", "href")
    board = page.input_value("#board")
    page.context.close()
    look_all(browser, server, [
        ("home-purchaser", "/"),
        ("purchaser-sorted", f"/purchaser?board={board}&sort=status"),
        ("purchaser-off-track", f"/purchaser?board={board}&status=off_track"),
        ("measure", str(href))], DIRECTOR)
    look_all(browser, server, [("home-board", "/"), ("measure-board", str(href))], "109-board")
    look_all(browser, server, [("home-reporter", "/")], REPORTER)
    phone = new_page(browser, "phone")
    log_in(phone, server, "109-board")
    for path in ("/", str(href)):
        phone.goto(server + path)
        assert no_sideways_scroll(phone), path
    log_in(phone, server, DIRECTOR)
    for path in ("/", f"/purchaser?board={board}&sort=status"):
        phone.goto(server + path)
        assert no_sideways_scroll(phone), path
    phone.context.close()


def test_a_reporter_turns_his_reminders_off_from_the_header(server: str, browser: Browser
                                                            ) -> None:
    page = new_page(browser)
    log_in(page, server, REPORTER)
    page.get_by_role("link", name="Omat asetukset").click()
    page.get_by_label("Lähetä minulle muistutukset sähköpostilla").uncheck()
    page.get_by_label("Sähköpostien kieli").select_option("sv")
    page.get_by_role("button", name="Tallenna").click()
    assert page.get_by_role("status").inner_text() == "Asetukset tallennettu."
    assert not page.get_by_label("Lähetä minulle muistutukset sähköpostilla").is_checked()
    assert axe_violations(page) == []
    page.context.close()
    look(browser, server, "settings", "/settings", "109-director")
