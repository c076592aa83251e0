"""The columns of a file of values: their keys, the names people give them (English, Finnish,
the template's headings in any of its languages) and the one check of a header row.

``measure_code`` (mittari), ``period`` (kausi) and ``value`` (arvo) are required; ``comment``
(kommentti) is optional, and ``agreement`` (sopimus) and ``goal`` (tavoite) pick the measure
when the provider has the same measure code in several agreements or goals. The template's
columns that only inform (``measure_name``, ``unit``, ``target`` …) are read and ignored.
"""

from functools import lru_cache
from typing import TypedDict

from app.core.errors import InvalidInput
from app.core.i18n import LANGUAGES, N_, t
from app.submissions.row_words import row_message

MAX_ERRORS = 100  # listed in the answer; the rest are counted
MAX_UNKNOWN_LISTED = 3  # unknown columns named one by one; more are one error

REQUIRED = ("measure_code", "period", "value")
INPUT = (*REQUIRED, "comment", "agreement", "goal")
INFORMATIVE = ("measure_name", "unit", "target", "tolerance", "due_date", "status", "provider",
               "return_reason", "flagged", "flag_reason", "direction", "frequency",
               "updated_by", "updated_at", "value_id", "locked")
ALIASES = {
    "mittari": "measure_code", "mittarin_tunnus": "measure_code", "kausi": "period",
    "arvo": "value", "toteuma": "value", "kommentti": "comment", "sopimus": "agreement",
    "tavoite": "goal", "mittarin_nimi": "measure_name", "nimi": "measure_name",
    "yksikkö": "unit", "tavoitetaso": "target", "määräpäivä": "due_date", "tila": "status",
}
# The template's column headings (app.submissions.template) in the catalogue: a file saved from
# the template in any of its languages is read back by these keys (headings_in_every_language).
HEADINGS = {
    "agreement": N_("column_agreement"), "goal": N_("column_goal"),
    "measure_code": N_("column_measure_code"), "measure_name": N_("column_measure_name"),
    "unit": N_("column_unit"), "target": N_("column_target"),
    "tolerance": N_("column_tolerance"), "period": N_("column_period"),
    "due_date": N_("column_due_date"), "status": N_("column_status"),
    "value": N_("column_value"), "comment": N_("column_comment"),
}
KNOWN = frozenset((*INPUT, *INFORMATIVE, *ALIASES))


class RowError(TypedDict):
    """What is wrong in a file of values: its row (1: the header row), the column as the file
    names it, and the message (English, as the API's problem details; app.web.upload_words
    tells it in the user's language)."""

    row: int
    column: str
    message: str


class BulkRejected(InvalidInput):
    """The file was rejected; ``errors`` lists its first :data:`MAX_ERRORS` errors in row order
    and ``errors_not_listed`` counts the rest. Nothing was stored."""

    def __init__(self, errors: list[RowError], source: str = "") -> None:
        errors = sorted(errors, key=lambda e: e["row"])  # the reading's and the rules' errors
        rows = len({e["row"] for e in errors})
        shown = "; ".join(f"row {e['row']} {e['column']}: {e['message']}" for e in errors[:10])
        more = f" … and {len(errors) - 10} more" if len(errors) > 10 else ""
        name = f"{source}: " if source else ""
        super().__init__(f"{name}{rows} row(s) with errors, nothing was stored: {shown}{more}",
                         errors=errors[:MAX_ERRORS], rows_with_errors=rows,
                         errors_not_listed=max(0, len(errors) - MAX_ERRORS))

    def error_in(self, message: str, lang: str) -> str:
        """A row's message in ``lang`` (the API's problem lists them in the client's); in
        English as the rules wrote it."""
        return message if lang == "en" else row_message(message, lang)[0]


def _normal(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


@lru_cache
def headings_in_every_language() -> dict[str, str]:
    """The template's headings in fi, sv and en, as read (normalised), by their column key."""
    return {_normal(t(message, lang)): key for key, message in HEADINGS.items()
            for lang in LANGUAGES}


def key_of(header: str) -> str:
    """The column key a header names (its alias or heading resolved), else the header itself."""
    key = _normal(header)
    return ALIASES.get(key) or headings_in_every_language().get(key, key)


def columns(headers: list[str]) -> dict[str, int]:
    """Column positions by key; every problem with the header row at once (many unknown
    columns, a sheet that is not ours, as one error)."""
    found: dict[str, int] = {}
    errors: list[RowError] = []
    unknown = []
    for i, header in enumerate(headers):
        key = key_of(header)
        if not key:
            continue
        if key in found:
            errors.append({"row": 1, "column": header, "message": "the column appears twice"})
        elif key not in INPUT and key not in INFORMATIVE:
            unknown.append(header)
        found[key] = i
    known = "the columns are " + ", ".join(INPUT) + " (and the template's informative columns)"
    if len(unknown) > MAX_UNKNOWN_LISTED:
        others = ", ".join(unknown[1:MAX_UNKNOWN_LISTED + 1])
        errors.insert(0, {"row": 1, "column": unknown[0], "message": (
            f"unknown column, as are {len(unknown) - 1} others ({others} …); {known}")})
    else:
        errors[:0] = [{"row": 1, "column": header, "message": f"unknown column; {known}"}
                      for header in unknown]
    for key in REQUIRED:
        if key not in found:
            errors.append({"row": 1, "column": key, "message": "required column is missing"})
    if errors:
        raise BulkRejected(errors)
    return found
