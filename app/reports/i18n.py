"""The reports' formats: numbers, money and dates as written in Finland, ``1 234 567,50 €``,
``12.12.2013``. Their words are in the app's one catalogue (app.core.i18n): ``_("key")`` in the
templates (Jinja's i18n extension, app/reports/render.py), ``t("key", lang)`` in Python.
"""

from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

from app.core.i18n import LANGUAGES, N_, date_text, locale, t

__all__ = ["COMPOSED", "LANGUAGES", "day", "money", "number", "percent", "quantity", "t"]

# Keys the templates and render.py compose from a value, listed for Babel's extractor (the
# messages themselves are in the app's one catalogue, app/locale/*/messages.po).
COMPOSED = (
    # A measure's status (reports.status.Status), also its traffic light on the purchaser's page
    N_("on_track"), N_("at_risk"), N_("off_track"), N_("no_value"), N_("no_target"),
    # The reporting frequency: "every_" ~ Frequency (a direction is "direction_" ~ Direction, an
    # agreement's state "status_" ~ AgreementStatus: app/web/i18n.py lists them)
    N_("every_month"), N_("every_quarter"), N_("every_tertial"), N_("every_year"),
    # A provider's kind (ProviderKind) and a resource's (ResourceKind)
    N_("own_production_unit"), N_("municipal_enterprise"), N_("in_house_company"),
    N_("joint_municipal_authority"), N_("company"), N_("foundation"), N_("association"),
    N_("existing"), N_("transfer"), N_("additional"), N_("investment"), N_("bequest_funds"),
)


def number(value: Decimal | int | None, lang: str) -> str:
    """1 234 567,5 — at most two decimals, none when whole."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.##", locale=locale(lang))


def money(value: Decimal | None, lang: str, *, signed: bool = False) -> str:
    """1 234 567,50 €"""
    if value is None:
        return "–"
    text = format_currency(value, "EUR", locale=locale(lang))
    return f"+{text}" if signed and value > 0 else text


def percent(value: Decimal | None, lang: str, *, signed: bool = False) -> str:
    """A value already in per cent: 12,3 %"""
    if value is None:
        return "–"
    pattern = Locale.parse(locale(lang)).percent_formats[None].pattern.replace("#,##0", "#,##0.0")
    text = format_percent(value / 100, format=pattern, locale=locale(lang))
    return f"+{text}" if signed and value > 0 else text


def day(value: date | datetime | None, lang: str) -> str:
    """12.12.2013 in Finnish and Swedish (as written in Finland), 12 Dec 2013 in English."""
    return "–" if value is None else date_text(value, lang)


def quantity(value: Decimal | None, unit: str, lang: str) -> str:
    """A measure's value with its unit: 70 %, 10 240 000 euroa."""
    if value is None:
        return "–"
    space = "\u00a0" if len(unit) <= 3 else " "  # 70 %, but a long unit may wrap
    return f"{number(value, lang)}{space}{unit}"
