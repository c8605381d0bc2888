"""Paris time for people, UTC for storage, and the daylight-saving rule for anything scheduled."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from locales import N_
from services.errors import DomainError

PARIS = ZoneInfo("Europe/Paris")
# A daily job at a wall-clock time between 02:00 and 03:00 runs 0 times on the March change day (the clocks
# jump 02:00→03:00) and twice in October (02:00–03:00 is repeated), so daily clocks avoid that hour.
DST_UNSAFE = (time(2, 0), time(3, 0))


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_datetime(day: date, clock: time) -> datetime:
    """An aware datetime for a Paris wall-clock time, refused if that day's clock change skips or repeats it."""
    check_schedulable(datetime.combine(day, clock))
    return datetime.combine(day, clock, tzinfo=PARIS)


def check_schedulable(wall_clock: datetime) -> None:
    """A one-off moment as typed in Paris time: refused only when it does not exist (the March change skips
    02:00–03:00) or exists twice (October repeats it), the only days where "2:30" means nothing or two things."""
    naive = wall_clock.replace(tzinfo=None)
    first, second = naive.replace(tzinfo=PARIS, fold=0), naive.replace(tzinfo=PARIS, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise DomainError(N_("Cette heure n'existe pas ou existe deux fois ce jour-là (changement d'heure) : "
                             "choisissez une autre heure."))


def check_daily_clock(clock: time) -> None:
    """A clock a job keeps every day: refused between 02:00 and 03:00, which some days skip or repeat."""
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
