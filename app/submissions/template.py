"""Downloads: the XLSX template of a provider's due values and the CSV export of its values.

The template (openpyxl) has one row per measure × period of the provider's due list, with the
codes, names, unit, target and due date filled in, in the language asked for (the catalogue).
The sheet is protected and only the value and comment cells of rows that may still change are
unlocked, so the provider fills in what is his to fill in. Text is written as text, never as a
formula; the CSV export prefixes cells that a spreadsheet would run as formulas (= + - @) with
an apostrophe (files.neutralise).
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement
from app.auth.authz import scope
from app.auth.models import User
from app.core.formatting import number
from app.core.i18n import DEFAULT, t
from app.goals.models import Goal
from app.indicators.models import IndicatorValue, Measure
from app.indicators.service import value_in_year
from app.submissions.calendar import due_items
from app.submissions.columns import HEADINGS, MAX_ERRORS
from app.submissions.files import MAX_ROWS, neutralise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [  # (key, width); the keys are the upload's column names
    ("agreement", 24), ("goal", 8), ("measure_code", 22), ("measure_name", 48), ("unit", 10),
    ("target", 12), ("tolerance", 10), ("period", 10), ("due_date", 12), ("status", 22),
    ("value", 14), ("comment", 48),
]
EDITABLE = {"value", "comment"}


def instructions(lang: str) -> list[str]:
    """The guide sheet's lines in ``lang``."""
    return [
        t("template_guide_title", lang),
        "",
        t("template_guide_fill", lang, sheet=t("template_sheet_values", lang),
          value=t("column_value", lang), comment=t("column_comment", lang)),
        t("template_guide_comment", lang),
        t("template_guide_decimals", lang),
        t("template_guide_limits", lang, rows=number(MAX_ROWS, lang)),
        t("template_guide_upload", lang),
        t("template_guide_all_or_nothing", lang, errors=MAX_ERRORS),
        "",
        t("template_guide_locked", lang),
    ]


def _put(sheet: Any, row: int, column: int, value: Any) -> Any:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even when it starts with "="
    return cell


def template(session: Session, user: User, provider_id: int, *, today: date,
             year: int | None = None, agreement_id: int | None = None, lang: str = DEFAULT
             ) -> bytes:
    """The provider's due values as a workbook in ``lang``: its headings are read back as the
    columns they name whatever the language (app.submissions.columns.HEADINGS)."""
    items = due_items(session, user, as_of=today, year=year,
                              agreement_id=agreement_id, provider_id=provider_id)
    book = Workbook()
    sheet = book.active
    sheet.title = t("template_sheet_values", lang)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    open_fill = PatternFill("solid", fgColor="FFF7D6")
    for col, (key, width) in enumerate(COLUMNS, start=1):
        cell = _put(sheet, 1, col, t(HEADINGS[key], lang))
        cell.font, cell.fill = Font(bold=True), header_fill
        sheet.column_dimensions[cell.column_letter].width = width
    keys = [key for key, _ in COLUMNS]
    for row, item in enumerate(items, start=2):
        values = {
            "agreement": item["service_agreement_code"], "goal": item["goal_code"],
            "measure_code": item["measure_code"], "measure_name": item["measure_name"],
            "unit": item["unit"], "target": item["target"], "tolerance": item["tolerance"],
            "period": item["period"], "due_date": item["due_date"],
            "status": t(f"due_{item['status'].value}", lang), "value": item["value"],
            "comment": item["comment"],
        }
        for col, key in enumerate(keys, start=1):
            value = values[key]
            cell = _put(sheet, row, col, float(value) if isinstance(value, Decimal) else value)
            if key == "due_date":
                cell.number_format = "d.m.yyyy"
            elif key == "period":
                cell.number_format = "@"
            elif key == "comment":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if key in EDITABLE and not item["locked"]:
                cell.protection = Protection(locked=False)
                cell.fill = open_fill
    last = max(len(items) + 1, 2)
    value_col = sheet.cell(row=1, column=keys.index("value") + 1).column_letter
    numbers = DataValidation(type="decimal", operator="between", formula1="-99999999999999",
                             formula2="99999999999999", allow_blank=True,
                             error=t("template_value_error", lang),
                             errorTitle=t("column_value", lang))
    numbers.add(f"{value_col}2:{value_col}{last}")
    sheet.add_data_validation(numbers)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{sheet.cell(row=1, column=len(keys)).column_letter}{last}"
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.autoFilter = False
    protection.sort = True
    guide = book.create_sheet(t("template_sheet_guide", lang))
    guide.column_dimensions["A"].width = 110
    for row, line in enumerate(instructions(lang), start=1):
        _put(guide, row, 1, line).font = Font(bold=row == 1)
    guide.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORT_COLUMNS = ["agreement", "goal", "measure_code", "measure_name", "unit", "period", "value",
                  "comment", "status", "flagged", "flag_reason", "return_reason", "updated_by",
                  "updated_at"]


def export_csv(session: Session, user: User, *, provider_id: int | None = None,
               year: int | None = None) -> str:
    """The values the user may read as CSV (semicolons, UTF-8 with BOM, for Excel)."""
    stmt = (
        scope(select(IndicatorValue, Measure.code, Measure.name, Measure.unit, Goal.code,
                     ServiceAgreement.code), IndicatorValue, user)
        .join(Measure, Measure.id == IndicatorValue.measure_id)
        .join(Goal, Goal.id == Measure.goal_id)
        .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
        .order_by(ServiceAgreement.code, Goal.code, Measure.code, IndicatorValue.period_start,
                  IndicatorValue.period_end)
    )
    if provider_id is not None:
        stmt = stmt.where(Measure.provider_id == provider_id)
    if year is not None:
        stmt = stmt.where(value_in_year(year))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for value, code, name, unit, goal, agreement in session.execute(stmt):
        cells: list[Any] = [agreement, goal, code, name, unit, value.period, value.value,
                            value.comment, value.status.value, value.flagged, value.flag_reason,
                            value.return_reason, value.updated_by, value.updated_at]
        writer.writerow([_csv_cell(c) for c in cells])
    return out.getvalue()


def _csv_cell(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, Decimal):
        text = f"{cell:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return neutralise(str(cell))
