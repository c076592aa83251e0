"""The pages in a real browser: Debian's headless Chromium driven by Playwright, with axe-core
checking WCAG 2.1 AA, and screenshots at desktop and phone width in artifacts/screenshots/."""

import os
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
    for _ in range(100):
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
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        page = new_page(browser, size)
        if user:
            log_in(page, base, user)
        page.goto(base + path)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], f"{name} ({size}): " + "; ".join(
            f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations)
        page.context.close()


def test_public_pages(server: str, browser: Browser) -> None:
    look(browser, server, "home-public", "/")
    look(browser, server, "agreements-public", "/agreements")
    look(browser, server, "login", "/login")


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
