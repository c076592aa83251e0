"""The languages of what people read (Finnish by default, Swedish, English) and what every
catalogue shares: the lookup of a message and the Finnish locales of babel's formats.

A feature keeps its own words (app/reports/i18n.py, app/web/i18n.py); each message is one tuple
(fi, sv, en), so that a missing translation cannot pass unnoticed.
"""

from datetime import date
from typing import Any

from babel.dates import format_date

LANGUAGES = ("fi", "sv", "en")
DEFAULT = "fi"
# The languages as written in Finland: 1 234 567,50 €, 12.12.2013 (sv_FI as fi_FI).
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}

Messages = dict[str, tuple[str, str, str]]


def language(chosen: str | None) -> str:
    """``chosen`` if it is one of the languages, else Finnish."""
    return chosen if chosen in LANGUAGES else DEFAULT


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT])


def translate(messages: Messages, key: str, lang: str, **values: Any) -> str:
    """The message ``key`` in ``lang`` (Finnish for an unknown language); ``values`` fill its
    {placeholders}."""
    message = messages[key][LANGUAGES.index(language(lang))]
    return message.format(**values) if values else message


def date_text(value: date, lang: str) -> str:
    """12.12.2013 in Finnish and Swedish (as written in Finland), 12 Dec 2013 in English."""
    if lang == "en":
        return format_date(value, "d MMM yyyy", locale=locale(lang))
    return f"{value.day}.{value.month}.{value.year}"
