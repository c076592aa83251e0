"""The pages in a real browser: Debian's headless Chromium driven by Playwright, with axe-core
checking WCAG 2.1 AA, and screenshots at desktop and phone width in artifacts/screenshots/."""

import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from babel.messages import pofile
from playwright.sync_api import Browser, Page, sync_playwright

from app.auth.models import Role
from app.auth.policy import Declaration, declaration_of
from app.core.migrate import ROOT
from app.demo import demo_password
from tests.auth.routes import api_routes
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
    """Every violation axe-core finds with all its rules (WCAG 2.1 A and AA and the best
    practices), of any impact: minor ones too."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return list(result["violations"])


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


def test_purchaser_sees_the_agreements_of_the_year(server: str, browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, server, "109-director")
    assert "Tilaajajohtaja" in page.inner_text("header")
    page.goto(f"{server}/agreements?year=2015")
    assert "palvelusopimus 2015" in page.inner_text("main").lower()
    page.click("main table a")
    assert "Korjaavien palveluiden kustannukset" in page.inner_text("main")
    page.context.close()
    look(browser, server, "agreements-purchaser-2015", "/agreements?year=2015", "109-director")


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
    look(browser, server, "reporting-value-returned", str(href), REPORTER)


def test_an_implausible_value_is_asked_about_before_it_is_stored(server: str, browser: Browser
                                                                 ) -> None:
    page = new_page(browser)
    log_in(page, server, REPORTER)
    href = value_page(page, server, "KORJAAVAT-KUSTANNUKSET", "2015-T1")
    before = page.input_value("#value")
    page.fill("#value", "900000000")  # ten times the year's target of 15 300 000 euros
    page.fill("#reason", "Laskettu uudelleen")
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state()
    assert "kymmenkertainen" in page.inner_text("#question")
    page.screenshot(path=str(SHOTS / "reporting-value-question-desktop.png"), full_page=True)
    assert axe_violations(page) == []
    page.goto(server + href)
    assert page.input_value("#value") == before  # asking stored nothing
    page.fill("#value", "900000000")
    page.fill("#reason", "Laskettu uudelleen")
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state()
    page.click("button[name=confirmed]")
    page.wait_for_load_state()
    assert "Korjaus on tallennettu" in page.inner_text("main [role=status]")
    assert page.input_value("#value") == "900000000"
    page.context.close()


def pdf_text(body: bytes) -> str:
    """The text of a PDF, as pdftotext (poppler) reads it."""
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, check=True,
                          capture_output=True).stdout.decode()


def test_a_miss_is_talked_over_and_reaches_the_overview_and_the_report(server: str,
                                                                      browser: Browser) -> None:
    """The provider explains a miss and names a corrective action with its date; the purchaser
    answers on the review card; both are on the overview and in the board's report."""
    page = new_page(browser)
    log_in(page, server, REPORTER)
    value_page(page, server, HOBBY, "2015-T2")  # 70 % against 75 %: at risk
    assert "Poikkeama ja korjaavat toimenpiteet" in page.inner_text("main #deviation")
    page.check("input[name=kind][value=corrective_action]")
    page.fill("#note-text", "Kerhoja lisätään syksyllä")
    page.click("form[action$='/notes'] button[type=submit]")  # no date: asked for one
    assert "määräpäivä" in page.inner_text("#note-error")
    page.fill("#note-text", "Kerhoja lisätään syksyllä")
    page.fill("#action-due", "2015-10-31")
    page.click("form[action$='/notes'] button[type=submit]")
    page.wait_for_load_state()
    assert "Korjaava toimenpide, määräpäivä 31.10.2015" in page.inner_text("main ol.notes")
    page.context.close()
    purchaser = new_page(browser)
    log_in(purchaser, server, DIRECTOR)
    purchaser.goto(f"{server}/purchaser/review")
    card = purchaser.locator(".review-item").filter(has_text="Kerhoja lisätään syksyllä")
    assert "Korjaava toimenpide, määräpäivä 31.10.2015" in card.inner_text()
    answer = card.locator("details").filter(has=purchaser.locator("summary",
                                                                   has_text="Vastaa"))
    answer.locator("summary").click()
    answer.locator("textarea").fill("Hyvä, seurataan syyskaudella")
    answer.locator("button[type=submit]").click()
    purchaser.wait_for_load_state()
    assert "Tilaajan vastaus" in purchaser.locator(".review-item").filter(
        has_text="Hyvä, seurataan syyskaudella").inner_text()
    purchaser.goto(f"{server}/purchaser")
    board = purchaser.input_value("#board")
    # The overview shows the conversation about each red and amber measure's latest value (in
    # 2015 HARRASTUS ended the year on track; the demo's year has its providers' actions).
    purchaser.goto(f"{server}/purchaser?board={board}&status=at_risk")
    assert "Korjaava toimenpide, määräpäivä" in purchaser.inner_text("main table.overview-flat")
    pdf = purchaser.request.get(f"{server}/reports/preview/report.pdf?board_id={board}"
                                "&period=2015-T2&language=fi")
    assert pdf.status == 200
    report = " ".join(pdf_text(pdf.body()).split())
    assert "Kerhoja lisätään syksyllä" in report and "Hyvä, seurataan syyskaudella" in report
    purchaser.context.close()


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
    # The demo's agreements are approved: start an amendment and compare in the browser.
    page.goto(server + str(href))
    page.click("text=Aloita muutos")
    assert "Muutosversio on luotu" in page.inner_text("main")
    page.click("main form[action='/purchaser/compare'] button[type=submit]")
    assert "Versioiden vertailu" in page.inner_text("main h1")
    page.context.close()


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
        ("purchaser-sorted", f"/purchaser?board={board}&sort=status"),
        ("purchaser-off-track", f"/purchaser?board={board}&status=off_track")], DIRECTOR)
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


def test_the_overview_filters_searches_and_exports_what_it_shows(server: str, browser: Browser
                                                                 ) -> None:
    page = new_page(browser)
    log_in(page, server, DIRECTOR)
    page.goto(f"{server}/purchaser")
    provider = next(o.strip() for o in page.locator("#f-provider option").all_inner_texts()
                    if "alue 1" in o)  # a day-care region: its occupancy rate is searched
    page.select_option("#f-provider", label=provider)
    page.fill("#f-q", "täyttöaste")
    page.select_option("#f-sort", "status")
    page.click("main form:has(#f-q) button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("main table.overview-flat tbody tr")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert "täyttöaste" in text.lower() and provider in text
    with page.expect_download() as download:
        page.click("main form:has(#f-q) a.button")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    cells = [" ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(
        min_row=2, values_only=True)]
    assert len(cells) == rows.count() and all("täyttöaste" in c.lower() for c in cells)
    page.select_option("#f-provider", "")
    page.fill("#f-q", "")
    page.select_option("#f-goal", index=1)
    goal = page.input_value("#f-goal")
    page.click("main form:has(#f-q) button[type=submit]")
    page.wait_for_load_state()
    assert rows.count() >= 1
    assert all(f"Tavoite {goal} ·" in t for t in rows.all_inner_texts())
    # A value that is no provider: the error page, in Finnish, with the user still logged in.
    response = page.goto(f"{server}/purchaser?provider=x")
    assert response is not None and response.status == 422
    assert "Kirjaudu ulos" in page.inner_text("header")
    assert "Sivun osoitteessa on arvo, jota ei voi käyttää (provider)" in page.inner_text("main")
    page.go_back()
    # A measure's own page: its series against the targets and every value with its history.
    page.click("main table.overview-flat tbody tr a[href^='/measures/']")
    page.wait_for_load_state()
    assert page.locator("#series").count() == 1 and page.locator("#values").count() == 1
    assert page.locator("#values + .table-wrap tbody tr").count() >= 1
    page.context.close()


def test_the_board_member_sees_what_is_off_track_by_how_much_and_what_is_done(
        server: str, browser: Browser) -> None:
    """The first screen after login: the red and amber measures, the gap to the target and
    the provider's corrective action with its date."""
    for size in SIZES:
        page = new_page(browser, size)
        log_in(page, server, "109-board")
        first = page.locator("main table tbody tr").first
        text = first.inner_text()
        assert "Riskissä" in text or "Jäljessä tavoitteesta" in text
        assert re.search(r"Ero tavoitteeseen|\d", text)
        assert "Korjaava toimenpide, määräpäivä" in text
        assert no_sideways_scroll(page)
        page.context.close()


def catalogue(lang: str) -> dict[str, str]:
    with (ROOT / "app" / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in pofile.read_po(f) if m.id and m.string}


def finnish_labels(page: Page) -> list[str]:
    """The page's labels (headers, buttons, fields, navigation, lights) that are Finnish
    catalogue texts with a translation of their own: one language at a time."""
    fi, sv, en = catalogue("fi"), catalogue("sv"), catalogue("en")
    finnish = {text for key, text in fi.items() if text not in (sv.get(key), en.get(key))
               and len(text) > 3}
    labels = page.eval_on_selector_all(
        "th, label, button, summary, legend, dt, nav a, .light, .count + *, a.button, h1, h2",
        "els => els.map(e => e.innerText.trim())")
    return [t for t in labels if t in finnish]


def test_one_language_at_a_time(server: str, browser: Browser) -> None:
    """Swedish and English pages have no Finnish labels; "upload" and "download" are two
    different words in each language."""
    words = {"fi": ("Lähetä tiedosto", "Lataa Excel-pohja"),
             "sv": ("Skicka in en fil", "Ladda ner Excel-mallen"),
             "en": ("Upload a file", "Download the Excel template")}
    for user, paths in ((REPORTER, ["/", "/reporting", "/reporting/upload"]),
                        (DIRECTOR, ["/", "/purchaser", "/purchaser/review", "/reports"]),
                        ("109-board", ["/"])):
        page = new_page(browser)
        log_in(page, server, user)
        for lang in ("sv", "en"):
            page.click(f"header nav.langs a[lang={lang}]")
            page.wait_for_load_state()
            assert page.get_attribute("html", "lang") == lang
            for path in paths:
                page.goto(server + path)
                assert finnish_labels(page) == [], f"{lang} {path}"
                name = f"{user}{path.replace('/', '-').rstrip('-')}-{lang}"
                page.screenshot(path=str(SHOTS / f"lang-{name}-desktop.png"), full_page=True)
                if path == "/reporting":
                    upload_word, download_word = words[lang]
                    text = page.inner_text("main .actions-row")
                    assert upload_word in text and download_word in text
        page.click("header nav.langs a[lang=fi]")
        if user == REPORTER:
            page.goto(f"{server}/reporting")
            assert page.inner_text("main .actions-row").count("Lataa") == 1
        page.context.close()


# --- every page, for every role that may see it, at both widths -------------------------------
# The pages are the app's own GET routes outside /api (tests/auth/routes.py), so a new page is
# looked at here or this test names it. Each has a way to reach one of it in the demo as a role.

Resolve = Callable[[Page, str], str]


def hrefs(page: Page, selector: str) -> list[str]:
    """The links matching ``selector`` now on the page (without waiting for one)."""
    found = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [str(h).split("#")[0] for h in found]


def _link(listing: str, selector: str) -> Resolve:
    """The first link matching ``selector`` on ``listing`` (as the role sees it)."""
    def resolve(page: Page, base: str) -> str:
        page.goto(base + listing)
        found = hrefs(page, selector)
        assert found, f"no {selector} on {listing}"
        return found[0]
    return resolve


def _measure(page: Page, base: str) -> str:
    """A measure the role may read: from the board's dashboard, the purchaser's overview or the
    reporter's list of values."""
    for listing, selector in (("/", "main a[href^='/measures/']"),
                              ("/purchaser", "main a[href^='/measures/']"),
                              ("/reporting", "main a[href^='/reporting/'][href*='-T']")):
        page.goto(base + listing)
        found = hrefs(page, selector)
        if found:
            return found[0] if listing != "/reporting" else \
                "/measures/" + found[0].split("/")[2]
    raise AssertionError("no measure on /, /purchaser or /reporting")


def _compare(page: Page, base: str) -> str:
    """The versions of an agreement with more than one, compared with the agreement's form."""
    page.goto(base + "/agreements")
    for href in hrefs(page, "main a[href^='/agreements/']"):
        page.goto(base + href)
        if page.locator("main form[action='/purchaser/compare']").count():
            page.click("main form[action='/purchaser/compare'] button[type=submit]")
            page.wait_for_load_state()
            return page.url.removeprefix(base)
    raise AssertionError("no agreement with versions to compare")


def _preview(page: Page, base: str) -> str:
    page.goto(base + "/reports")
    page.select_option("#board_id", label="LANULA – Lasten ja nuorten lautakunta")
    page.select_option("#period", "2015-T2")
    page.click("form[action='/reports/preview'] button[type=submit]")
    page.wait_for_load_state()
    return page.url.removeprefix(base)


def _fixed(path: str) -> Resolve:
    return lambda page, base: path


PAGES: dict[str, Resolve] = {
    "/": _fixed("/"),
    "/login": _fixed("/login"),
    "/agreements": _fixed("/agreements"),
    "/agreements/{agreement_id}": _link("/agreements", "main table a[href^='/agreements/']"),
    "/measures/{measure_id}": _measure,
    "/purchaser": _fixed("/purchaser"),
    "/purchaser/overdue": _fixed("/purchaser/overdue"),
    "/purchaser/review": _fixed("/purchaser/review"),
    "/purchaser/compare": _compare,
    "/reporting": _fixed("/reporting"),
    "/reporting/upload": _fixed("/reporting/upload"),
    "/reporting/{measure_id}/{code}": _link("/reporting", "main a[href^='/reporting/'][href*='-T']"),
    "/reports": _fixed("/reports"),
    "/reports/preview": _preview,
    "/settings": _fixed("/settings"),
    "/vouchers": _fixed("/vouchers"),
    "/price-lists": _fixed("/price-lists"),
}
# GET routes outside /api that answer no page: files, a redirect and the operator's probes.
NOT_PAGES = {"/lang/{code}", "/purchaser/export.xlsx", "/reporting/template.xlsx",
             "/reports/preview/report.pdf", "/reports/{report_id}.pdf", "/healthz", "/readyz",
             "/health", "/ready",
             "/health/live", "/health/ready", "/metrics"}
# A demo user of every role (None: the public).
ROLES: dict[str, str | None] = {"public": None, "admin": "109-admin",
                                "purchaser_director": DIRECTOR, "purchaser_manager": "109-manager",
                                "board_member": "109-board", "provider_reporter": REPORTER}


def web_pages() -> dict[str, Declaration]:
    """The app's GET pages outside /api, with their declarations of who may see them."""
    return {path: declaration for method, path, dependant in api_routes()
            if method == "GET" and not path.startswith("/api/")
            and (declaration := declaration_of(dependant)) is not None}


def sees(declaration: Declaration, role: str) -> bool:
    return declaration.public if role == "public" else Role(role) in declaration.roles


def test_every_page_is_looked_at() -> None:
    assert sorted(web_pages().keys() - NOT_PAGES - PAGES.keys()) == []
    assert sorted(PAGES.keys() - web_pages().keys()) == []


def describe(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']} [{v['impact']}]: {v['help']} ({len(v['nodes'])}: "
                     f"{[n['html'][:120] for n in v['nodes'][:3]]})" for v in violations)


def shoot(page: Page, path: Path) -> None:
    """The page from its top, at most 6000 px of it: Chromium cannot capture the overview's
    whole length at phone width."""
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), 6000)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height})


_SEEN: set[tuple[str, str, str]] = set()


def seen_before(page: Page, base: str, size: str) -> bool:
    """Whether axe has checked this very content of <main> at this width already (the pages
    the admin and the director see are mostly the same): the header and navigation, which
    differ by role, are checked on the role's first page."""
    main = page.evaluate("""() => { const m = document.querySelector('main').cloneNode(true);
        m.querySelectorAll('input[name=csrf]').forEach(i => i.remove()); return m.outerHTML; }""")
    key = (base, size, hashlib.sha256(main.encode()).hexdigest())
    if key in _SEEN:
        return True
    _SEEN.add(key)
    return False


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_for_every_role_at_both_widths(server: str, browser: Browser,
                                                             role: str) -> None:
    declared = web_pages()
    found: list[str] = []
    for size in SIZES:
        page = new_page(browser, size)
        user = ROLES[role]
        if user:
            log_in(page, server, user)
        for route, resolve in PAGES.items():
            if not sees(declared[route], role):
                continue
            path = resolve(page, server)
            response = page.goto(server + path)
            assert response is not None and response.status == 200, f"{role}: {path}"
            slug = re.sub(r"[{}]", "", route.strip("/").replace("/", "-")) or "home"
            name = f"page-{slug}-{role}-{size}"
            if size == "phone" and not no_sideways_scroll(page):
                found.append(f"{path} ({size}): scrolls sideways")
            if not seen_before(page, server, size):
                shoot(page, SHOTS / f"{name}.png")
                violations = axe_violations(page)
                if violations:
                    found.append(f"{path} ({size}): {describe(violations)}")
        response = page.goto(f"{server}/agreements/999999")  # the error page
        assert response is not None and response.status == 404
        if violations := axe_violations(page):
            found.append(f"404 ({size}): {describe(violations)}")
        page.context.close()
    assert found == [], f"{role}:\n" + "\n".join(found)
