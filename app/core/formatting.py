"""Numbers, money and dates as written in Finland (``1 234 567,50 €``, ``12.12.2013``), in
Swedish and English too: one set of formats for the pages and the reports alike (babel)."""

from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

from app.core.i18n import N_, date_text, locale, t

DASH = "–"  # what a table shows where there is no value


def number(value: Decimal | int | None, lang: str, *, decimals: int = 2, empty: str = DASH
           ) -> str:
    """1 234 567,5 — at most ``decimals`` decimals, none when whole."""
    if value is None:
        return empty
    return format_decimal(value, format="#,##0." + "#" * decimals, locale=locale(lang))


def money(value: Decimal | None, lang: str, *, signed: bool = False) -> str:
    """1 234 567,50 €"""
    if value is None:
        return DASH
    text = format_currency(value, "EUR", locale=locale(lang))
    return f"+{text}" if signed and value > 0 else text


def whole_euros(value: Decimal | None, lang: str) -> str:
    """50 000 € for a whole amount (a bonus, a cap), with cents only when it has them."""
    if value is None or value != value.to_integral():
        return money(value, lang)
    pattern = Locale.parse(locale(lang)).currency_formats["standard"].pattern
    return format_currency(value, "EUR", format=pattern.replace(".00", ""),
                           currency_digits=False, locale=locale(lang))


def percent(value: Decimal | None, lang: str, *, signed: bool = False) -> str:
    """A value already in per cent: 12,3 %"""
    if value is None:
        return DASH
    pattern = Locale.parse(locale(lang)).percent_formats[None].pattern.replace("#,##0", "#,##0.0")
    text = format_percent(value / 100, format=pattern, locale=locale(lang))
    return f"+{text}" if signed and value > 0 else text


def day(value: date | datetime | None, lang: str, *, empty: str = DASH) -> str:
    """12.12.2013 in Finnish and Swedish (as written in Finland), 12 Dec 2013 in English."""
    return empty if value is None else date_text(value, lang)


# Units that are euros, however a measure spells them: written €, as the budget's sums are.
EURO_UNITS = {"euroa", "euro", "eur", "€", "euros"}


# Units written in Finnish abbreviations, told in the reader's language (a Swedish or English
# label does not end in a Finnish word); other units are the agreement's own words.
UNIT_WORDS = {"vrk": N_("unit_days"), "kpl": N_("unit_pieces")}


def unit_text(unit: str, lang: str) -> str:
    """A measure's unit as the reports and pages write it: one notation for euros (€), the
    common abbreviations in the reader's language."""
    key = unit.strip().lower()
    if key in EURO_UNITS:
        return "€"
    return t(UNIT_WORDS[key], lang) if key in UNIT_WORDS else unit


def quantity(value: Decimal | None, unit: str, lang: str) -> str:
    """A measure's value with its unit: 70 %, 10 240 000 €."""
    if value is None:
        return DASH
    unit = unit_text(unit, lang)
    space = "\u00a0" if len(unit) <= 3 else " "  # 70 %, but a long unit may wrap
    return f"{number(value, lang)}{space}{unit}"
