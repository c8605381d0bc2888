"""Paris time for people, UTC for storage, and the daylight-saving rule for anything scheduled."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from locales import N_
from services.errors import DomainError

PARIS = ZoneInfo("Europe/Paris")
# Clocks jump 02:00→03:00 in March and repeat 02:00–03:00 in October: a job there runs 0 or 2 times.
DST_UNSAFE = (time(2, 0), time(3, 0))


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_datetime(day: date, clock: time) -> datetime:
    """An aware datetime for a Paris wall-clock time, refused inside the daylight-saving hour."""
    check_schedulable(clock)
    return datetime.combine(day, clock, tzinfo=PARIS)


def check_schedulable(clock: time) -> None:
    if DST_UNSAFE[0] <= clock < DST_UNSAFE[1]:
        raise DomainError(N_("Rien ne peut être programmé entre 2 h et 3 h (changement d'heure) : choisissez "
                             "une autre heure."))


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)


def first_weekday_of_month(year: int, month: int, weekday: int) -> date:
    """The first given weekday (Monday=0) of a month, e.g. the first Tuesday for the newsletter."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)
