"""The price lists page and the PDFs of the Vantaa file: the items at their computed prices,
the months invoiced against the order; a reporter sees his own line's list only."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.models import Role, User
from app.auth.service import start_session
from app.core.migrate import upgrade
from app.demo import SYSTEM
from app.organisations.models import Municipality
from app.reports import service
from app.reports.models import ReportKind
from app.reports.render import render_html, render_pdf
from app.web.deps import SESSION_COOKIE
from tests.conftest import empty_database
from tests.helpers import create_user
from tests.pricelists.helpers import load_vantaa, price_world
from tests.reports.helpers import pdf_text


def _cookie(db: Session, user: User) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={start_session(db, user)}"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html.replace("\u00a0", " "))


def test_the_page_lists_the_items_and_the_months(client: TestClient, db: Session) -> None:
    load_vantaa(db)
    vantaa = db.scalars(select(Municipality).where(Municipality.code == "092")).one()
    page = client.get("/price-lists", headers=_cookie(
        db, create_user(db, Role.purchaser_director, vantaa)))
    assert page.status_code == 200
    text = _text(page.text)
    assert "Suun terveydenhuollon hinnasto 2010" in text
    assert "153,60 €" in text  # the root canal: 40,00 × 2,4 × 1,60
    assert "202 926,40 €" in text and "217 400,00 €" in text  # January against 1/12 of the order


def test_a_reporter_sees_only_the_list_of_his_own_line(client: TestClient, db: Session) -> None:
    w = price_world(db)
    other = _text(client.get("/price-lists", headers=_cookie(db, create_user(
        db, Role.provider_reporter, w["municipality"], provider_id=w["other"].id))).text)
    assert "Hinnasto" in other and "Toinen Oy" in other and "Tuottaja 1" not in other


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The follow-up report and the agreement document in Finnish, rendered once on SQLite."""
    engine, drop = empty_database("sqlite", Path(tmp_path_factory.mktemp("prices")))
    upgrade(engine)
    try:
        with Session(engine, expire_on_commit=False, autoflush=False) as session:
            board = load_vantaa(session)
            agreement = session.scalars(select(ServiceAgreement)).one()
            out = {}
            for kind, spec in (
                    ("follow_up", service.ReportSpec(ReportKind.follow_up, "fi", board_id=board.id,
                                                     period="2010-T2")),
                    ("agreement", service.ReportSpec(ReportKind.agreement, "fi",
                                                     service_agreement_id=agreement.id))):
                data = service.build(session, SYSTEM, spec)
                out[kind] = _text(pdf_text(render_pdf(render_html(data), data).pdf))
            return out
    finally:
        drop()


def test_the_pdfs_show_the_price_list(pdfs: dict[str, str]) -> None:
    for words in ("Kuukausilaskutus", "Viitenimike SFA10 yhden pinnan täyte: perushinta 40,00 €",
                  "202 926,40 €", "1 271 786,40 €", "-14 473,60 €"):
        assert words in pdfs["follow_up"], words
    for words in ("hinnasto SUUN-HINNASTO", "vaativuusluokka", "153,60 €", "2 608 800,00 €"):
        assert words in pdfs["agreement"], words
