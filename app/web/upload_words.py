"""The file upload's words in the user's language: a bad row's message (app.submissions.row_words;
one it does not know is shown as it is, marked as English, ``lang="en"``), and the history's
"file upload good.xlsx, row 3".
"""

import re
from typing import Any, NamedTuple

from app.core.i18n import t
from app.submissions.columns import RowError as RowErrorOfFile
from app.submissions.row_words import row_message

HISTORY = re.compile(r"file upload(?: (?P<file>.*?))?, row (?P<row>\d+)")


class RowError(NamedTuple):
    row: Any
    column: Any
    message: str
    english: bool  # no translation: shown as it is, marked lang="en"


def row_errors(errors: list[RowErrorOfFile], lang: str) -> list[RowError]:
    return [RowError(e["row"], e["column"], *row_message(e["message"], lang)) for e in errors]


def history_reason(reason: str | None, lang: str) -> str | None:
    """A revision's reason: an upload's ("file upload good.xlsx, row 3") in ``lang``."""
    match = HISTORY.fullmatch(reason) if reason else None
    if match is None:
        return reason
    return t("history_upload_row", lang, file=match["file"] or "", row=match["row"])
