"""The Palvelusetelit section of the follow-up report, the line in the agreement document and
the vouchers page, from the Jyväskylä set: per provider and in total, exact euros, against the
budget and the share of the year elapsed."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role, User
from app.auth.service import start_session
from app.core.migrate import upgrade
from app.demo import SYSTEM
from app.organisations.models import Municipality, Provider
from app.reports import service
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.models import ReportKind
from app.reports.render import render_html, render_pdf
from app.web.deps import SESSION_COOKIE
from tests.conftest import empty_database
from tests.helpers import create_user
from tests.reports.helpers import pdf_text
from tests.vouchers.helpers import load_jkl, scheme_doc


def _sums(code: str, last_period: str) -> dict[str, Any]:
    """What the file reports for a scheme up to ``last_period`` (quarters, in order)."""
    reports = [r for p in scheme_doc(code)["providers"] for r in p.get("reports", [])
               if r["period"] <= last_period]
    return {"vouchers_granted": sum(r["vouchers_granted"] for r in reports),
            "vouchers_used": sum(r["vouchers_used"] for r in reports),
            "euros": sum((Decimal(str(r["euros"])) for r in reports), Decimal(0)),
            "customers": sum(r["customers"] for r in reports)}


def test_the_follow_up_report_sums_each_scheme_against_its_budget(db: Session) -> None:
    board = load_jkl(db)
    report = follow_up(db, SYSTEM, board.id, "2010-T2", "fi")
    family, elderly = report.vouchers
    assert (elderly.code, family.code) == ("VANHUS-TUKIPALVELU", "PERHE-KOTIPALVELU")
    total = elderly.total
    assert total.model_dump(exclude={"reported_until"}) == _sums("VANHUS-TUKIPALVELU", "2010-Q2")
    assert total.euros == Decimal("136180.00")  # 6 809 vouchers × 20,00 €
    assert (elderly.elapsed_pct, elderly.euros_pct, elderly.vouchers_pct) == (
        Decimal("66.7"), Decimal("27.8"), Decimal("27.8"))
    # reported until June: 136 180,00 € / (6/12), though August has ended
    assert elderly.forecast_euros == Decimal("272360.00")
    assert elderly.approved == 32  # of 33: one suspended on 31.5.2010
    assert len(elderly.providers) == 33
    suspended = next(p for p in elderly.providers if p.suspended_on is not None)
    assert suspended.euros == Decimal(str(scheme_doc("VANHUS-TUKIPALVELU")["providers"][7][
        "reports"][0]["euros"])).quantize(Decimal("0.01"))
    assert family.total.euros == Decimal("32674.50")
    assert family.euros_pct == Decimal("21.8")  # of 150 000,00 €
    assert family.approved == 13 and len(family.providers) == 14
    pending = next(p for p in family.providers if p.approved_on is None)
    assert (pending.vouchers_used, pending.reported_until) == (0, None)
    first_quarter = follow_up(db, SYSTEM, board.id, "2010-Q1", "fi").vouchers[1]
    assert first_quarter.total.euros == _sums("VANHUS-TUKIPALVELU", "2010-Q1")["euros"]
    assert first_quarter.elapsed_pct == Decimal("25.0")


def test_the_agreement_document_names_the_boards_vouchers(db: Session) -> None:
    load_jkl(db)
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "KOTIHOITO-2010")).one()
    document = agreement_document(db, SYSTEM, agreement.id, "fi")
    assert [(v.code, v.approved, v.budget_euros) for v in document.vouchers] == [
        ("PERHE-KOTIPALVELU", 13, Decimal("150000.00")),
        ("VANHUS-TUKIPALVELU", 32, Decimal("490000.00"))]
    assert (document.vouchers[0].table_min, document.vouchers[0].table_max) == (
        Decimal("18.00"), Decimal("32.00"))


def _cookie(db: Session, user: User) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={start_session(db, user)}"}


def test_the_vouchers_page_lists_the_register_and_the_follow_up(
        client: TestClient, db: Session) -> None:
    load_jkl(db)
    municipality = db.scalars(select(Municipality).where(Municipality.code == "179")).one()
    director = _cookie(db, create_user(db, Role.purchaser_director, municipality))
    page = client.get("/vouchers", headers=director)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text.replace("\u00a0", " "))
    assert "Vanhus- ja vammaispalvelujen palveluseteli" in text
    assert "32 674,50 €" in text and "LANULA" not in text
    provider = db.scalars(select(Provider).where(Provider.code == "KOTIKOLO")).one()
    reporter = _cookie(db, create_user(db, Role.provider_reporter, municipality,
                                       provider_id=provider.id))
    own = client.get("/vouchers", headers=reporter).text
    assert "Kotikolo Oy" in own and "Aallon Hoiva Oy" not in own
    assert client.get("/vouchers?year=1800", headers=director).status_code == 422


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The follow-up report and the agreement document in Finnish, rendered once on SQLite
    (their data is checked on both databases above)."""
    engine, drop = empty_database("sqlite", Path(tmp_path_factory.mktemp("vouchers")))
    upgrade(engine)
    try:
        with Session(engine, expire_on_commit=False, autoflush=False) as session:
            board = load_jkl(session)
            agreement = session.scalars(select(ServiceAgreement)).one()
            out = {}
            for kind, spec in (
                    ("follow_up", service.ReportSpec(ReportKind.follow_up, "fi", board_id=board.id,
                                                     period="2010-T2")),
                    ("agreement", service.ReportSpec(ReportKind.agreement, "fi",
                                                     service_agreement_id=agreement.id))):
                data = service.build(session, SYSTEM, spec)
                pdf = render_pdf(render_html(data), data).pdf
                out[kind] = re.sub(r"\s+", " ", pdf_text(pdf))
            return out
    finally:
        drop()


def test_the_pdf_shows_the_vouchers_section(pdfs: dict[str, str]) -> None:
    text = pdfs["follow_up"]
    for words in ("Palvelusetelit", "Vuodesta on kulunut 66,7 % (2010-T2)",
                  "Seteleitä on käytetty 136 180,00 € eli 27,8 % talousarviosta 490 000,00 €",
                  "272 360,00 €", "32 674,50 €", "Osuus talousarviosta", "keskeytetty 31.5.2010",
                  "haettu 15.8.2009", "Vanhuspalvelujen johtaja 2009 § 10"):
        assert words in text, words
    assert ("Palveluseteli: Vanhus- ja vammaispalvelujen palveluseteli, kotihoidon tukipalvelut"
            in pdfs["agreement"])
    assert "hyväksyttyjä tuottajia 32" in pdfs["agreement"]
