"""The languages of what people read (Finnish by default, Swedish, English) and the one catalogue
of their words: gettext, app/locale/{fi,sv,en}/LC_MESSAGES/messages.po.

A message's msgid is a key (``login_failed``, ``status_draft``): the keys tell apart words that
are one in English but two in Finnish or Swedish (a column "Year" and a frequency "yearly", an
agreement's "State" and a measure's "Status"). The English catalogue is complete like the other
two; tests/core/test_i18n.py fails when a message lacks a translation or the catalogue and the
code (extracted by Babel, babel.cfg) disagree.

Placeholders are Python's ``%(name)s`` in every message (``%%`` for a per cent sign), so that
Jinja's newstyle gettext and ``t()`` format them alike. The .po files are compiled in memory at
start-up: nothing to build after a clone.
"""

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("fi", "sv", "en")
Language = Literal["fi", "sv", "en"]  # a file's language, asked for in a query (?language=sv)
DEFAULT: Language = "fi"
# The languages as written in Finland: 1 234 567,50 €, 12.12.2013 (sv_FI as fi_FI).
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"


def language(chosen: str | None) -> str:
    """``chosen`` if it is one of the languages, else Finnish."""
    return chosen if chosen in LANGUAGES else DEFAULT


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT])


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache
def translations(lang: str) -> Translations:
    """The catalogue of ``lang`` (Finnish for an unknown language), compiled from its .po."""
    with po_path(language(lang)).open("rb") as po:
        catalog = read_po(po, locale=language(lang))
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


@lru_cache
def message_keys() -> frozenset[str]:
    """Every msgid of the catalogue (for a key composed at run time that may have no message)."""
    with po_path(DEFAULT).open("rb") as po:
        return frozenset(m.id for m in read_po(po) if m.id and isinstance(m.id, str))


def t(key: str, lang: str = DEFAULT, **values: Any) -> str:
    """The message ``key`` in ``lang``; ``values`` fill its %(placeholders)s."""
    return translations(lang).gettext(key) % values


# A message told later, in a language not known yet (a file's errors, told in the client's).
Said = Callable[[str], str]


def told(key: str, lang: str, **values: Any) -> str:
    """``t`` whose values may themselves be told (a term, a hint): each in ``lang`` too."""
    return t(key, lang, **{name: value(lang) if callable(value) else value
                           for name, value in values.items()})


def saying(key: str, **values: Any) -> Said:
    """The message ``key`` with ``values``, to be told in a language later."""
    return partial(told, key, **values)


def N_(key: str) -> str:  # gettext's name for "mark, do not translate"
    """Marks a message whose key is composed at run time (``"status_" ~ state``), so that the
    extractor finds it; returns the key unchanged."""
    return key


class InvalidValue(ValueError):
    """A validator's refusal whose words are in the catalogue: pydantic reports it as a
    value_error (its text the English message), and the API's problem tells it in the
    client's language (app.core.errors.validation_errors)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(t(key, "en", **values))
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


def date_text(value: date, lang: str) -> str:
    """12.12.2013 in Finnish and Swedish (as written in Finland), 12 Dec 2013 in English."""
    if lang == "en":
        return format_date(value, "d MMM yyyy", locale=locale(lang))
    return f"{value.day}.{value.month}.{value.year}"


# pydantic's own checks, by error type, in the catalogue's words (an input's type, its bounds,
# a required or an unknown field): the same refusal reads the same in the API's problem, a
# contracts file's errors and a form. A type not here keeps pydantic's English.
_PYDANTIC = {
    "missing": N_("pydantic_missing"),
    "extra_forbidden": N_("pydantic_extra_forbidden"),
    "int_parsing": N_("pydantic_int_parsing"),
    "int_from_float": N_("pydantic_int_parsing"),
    "int_type": N_("pydantic_int_parsing"),
    "decimal_parsing": N_("pydantic_number"),
    "decimal_type": N_("pydantic_number"),
    "float_parsing": N_("pydantic_number"),
    "float_type": N_("pydantic_number"),
    "finite_number": N_("pydantic_number"),
    "bool_parsing": N_("pydantic_bool"),
    "bool_type": N_("pydantic_bool"),
    "string_type": N_("pydantic_string_type"),
    "greater_than": N_("pydantic_greater_than"),
    "greater_than_equal": N_("pydantic_greater_than_equal"),
    "less_than": N_("pydantic_less_than"),
    "less_than_equal": N_("pydantic_less_than_equal"),
    "string_too_short": N_("pydantic_string_too_short"),
    "string_too_long": N_("pydantic_string_too_long"),
    "too_short": N_("pydantic_too_short"),
    "too_long": N_("pydantic_too_long"),
    "string_pattern_mismatch": N_("pydantic_pattern"),
    "enum": N_("pydantic_one_of"),
    "literal_error": N_("pydantic_one_of"),
    "date_parsing": N_("pydantic_date"),
    "date_type": N_("pydantic_date"),
    "date_from_datetime_parsing": N_("pydantic_date"),
    "date_from_datetime_inexact": N_("pydantic_date"),
    "datetime_parsing": N_("pydantic_datetime"),
    "datetime_type": N_("pydantic_datetime"),
    "datetime_from_date_parsing": N_("pydantic_datetime"),
    "decimal_max_digits": N_("pydantic_max_digits"),
    "decimal_max_places": N_("pydantic_max_places"),
    "decimal_whole_digits": N_("pydantic_whole_digits"),
    "list_type": N_("pydantic_list_type"),
    "dict_type": N_("pydantic_object_type"),
    "model_type": N_("pydantic_object_type"),
    "model_attributes_type": N_("pydantic_object_type"),
    "json_invalid": N_("pydantic_json_invalid"),
}
# The context values a message names (pydantic's ctx), as plain text.
_BOUNDS = ("gt", "ge", "lt", "le", "min_length", "max_length", "expected", "max_digits",
           "decimal_places", "whole_digits")


def pydantic_text(error_type: str, context: Mapping[str, Any] | None, lang: str) -> str | None:
    """pydantic's refusal ``error_type`` (with its ``context``) in ``lang``; None for a type
    the catalogue does not word."""
    key = _PYDANTIC.get(error_type)
    if key is None:
        return None
    values = {name: str((context or {}).get(name, "")) for name in _BOUNDS}
    values["expected"] = values["expected"].replace("' or '", "', '")  # pydantic's English "or"
    return t(key, lang, **values)
