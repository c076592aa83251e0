"""Every template on the demo data in Finnish, Swedish and English, read back from the PDF:
the figures, statuses and words; PDF/A-3a metadata; the JSON attachment against the database.

The six PDFs are rendered once per database (module fixture) and examined by several tests.
"""

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus
from app.budgets.models import OrderBudgetLine
from app.core.i18n import t
from app.core.migrate import upgrade
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from app.reports import service
from app.reports.agreement_data import AgreementDocument
from app.reports.i18n import COMPOSED
from app.reports.models import ReportKind
from app.reports.render import REPORTS, ReportData, fetch_url, render_html, render_pdf
from tests.conftest import empty_database
from tests.helpers import ROOT
from tests.reports.helpers import T2_END, Demo, attachment, load_hml, pdf_text
from tests.reports.test_service import EXPECTED

LANGS = ["fi", "sv", "en"]
KINDS = [ReportKind.follow_up, ReportKind.agreement]
PDFAID = "http://www.aiim.org/pdfa/ns/id/"


@dataclass
class Rendered:
    session: Session
    demo: Demo
    data: dict[tuple[str, str], ReportData]
    pdfs: dict[tuple[str, str], bytes]
    logged: list[logging.LogRecord]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    """The six PDFs, rendered once from a SQLite database of their own (the queries behind
    them run on both databases in test_service.py)."""
    engine, drop = empty_database("sqlite", tmp_path_factory.mktemp("render"))
    upgrade(engine)
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False, autoflush=False)
    collect = _Collect()
    logging.getLogger("weasyprint").addHandler(collect)
    try:
        demo = load_hml(session)
        data: dict[tuple[str, str], ReportData] = {}
        pdfs = {}
        for kind in KINDS:
            for lang in LANGS:
                spec = (service.ReportSpec(kind, lang, board_id=demo.board.id, period="2015-T2")
                        if kind is ReportKind.follow_up else
                        service.ReportSpec(kind, lang, service_agreement_id=demo.agreement.id))
                data[kind, lang] = service.build(session, ROOT, spec)
                pdfs[kind, lang] = render_pdf(render_html(data[kind, lang]), data[kind, lang]).pdf
        yield Rendered(session, demo, data, pdfs, collect.records)
    finally:
        logging.getLogger("weasyprint").removeHandler(collect)
        session.close()
        transaction.rollback()
        connection.close()
        drop()


def text(r: Rendered, kind: str, lang: str) -> str:
    return re.sub(r"\s+", " ", pdf_text(r.pdfs[kind, lang]))


FOLLOW_UP_WORDS = {
    "fi": ["Yhteenveto", "Poikkeamat tavoitteista", "Tuottajan selitys", "Tilausbudjetin toteuma",
           "Kaikille mittareille on raportoitu arvo.", "Vuodesta on kulunut 66,7 %",
           "Muutokset edellisestä raportista (2015-T1)", "Vuosi",
           "Riskissä", "Jäljessä tavoitteesta", "Tavoitteessa", "Tuottajan",
           "2015-T2: 1.1.2015–31.8.2015", "Sivu 3 / "],
    "sv": ["Sammanfattning", "Avvikelser från målen", "Producentens förklaring",
           "Beställningsbudgetens utfall", "Alla mätare har ett rapporterat värde.",
           "Förändringar sedan föregående rapport (2015-T1)", "finns endast på finska",
           "I riskzonen", "Efter målet", "Enligt målet", "2015-T2: 1.1.2015–31.8.2015",
           "Sida 3 / "],
    "en": ["Summary", "Off track and at risk", "Provider's explanation", "Order budget realisation",
           "Changes since the previous report (2015-T1)", "exist only in Finnish",
           "At risk", "Off track", "On track", "2015-T2: 1 Jan 2015–31 Aug 2015", "Page 3 / "],
}
FOLLOW_UP_FIGURES = {
    # Measure values with their units, budget ordered / delivered / forecast / deviation.
    "fi": ["10 240 000 €", "15 300 000 €", "Tavoite 2015 75 % · Toteuma 2015-T2 70 %", "104 kpl",
           "89 461 200,00 €",
           "1 232 400,00 €", "1 848 600,00 €", "+54 600,00 €", "+3,0 %", "-106 000,00 €",
           "89 409 800,00 €", "68,7 %", "15 800",
           # how each value was compared, beside its light
           "verrattu: suhteutettu summa 8/12 × vuoden tavoite 15 300 000 € = 10 200 000 €",
           "verrattu: viimeisin arvo tavoitepolkuun 62 % + 8/12 × (75 % − 62 %) = 70,67 %"],
    "sv": ["10 240 000 €", "89 461 200,00 €", "1 848 600,00 €", "+54 600,00 €", "+3,0 %",
           "jämfört: proportionerad summa 8/12 × årets mål 15 300 000 € = 10 200 000 €"],
    "en": ["10,240,000 €", "€89,461,200.00", "€1,848,600.00", "+€54,600.00", "+3.0%",
           "-€106,000.00", "15,800",
           "compared: the latest value with the target path 40 pcs + 8/12 × (120 pcs − "
           "40 pcs) = 93.33 pcs"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_follow_up_report_text(rendered: Rendered, lang: str) -> None:
    found = text(rendered, ReportKind.follow_up, lang)
    missing = [w for w in (*FOLLOW_UP_WORDS[lang], *FOLLOW_UP_FIGURES[lang]) if w not in found]
    assert missing == [], found
    assert "Kesän leiritoiminta mukana." in found  # the provider's comment
    assert "Lasten ja nuorten lautakunta (LANULA)" in found


AGREEMENT_WORDS = {
    "fi": ["Sopijapuolet", "Tilatut palvelut", "Tavoitteet", "Raportointikalenteri",
           "Allekirjoitukset", "Tilaajan puolesta", "Tuottajan puolesta",
           "Lautakunnan päätös", "Päätöstä ei ole kirjattu.", "1.1.2015–31.12.2015",
           "6 650,00 €", "4 934 300,00 €", "Lähtötaso", "Tavoite 2016", "62 % (2014)", "90 %",
           "Olemassa oleva resurssi", "Luonnos", "osavuosi: suhteutettu summa",
           "osavuosi: tavoitepolku lähtötasosta"],
    "sv": ["Avtalsparter", "Beställda tjänster", "Mål", "Rapporteringskalender", "Underskrifter",
           "För beställaren", "Nämndens beslut", "Inget beslut har registrerats.", "Tavastehus",
           "6 650,00 €", "Utgångsnivå", "Befintlig resurs", "Utkast", "delår: målbana"],
    "en": ["Parties", "Ordered services", "Goals", "Reporting calendar", "Signatures",
           "For the purchaser", "Board decision", "No decision has been recorded.",
           "1 Jan 2015–31 Dec 2015", "€6,650.00", "€4,934,300.00", "Baseline", "Target 2016",
           "Existing resource", "Draft", "part year: pro-rated sum"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_agreement_document_text(rendered: Rendered, lang: str) -> None:
    found = text(rendered, ReportKind.agreement, lang)
    missing = [w for w in AGREEMENT_WORDS[lang] if w not in found]
    assert missing == [], found
    document = rendered.data[ReportKind.agreement, lang]
    assert isinstance(document, AgreementDocument)
    total = document.lines_total
    assert {"fi": "86 259 600,00 €", "sv": "86 259 600,00 €",
            "en": "€86,259,600.00"}[lang] in found
    assert total == Decimal("86259600")


def _struct(node: Any) -> Iterator[DictionaryObject]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, DictionaryObject):
        yield node
        kids = node.get("/K")
        if kids is not None:
            yield from _struct(kids)
    elif isinstance(node, ArrayObject):
        for kid in node:
            yield from _struct(kid)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_a_3a_metadata_and_alternative_texts(rendered: Rendered, kind: str, lang: str) -> None:
    reader = PdfReader(io.BytesIO(rendered.pdfs[kind, lang]))
    data = rendered.data[kind, lang]
    xmp = reader.xmp_metadata
    assert xmp is not None
    descriptions = xmp.rdf_root.getElementsByTagNameNS(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Description")
    ids = {(e.getAttributeNS(PDFAID, "part"), e.getAttributeNS(PDFAID, "conformance"))
           for e in descriptions if e.hasAttributeNS(PDFAID, "part")}
    assert ids == {("3", "A")}
    assert xmp.dc_title == {"x-default": data.title}
    info = reader.metadata
    assert info is not None
    assert (info.title, info.author, info.subject) == (
        data.title, data.author, data.subject)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]
    figures = [e for e in _struct(root["/StructTreeRoot"]) if e.get("/S") == "/Figure"]
    expected = 1 + 4 if kind is ReportKind.follow_up else 0  # the status bar and four trends
    assert len(figures) == expected
    assert all(f.get("/Alt") for f in figures)
    if kind is ReportKind.follow_up:
        alts = " ".join(str(f["/Alt"]) for f in figures)
        # The report's year period by period: TUNTILASKUTUS' target path at T1 (4/12 of the way
        # from 20 % to 50 %).
        target = {"fi": "Tavoite 2015-T1: 30 %", "sv": "Mål 2015-T1: 30 %",
                  "en": "Target 2015-T1: 30 %"}
        assert "HARRASTUS" in alts and target[lang] in alts.replace("\u00a0", " ")


def test_the_embedded_data_matches_the_database(rendered: Rendered) -> None:
    db, demo = rendered.session, rendered.demo
    assert demo.budget is not None
    report = attachment(rendered.pdfs[ReportKind.follow_up, "fi"])
    assert report["schema"] == "sopimus/follow-up-report/1"
    assert (report["board"]["code"], report["period"]["code"]) == ("LANULA", "2015-T2")
    entries = [m for s in report["perspectives"] for a in s["agreements"] for g in a["goals"]
               for m in g["measures"]]
    assert {m["code"]: m["status"] for m in entries} == EXPECTED["2015-T2"]
    for m in entries:
        measure = db.get_one(Measure, m["id"])
        assert (m["name"], m["unit"], Decimal(m["tolerance"])) == (
            measure.name, measure.unit, measure.tolerance)
        targets = dict(db.execute(select(MeasureTarget.year, MeasureTarget.value).where(
            MeasureTarget.measure_id == measure.id)).all())
        assert {t["year"]: Decimal(t["value"]) for t in m["targets"]} == targets
        latest = db.scalars(select(IndicatorValue).where(
            IndicatorValue.measure_id == measure.id, IndicatorValue.period_end <= T2_END)
            .order_by(IndicatorValue.period_end.desc())).first()
        assert latest is not None
        assert Decimal(m["value"]) == latest.value  # every demo measure rolls up as "last"
        assert m["reported_values"][-1]["comment"] == latest.comment
    lines = {ln["id"]: ln for p in report["budget"]["providers"] for ln in p["lines"]}
    stored = db.scalars(select(OrderBudgetLine).where(
        OrderBudgetLine.order_budget_id == demo.budget.id)).all()
    assert set(lines) == {ln.id for ln in stored if ln.id in lines} and len(lines) == 2
    unreported = sum(p["unreported"] for p in report["budget"]["providers"])
    assert len(lines) + unreported == len(stored)
    for ln in (row for row in stored if row.id in lines):
        assert Decimal(lines[ln.id]["ordered_euros"]) == ln.total
        assert Decimal(lines[ln.id]["ordered_volume"]) == ln.volume
    assert Decimal(report["budget"]["total"]["ordered_euros"]) == db.scalar(
        select(func.sum(OrderBudgetLine.total)).where(
            OrderBudgetLine.order_budget_id == demo.budget.id))

    document = attachment(rendered.pdfs[ReportKind.agreement, "en"])
    assert document["agreement"]["id"] == demo.agreement.id
    goals = db.scalars(select(Goal.code).where(Goal.service_agreement_id == demo.agreement.id))
    assert sorted(g["code"] for g in document["goals"]) == sorted(goals)
    for ln in document["lines"]:
        row = db.get_one(OrderBudgetLine, ln["id"])
        assert (Decimal(ln["volume"]), Decimal(ln["unit_price"]), Decimal(ln["total"])) == (
            row.volume, row.unit_price, row.total)


def test_weasyprint_reported_nothing(rendered: Rendered) -> None:
    """No refused or missing resource, no figure without alt text, no missing language."""
    assert [r.getMessage() for r in rendered.logged] == []


def test_only_files_under_templates_are_fetched() -> None:
    assert b"@page" in fetch_url((REPORTS / "report.css").as_uri())
    for url in ("file:///etc/passwd", "https://example.org/style.css",
                (REPORTS / ".." / ".." / "pyproject.toml").as_uri(),
                "data:text/css,body{}", "file://otherhost/etc/passwd"):
        with pytest.raises(ValueError, match="Refused"):
            fetch_url(url)


# The fixed words composed from a value (statuses, directions, kinds of provider and resource,
# agreement states): each report in Swedish or English has the catalogue's word, never Finnish.
# (Not the comparisons: they carry numbers, and EXPECTED holds them in each language.)
ENUM_KEYS = [*(k for k in COMPOSED if not k.startswith("compared_")),
             "direction_higher_is_better", "direction_lower_is_better",
             *(f"status_{s.value}" for s in AgreementStatus), "unreviewed", "chart_axis_year"]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_finnish_fixed_words_in_a_swedish_or_english_report(
        rendered: Rendered, kind: str, lang: str) -> None:
    found = text(rendered, kind, lang)
    # Less the content (names, titles, comments), which may exist only in Finnish.
    for content in sorted(_strings(rendered.data[kind, lang].model_dump()), key=len, reverse=True):
        found = found.replace(re.sub(r"\s+", " ", content), " ")
    finnish = {t(key, "fi") for key in ENUM_KEYS} - {t(key, lang) for key in ENUM_KEYS}
    assert sorted(w for w in finnish if re.search(rf"\b{re.escape(w)}\b", found)) == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_follow_up_is_compact(rendered: Rendered, lang: str) -> None:
    """The summary, the measures and the budget lines with deliveries: no cover, no contents
    page, no page for one sentence (the report was ten pages)."""
    pdf = rendered.pdfs[ReportKind.follow_up, lang]
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 3
