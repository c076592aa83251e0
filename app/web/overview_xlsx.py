"""The purchaser's overview as an XLSX file: the filtered, sorted rows, one per measure."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.i18n import N_
from app.web.board_rows import Row
from app.web.i18n import t

COLUMNS = (N_("provider"), N_("agreement"), N_("goal"), N_("measure_code"), N_("measure"),
           N_("unit"), N_("period"), N_("latest_value"), N_("year_so_far"), N_("target"),
           N_("status"), N_("comment"))


def overview_xlsx(rows: list[Row], lang: str) -> bytes:
    """Numbers as numbers (not text), the status in words (the sheet has no colours)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = t("purchaser", lang)[:31]
    sheet.append([t(key, lang) for key in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([
            r.provider, r.info.agreement_code, r.info.goal_code, r.info.code, r.info.name,
            r.info.unit, r.period.code if r.period else None,
            r.value.value if r.value else None, r.rolled.compared if r.rolled else None,
            r.target, t(r.status, lang), r.value.comment if r.value else None,
        ])
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
