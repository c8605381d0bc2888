"""Dates, numbers and money shown the way each reader expects (Babel); times are stored in UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency

from locales import BABEL_LOCALES, normalize_locale

PARIS = ZoneInfo("Europe/Paris")


def _babel(locale: str) -> str:
    return BABEL_LOCALES[normalize_locale(locale)]


def format_when(moment: datetime, locale: str, tz: ZoneInfo = PARIS) -> str:
    """'mardi 1 décembre 2026 à 10:00' / 'Tuesday, 1 December 2026 at 10:00' in Paris time."""
    pattern = _DATETIME[normalize_locale(locale)]
    return format_datetime(moment.astimezone(tz), pattern, tzinfo=tz, locale=_babel(locale))


_DATETIME = {"fr": "EEEE d MMMM y 'à' HH:mm", "en": "EEEE d MMMM y 'at' HH:mm"}


def format_day(moment: datetime, locale: str, tz: ZoneInfo = PARIS) -> str:
    return format_date(moment.astimezone(tz), "full", locale=_babel(locale))


def format_clock(moment: datetime, locale: str, tz: ZoneInfo = PARIS) -> str:
    return format_time(moment.astimezone(tz), "HH:mm", tzinfo=tz, locale=_babel(locale))


def format_money(amount: Decimal | float | int, locale: str, currency: str = "EUR") -> str:
    return format_currency(amount, currency, locale=_babel(locale))


# Suffixes by CLDR ordinal plural category: "1er, 2e, 11e" / "1st, 2nd, 3rd, 11th, 21st".
_ORDINAL_SUFFIXES = {"fr": {"one": "er", "other": "e"}, "en": {"one": "st", "two": "nd", "few": "rd", "other": "th"}}


def format_arrondissement(number: int, locale: str) -> str:
    """An arrondissement as people write it: "1er", "18e" in French, "1st", "18th" in English."""
    code = normalize_locale(locale)
    form = Locale.parse(_babel(code)).ordinal_form(number)
    suffixes = _ORDINAL_SUFFIXES[code]
    return f"{number}{suffixes.get(form, suffixes['other'])}"
