"""The file upload's words in the user's language: a bad row's message (the services write them
in English, app.submissions.bulk, files and ledger, as the API's problem details), and the
history's "file upload good.xlsx, row 3".

A message is recognised by its shape; its numbers are written as the language writes them. A
message of another shape is shown as it is, marked as English (``lang="en"``).
"""

import re
from decimal import Decimal
from typing import Any, NamedTuple

from app.core.formatting import number
from app.core.i18n import N_, t

_NUM = r"-?\d+(?:\.\d+)?"
PATTERNS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), key) for p, key in (
    (r"'(?P<text>.*)' is not a number", N_("row_not_a_number")),
    (r"expected a (?:finite )?number", N_("row_expected_number")),
    (r"the number is too large", N_("row_too_large")),
    (r"at most 4 decimals", N_("row_decimals")),
    (r"required", N_("row_required")),
    (r"required when the row has a comment", N_("row_required_with_comment")),
    (r"a date; write it as text .*", N_("row_a_date")),
    (r"at most (?P<n>\d+) characters, no NUL characters", N_("row_text_too_long")),
    (r"no measure (?P<code>.+?)(?: in agreement (?P<agreement>.+?))?(?: in goal (?P<goal>.+?))?"
     r" for your provider", N_("row_no_measure")),
    (r"measure (?P<code>.+) is in several agreements or goals; fill in the agreement and goal "
     r"columns", N_("row_several_measures")),
    (r"measure (?P<code>.+) for (?P<period>\S+) is also on row (?P<row>\d+)",
     N_("row_repeated")),
    (r"measure (?P<code>.+) is reported by \w+ \((?P<allowed>.*)\), not for (?P<period>\S+)",
     N_("row_wrong_period")),
    (r"(?P<period>\S+) is outside the agreement's years (?P<first>\d+)–(?P<last>\d+)",
     N_("row_outside_years")),
    (r"the value of (?P<code>.+) for (?P<period>\S+) was accepted and the period closed on "
     r"(?P<date>[\d-]+); it can no longer be changed", N_("row_locked")),
    (rf"(?P<value>{_NUM}) is below the smallest allowed value (?P<limit>{_NUM})(?P<unit>.*)",
     N_("row_below_min")),
    (rf"(?P<value>{_NUM}) is above the largest allowed value (?P<limit>{_NUM})(?P<unit>.*)",
     N_("row_above_max")),
    (rf"required: (?P<value>{_NUM})(?P<unit>.*?) misses the target (?P<target>{_NUM})(?P=unit)"
     rf" by (?P<gap>{_NUM}) \(tolerance (?P<tolerance>{_NUM})\); explain the deviation",
     N_("row_comment_required")),
    (r"measure (?P<code>.+) is (?:a national indicator loaded from Sotkanet|entered by the "
     r"purchaser); providers do not report it", N_("row_not_reported")),
    (r"'(?P<text>.*)' is not a reporting period; .*", N_("row_bad_period")),
    (r"'(?P<text>.*)': .*", N_("row_bad_period")),
    (r"the row has (?P<fields>\d+) fields but the header row has (?P<width>\d+)(?P<hint>;.*)?",
     N_("row_field_count")),
    (r"the value (?P<value>\S+) is followed by a comment of only digits .*",
     N_("row_split_decimal")),
)]
# Composed: "row_in_" ~ agreement | goal
COMPOSED = (N_("row_in_agreement"), N_("row_in_goal"))
NUMBERS = ("value", "limit", "target", "gap", "tolerance")
HISTORY = re.compile(r"file upload(?: (?P<file>.*?))?, row (?P<row>\d+)")


class RowError(NamedTuple):
    row: Any
    column: Any
    message: str
    english: bool  # no translation: shown as it is, marked lang="en"


def row_message(message: str, lang: str) -> tuple[str, bool]:
    """``message`` in ``lang`` and whether it stayed English."""
    for pattern, key in PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        values = {k: v or "" for k, v in match.groupdict().items()}
        for name in NUMBERS:  # the patterns match these as numbers only (_NUM)
            if values.get(name):
                values[name] = number(Decimal(values[name]), lang, decimals=4, empty="")
        if key == "row_no_measure":
            where = [t(f"row_in_{k}", lang, code=values[k]) for k in ("agreement", "goal")
                     if values[k]]
            values["where"] = f" ({', '.join(where)})" if where else ""
        if key == "row_field_count":
            values["hint"] = t("row_comma_hint", lang) if values["hint"] else ""
        return t(key, lang, **values), False
    return message, lang != "en"


def row_errors(errors: list[dict[str, Any]], lang: str) -> list[RowError]:
    return [RowError(e.get("row"), e.get("column"), *row_message(str(e.get("message")), lang))
            for e in errors]


def history_reason(reason: str | None, lang: str) -> str | None:
    """A revision's reason: an upload's ("file upload good.xlsx, row 3") in ``lang``."""
    match = HISTORY.fullmatch(reason) if reason else None
    if match is None:
        return reason
    return t("history_upload_row", lang, file=match["file"] or "", row=match["row"])
