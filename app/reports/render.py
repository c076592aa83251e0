"""Reports as HTML (Jinja2, templates/reports/) and as PDF/A-3a (WeasyPrint).

The PDF is tagged for accessibility and archival (PDF/A-3 level A), carries the report's data
as a JSON attachment, and its title, author, subject and language in its metadata. WeasyPrint
fetches only files under templates/; every other URL is refused.

``render_in_child`` renders in a fresh process (spawned, not forked) so that the memory a large
report takes is returned to the system when it ends.
"""

import gc
import logging
import mimetypes
import multiprocessing
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.core import formatting
from app.core.i18n import translations
from app.core.periods import parse_period
from app.reports import charts, i18n, svg_text
from app.reports.agreement_data import AgreementDocument
from app.reports.data import Span, measure_count, to_json
from app.reports.follow_up_data import FollowUpReport, MeasureEntry, Summary

ReportData = FollowUpReport | AgreementDocument

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REPORTS = TEMPLATES / "reports"
ATTACHMENT_NAME = "report-data.json"
PDF_VARIANT = "pdf/a-3a"

Progress = Callable[[int, str], None]
log = logging.getLogger(__name__)


class RenderFailed(Exception):
    pass


# --- HTML --------------------------------------------------------------------------------


class Formats:
    """Babel's formats bound to one language, for the templates."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def num(self, value: Decimal | int | None) -> str:
        return formatting.number(value, self.lang)

    def money(self, value: Decimal | None, signed: bool = False) -> str:
        return formatting.money(value, self.lang, signed=signed)

    def euros(self, value: Decimal | None) -> str:
        return formatting.whole_euros(value, self.lang)

    def pct(self, value: Decimal | None, signed: bool = False) -> str:
        return formatting.percent(value, self.lang, signed=signed)

    def day(self, value: Any) -> str:
        return formatting.day(value, self.lang)

    def qty(self, value: Decimal | None, unit: str) -> str:
        return formatting.quantity(value, unit, self.lang)

    def span(self, period: Span) -> str:
        return f"{self.day(period.start)}–{self.day(period.end)}"


def trend_chart(m: MeasureEntry, lang: str) -> Markup:
    """The measure's baseline, targets and actuals: the years before the report's, then its
    year period by period; with alt text."""
    return charts.measure_trend(charts.Trend(
        code=m.code, name=m.name, unit=m.unit, years=[p.year for p in m.trend],
        baseline=(charts.Point(m.baseline.year, m.baseline.value)
                  if m.baseline and m.baseline.year else None),
        targets=[charts.Point(p.year, p.target) for p in m.trend if p.target is not None],
        actuals=[charts.Point(p.year, p.actual, p.partial) for p in m.trend
                 if p.actual is not None],
        until=m.until,
        period=m.reported_values[-1].period if m.reported_values else None,
        periods=[charts.PeriodPoint(q.code, q.actual, q.target) for q in m.periods],
        this_year=parse_period(m.periods[0].code).year if m.periods else None), lang)


def status_chart(summary: Summary, lang: str) -> Markup:
    counts = [(s.status, s.count) for s in summary.statuses]
    parts = ", ".join(f"{i18n.t(s, lang)} {n}" for s, n in counts)
    return charts.status_bar(i18n.t("status_chart_alt", lang, parts=parts), counts)


@lru_cache
def _stylesheet() -> Markup:
    """report.css for the HTML preview, read once (our own file, not user input)."""
    return Markup((REPORTS / "report.css").read_text(encoding="utf-8"))


@lru_cache
def environment(lang: str) -> Environment:
    """The reports' templates in one language: ``_("key", name=value)`` is the catalogue's
    message (Jinja's i18n extension, newstyle: values are escaped and filled in)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(data: ReportData, *, with_charts: bool = True, styles: str = "link") -> str:
    """The report as HTML: the PDF's source (stylesheet linked, fetched from templates/) or a
    preview for the browser (``styles="inline"``); ``"none"`` and no charts for a baseline."""
    lang = data.language
    template = environment(lang).get_template(f"reports/{data.kind}.html")
    return template.render(
        d=data, lang=lang, f=Formats(lang), styles=styles,
        with_charts=with_charts,
        inline_css=_stylesheet() if styles == "inline" else Markup(""),
        chart=(partial(trend_chart, lang=lang) if with_charts else lambda _m: ""),
        unit=partial(formatting.unit_text, lang=lang),
        status_chart=(partial(status_chart, lang=lang) if with_charts else lambda _s: ""),
    )


# --- PDF ---------------------------------------------------------------------------------


@lru_cache
def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = TEMPLATES.resolve()

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files under templates/ and the charts' SVG data: no network, no other files."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if url.startswith("data:image/svg+xml,"):  # the charts: inline data, no fetching
                return super().fetch(url, headers)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"Refused to fetch {url}: reports use files under templates/ only")
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise ValueError(f"Refused to fetch {url}: not a file under templates/")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return LocalFetcher()


def fetch_url(url: str) -> bytes:
    """What WeasyPrint gets for ``url`` (ValueError when refused)."""
    response = _fetcher().fetch(url)
    data: bytes = response.read()
    return data


class _ProgressHandler(logging.Handler):
    """Turns WeasyPrint's progress messages into per cent."""

    STEPS = {"Step 1": 3, "Step 2": 6, "Step 3": 10, "Step 4": 22, "Step 6": 85, "Step 7": 95}

    def __init__(self, progress: Progress, pages_hint: int) -> None:
        super().__init__(logging.INFO)
        self.progress, self.pages_hint = progress, max(pages_hint, 1)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        step = message[:6]
        if step == "Step 5":
            page = re.search(r"(\d+)\D*$", message)
            done = int(page[1]) if page else 0
            self.progress(25 + min(58, 58 * done // self.pages_hint), message)
        elif step in self.STEPS:
            self.progress(self.STEPS[step], message)


def pages_hint(data: ReportData) -> int:
    """A rough page count, for the progress of the layout."""
    if isinstance(data, FollowUpReport):
        lines = sum(len(p.lines) for p in data.budget.providers) if data.budget else 0
    else:
        lines = len(data.lines)
    return 1 + measure_count(data) // 6 + lines // 30


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    seconds: float = 0.0  # wall-clock time of the rendering
    peak_rss_kib: int = 0  # of the rendering process (render_in_child)
    cpu_seconds: float = 0.0


def lenient_gc() -> None:
    """For a process that only renders and then ends: layout makes millions of short-lived
    objects, and the cyclic collector's default pace costs a quarter of the time (its garbage
    is returned when the process ends). Never call it in the server process."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def render_pdf(html: str, data: ReportData, progress: Progress | None = None) -> Rendered:
    """HTML to PDF/A-3a with the report's data attached as JSON."""
    from weasyprint import HTML, Attachment
    from weasyprint.logger import PROGRESS_LOGGER

    started, cpu = time.perf_counter(), time.process_time()
    svg_text.install()  # the charts' labels drawn as words (app.reports.svg_text)
    handler = _ProgressHandler(progress, pages_hint(data)) if progress else None
    level = PROGRESS_LOGGER.level
    if handler:
        PROGRESS_LOGGER.addHandler(handler)
        PROGRESS_LOGGER.setLevel(logging.INFO)
    try:
        document = HTML(string=html, base_url=REPORTS.as_uri() + "/",
                        url_fetcher=_fetcher()).render()
        attachment = Attachment(string=to_json(data), name=ATTACHMENT_NAME,
                                description=i18n.t("data_attachment", data.language),
                                relationship="Data")
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[attachment])
    finally:
        if handler:
            PROGRESS_LOGGER.removeHandler(handler)
            PROGRESS_LOGGER.setLevel(level)
    if progress:
        progress(100, "done")
    return Rendered(pdf, len(document.pages), time.perf_counter() - started,
                    cpu_seconds=time.process_time() - cpu)


def _child(conn: Any, html: str, data: ReportData) -> None:
    """The rendering process: progress messages, then the PDF or the error."""
    try:
        lenient_gc()
        rendered = render_pdf(html, data, lambda pct, stage: conn.send(("progress", pct, stage)))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send(("done", rendered.pdf, rendered.pages, rendered.seconds, peak,
                   rendered.cpu_seconds))
    except BaseException as exc:  # everything goes back to the parent, which decides
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def render_in_child(html: str, data: ReportData, progress: Progress | None = None,
                    timeout: float = 600) -> Rendered:
    """Render in a spawned process; its memory goes back to the system when it ends."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, html, data), daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            if not receiver.poll(timeout):
                raise RenderFailed(f"The rendering took longer than {timeout:.0f} s")
            try:
                message = receiver.recv()
            except EOFError:
                process.join(5)
                raise RenderFailed("The rendering process ended without a result "
                                   f"(exit code {process.exitcode})") from None
            if message[0] == "progress":
                if progress:
                    progress(message[1], message[2])
            elif message[0] == "done":
                _, pdf, pages, seconds, peak, cpu = message
                return Rendered(pdf, pages, seconds, peak, cpu)
            else:
                raise RenderFailed(message[1])
    finally:
        receiver.close()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
