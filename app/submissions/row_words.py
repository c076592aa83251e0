"""A bad row's message of a file of values in the reader's language.

The services write the messages in English (app.submissions.columns, files, bulk and ledger), as
the API's problem details always did; a message is recognised here by its shape and told in the
catalogue's words, its numbers written as the language writes them. A message of another shape
stays as it is (English). The upload page (app.web.upload_words) and the API's problem (the
errors of app.submissions.columns.BulkRejected) both tell them so.
"""

import re
from decimal import Decimal

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
    (r"the column appears twice", N_("row_column_twice")),
    (r"required column is missing", N_("row_column_missing")),
    (r"unknown column; the columns are (?P<columns>.*) \(and the template's informative "
     r"columns\)", N_("row_unknown_column")),
    (r"unknown column, as are (?P<n>\d+) others \((?P<names>.*) …\); the columns are "
     r"(?P<columns>.*) \(and the template's informative columns\)", N_("row_unknown_columns")),
)]
# Composed: "row_in_" ~ agreement | goal
COMPOSED = (N_("row_in_agreement"), N_("row_in_goal"))
NUMBERS = ("value", "limit", "target", "gap", "tolerance")


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
