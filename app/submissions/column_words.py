"""The file columns' names in people's words: the XLSX template's header row in the user's
language, and every language's names read back as the upload's column keys."""

from functools import lru_cache

from app.core.i18n import LANGUAGES, N_, t

# The template's columns (files.INPUT and some of files.INFORMATIVE) and their words.
WORDS = {
    "agreement": N_("col_agreement"), "goal": N_("col_goal"),
    "measure_code": N_("col_measure_code"), "measure_name": N_("col_measure_name"),
    "unit": N_("col_unit"), "target": N_("col_target"), "tolerance": N_("col_tolerance"),
    "period": N_("col_period"), "due_date": N_("col_due_date"), "status": N_("col_status"),
    "value": N_("col_value"), "comment": N_("col_comment"),
}


def header(key: str, lang: str | None) -> str:
    """The column's header in ``lang``; without a language its key (the API's template)."""
    return t(WORDS[key], lang) if lang and key in WORDS else key


def normal(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


@lru_cache
def translated() -> dict[str, str]:
    """Every language's header, as files._key normalises it, → the column's key."""
    return {normal(t(word, lang)): key for key, word in WORDS.items() for lang in LANGUAGES}
