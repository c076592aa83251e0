"""The Hämeenlinna demo agreement set with a few deliveries, and reading PDFs back."""

import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product
from app.contracts.importer import import_text
from app.core.periods import parse_period
from app.demo import CONTRACTS, SYSTEM
from app.indicators.models import IndicatorValue, MeasureTarget
from app.organisations.models import Board, Municipality, Provider
from app.reports.render import ATTACHMENT_NAME
from tests.helpers import create, create_world

HML = CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml"


@dataclass
class Demo:
    municipality: Municipality
    board: Board
    agreement: ServiceAgreement
    budget: OrderBudget | None


def small_world(db: Session) -> Demo:
    """create_world's board with one measure, its 2015 target and two values: a report of a
    few pages, quick to render."""
    w = create_world(db)
    create(db, MeasureTarget, measure_id=w["measure"].id, year=2015, value=80)
    create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T1", value=70,
           comment="Alkuvuosi")
    create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T2", value=78,
           comment="Kesä")
    return Demo(w["municipality"], w["board"], w["agreement"], None)


def load_hml(db: Session, deliveries: bool = True) -> Demo:
    """Import the Hämeenlinna set; deliveries on two lines: day care by tertials (cumulative)
    and psychiatry by months."""
    import_text(db, SYSTEM, HML.read_text(encoding="utf-8"), HML.name)
    municipality = db.scalars(select(Municipality).where(Municipality.code == "109")).one()
    board = db.scalars(select(Board).where(Board.code == "LANULA",
                                           Board.municipality_id == municipality.id)).one()
    agreement = db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "HML-LANULA-2015-OMA")).one()
    budget = db.scalars(select(OrderBudget).where(OrderBudget.board_id == board.id)).one()
    if deliveries:
        day_care = line(db, "PK-ALLE3", "HML-ALUE1")  # 23 000 days × 78,00 € = 1 794 000,00 €
        deliver(db, day_care, "2015-T1", "7800", "608400")
        deliver(db, day_care, "2015-T2", "15800", "1232400")
        psychiatry = line(db, "LN-PSYKIATRIA", "KHSHP")  # 5 200 visits × 265,00 €
        for month in range(1, 9):
            deliver(db, psychiatry, f"2015-{month:02d}", "400", "106000")
        db.flush()
    return Demo(municipality, board, agreement, budget)


def line(db: Session, product: str, provider: str) -> OrderBudgetLine:
    return db.scalars(select(OrderBudgetLine).join(
        Product, Product.id == OrderBudgetLine.product_id).join(
        Provider, Provider.id == OrderBudgetLine.provider_id).where(
        Product.code == product, Provider.code == provider)).one()


def deliver(db: Session, ln: OrderBudgetLine, period: str, volume: str, euros: str) -> None:
    p = parse_period(period)
    db.add(Delivery(municipality_id=ln.municipality_id, order_budget_line_id=ln.id,
                    period=p.code, period_start=p.start, period_end=p.end,
                    volume=Decimal(volume), euros=Decimal(euros), created_by="test",
                    updated_by="test"))


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with the non-breaking spaces of Finnish number formats as spaces."""
    return "\n".join(pdf_pages(pdf))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as pdf_text."""
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text().replace("\u00a0", " ").replace("\u202f", " ")
            for page in reader.pages]


def attachment(pdf: bytes) -> Any:
    reader = PdfReader(io.BytesIO(pdf))
    [content] = reader.attachments[ATTACHMENT_NAME]
    return json.loads(content)


def d(value: str) -> Decimal:
    return Decimal(value)


T2_END = date(2015, 8, 31)
