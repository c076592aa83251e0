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

from datetime import date
from functools import lru_cache
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
