"""Typed answers parsed once, strictly, the same way in the bot and the CLI."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from locales import N_
from services.errors import DomainError
from services.timing import PARIS

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str, low: int, high: int) -> int:
    """A whole number written with ASCII digits, within [low, high]. ("²".isdigit() is True: not a number.)"""
    text = text.strip().replace("\u202f", "").replace(" ", "")
    if not _WHOLE_NUMBER.fullmatch(text):
        raise DomainError(N_("Écrivez un nombre entier entre {low} et {high}."), low=low, high=high)
    value = int(text)
    if not low <= value <= high:
        raise DomainError(N_("Écrivez un nombre entier entre {low} et {high}."), low=low, high=high)
    return value


# -- dates and times typed by people (Paris wall-clock time) ---------------------------------------------

MOMENT_EXAMPLE = "12/12/2026 18:30"  # the one way a moment is shown to be typed (and in files and the CLI)
_MOMENT = re.compile(
    r"(?:(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})(?:[/.-](?P<y>[0-9]{2}|[0-9]{4}))?"  # 12/12/2026, 12/12/26, 12/12
    r"|(?P<Y>[0-9]{4})-(?P<M>[0-9]{1,2})-(?P<D>[0-9]{1,2}))"  # 2026-12-12
    r"(?:\s+|\s*[Tà,]\s*)"
    r"(?P<h>[0-9]{1,2})\s*(?:[:hH]\s*(?P<min>[0-9]{2})?)?",  # 18:30, 18h30, 18h, 18 h 30
)


def parse_moment(text: str, now: datetime) -> datetime:
    """A Paris date and time as people type it → an aware datetime in Paris time (the wall clock as typed:
    `.time()` is what they wrote; store it with `.astimezone(UTC)`).

    Accepts `12/12/2026 18:30`, `12/12/2026 à 18h30`, `12/12/26 18h`, `12/12 18h30` (the next 12 December
    from `now`) and `2026-12-12 18:30`. A date that does not exist (31/02) is refused, with the example.
    The hour the clocks skip in March or repeat in October is for the caller to refuse (services.timing).
    """
    cleaned = " ".join(unicodedata.normalize("NFC", text).replace("\u202f", " ").split()).strip()
    match = _MOMENT.fullmatch(cleaned)
    if match is None:
        raise DomainError(N_("Je n'ai pas compris cette date. Écrivez par exemple {example}."), example=MOMENT_EXAMPLE)
    parts = match.groupdict()
    hour, minute = int(parts["h"]), int(parts["min"] or 0)
    local_now = now.astimezone(PARIS)
    try:
        if parts["Y"]:
            day = date(int(parts["Y"]), int(parts["M"]), int(parts["D"]))
        else:
            year_text = parts["y"]
            year = (2000 + int(year_text) if len(year_text) == 2 else int(year_text)) if year_text else local_now.year
            day = date(year, int(parts["m"]), int(parts["d"]))
        moment = datetime.combine(day, time(hour, minute), tzinfo=PARIS)
        if not parts["Y"] and not parts["y"] and moment < local_now:
            moment = datetime.combine(date(year + 1, day.month, day.day), time(hour, minute), tzinfo=PARIS)
    except ValueError:
        raise DomainError(N_("Je n'ai pas compris cette date. Écrivez par exemple {example}."),
                          example=MOMENT_EXAMPLE) from None
    return moment


def show_moment(moment: datetime) -> str:
    """A moment the way people type it (Paris time): `12/12/2026 18:30`."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
