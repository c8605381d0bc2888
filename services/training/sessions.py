"""Training sessions: create, edit, cancel; book a seat or a wait-list place; promote; attendance; export.

Seats are counted in `trainings.booked_count` and only ever taken by a conditional UPDATE
(`… WHERE booked_count < capacity`), so no interleaving of taps can overbook; the CHECK and UNIQUE
constraints of models/training.py are the backstops. Each booking attempt also takes the next
`last_seq` of its training under the same row lock: that number is the tap order of the wait list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import CursorResult, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from locales import N_, t
from locales.formatting import format_when
from models.training import Booking, BookingStatus, Training, TrainingStatus
from models.user import User
from services import outbox
from services.callbacks import button, keyboard
from services.callbacks.training import TrainingCb
from services.errors import DomainError, NotAllowed
from services.parsing import show_moment
from services.timing import check_schedulable, to_paris
from services.training.inputs import (
    DESCRIPTION_MAX,
    NETWORKS,
    PLACE_MAX,
    SEATS_TAKEN,
    THEME_MAX,
    TITLE_MAX,
    check_capacity,
    check_duration,
    check_networks,
    check_url,
    clean_text,
)

NO_BOOKING = N_("Vous n'avez pas de réservation pour cette formation.")
PAGE_SIZE = 5
# Coordinators still see a session this long after it started, to mark attendance and export the list.
COORDINATOR_LOOKBACK = timedelta(days=30)



@dataclass(frozen=True)
class BookingResult:
    """What a booking tap did: a seat, a wait-list position, or nothing new (already there)."""

    status: BookingStatus
    position: int | None = None  # 1-based, wait list only
    already: bool = False
    booking_id: int | None = None


@dataclass(frozen=True)
class Participant:
    booking_id: int
    user_id: int
    name: str
    telegram_id: int | None
    locale: str
    status: BookingStatus
    position: int | None
    attended: bool | None
    confirmed: bool
    booked_at: datetime


# -- creating and changing a training ------------------------------------------------------------------

async def create_training(
    session: AsyncSession,
    *,
    networks: Iterable[str],
    theme: str,
    title_fr: str,
    title_en: str,
    description_fr: str,
    description_en: str,
    starts_at: datetime,
    duration_minutes: int,
    place: str | None,
    online_url: str | None,
    capacity: int,
    now: datetime,
    created_by: int | None = None,
    request_key: str | None = None,
) -> Training:
    """A new scheduled session, every field checked; the same `request_key` twice gives the first one back."""
    if request_key is not None:
        found = await _by_request_key(session, request_key)
        if found is not None:
            return found
    chosen = check_networks(networks)
    check_start(starts_at, now)
    place, online_url = _check_where(place, online_url)
    training = Training(
        for_climate="climate" in chosen, for_solidarity="solidarity" in chosen,
        theme=clean_text(theme, THEME_MAX), title_fr=clean_text(title_fr, TITLE_MAX),
        title_en=clean_text(title_en, TITLE_MAX),
        description_fr=clean_text(description_fr, DESCRIPTION_MAX, required=False),
        description_en=clean_text(description_en, DESCRIPTION_MAX, required=False),
        starts_at=starts_at, duration_minutes=check_duration(duration_minutes),
        place=place, online_url=online_url,
        capacity=check_capacity(capacity), created_by=created_by, request_key=request_key, created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(training)
            await session.flush()
    except IntegrityError:
        # the same form published at the same moment by a second tap: that one stands
        found = await _by_request_key(session, request_key) if request_key is not None else None
        if found is None:
            raise
        return found
    return training


async def _by_request_key(session: AsyncSession, request_key: str) -> Training | None:
    return (await session.execute(
        select(Training).where(col(Training.request_key) == request_key))).scalar_one_or_none()


def check_editable(training: Training, now: datetime) -> None:
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError(N_("Cette formation est annulée : elle ne peut plus être modifiée."))
    if training.starts_at <= now:
        raise DomainError(N_("Cette formation a déjà commencé : elle ne peut plus être modifiée."))


MOVING = ("starts_at", "duration_minutes", "place", "online_url")  # what people booked are told about


async def update_training(session: AsyncSession, training_id: int, changes: dict[str, Any],
                          now: datetime) -> tuple[Training, int]:
    """Apply a coordinator's changes (the fields of `create_training`), each checked; lowering seats below the
    bookings is refused. A new time or place is told to everyone booked or waiting, new seats to those waiting.
    Returns (the session, how many people are told)."""
    training = await _get_training(session, training_id)
    check_editable(training, now)
    before = {name: getattr(training, name) for name in MOVING}
    capacity = changes.pop("capacity", training.capacity)
    if "networks" in changes:
        chosen = check_networks(changes.pop("networks"))
        training.for_climate, training.for_solidarity = "climate" in chosen, "solidarity" in chosen
    for name, limit in (("theme", THEME_MAX), ("title_fr", TITLE_MAX), ("title_en", TITLE_MAX)):
        if name in changes:
            setattr(training, name, clean_text(changes.pop(name), limit))
    for name in ("description_fr", "description_en"):
        if name in changes:
            setattr(training, name, clean_text(changes.pop(name) or "", DESCRIPTION_MAX, required=False))
    if "starts_at" in changes and changes["starts_at"] != training.starts_at:
        training.starts_at = check_start(changes.pop("starts_at"), now)
    if "duration_minutes" in changes:
        training.duration_minutes = check_duration(changes.pop("duration_minutes"))
    if "place" in changes or "online_url" in changes:
        place, url = changes.pop("place", training.place), changes.pop("online_url", training.online_url)
        training.place, training.online_url = _check_where(place, url)
    changes.pop("starts_at", None)
    if changes:
        raise DomainError(N_("Ce champ ne peut pas être modifié."))
    moved = any(getattr(training, name) != before[name] for name in MOVING)
    if moved:
        training.sequence += 1  # calendars that have the event update it
    training.updated_at = now
    await session.flush()
    if capacity != training.capacity:
        resize = update(Training).where(
            col(Training.id) == training_id, col(Training.booked_count) <= check_capacity(capacity),
        ).values(capacity=capacity, updated_at=now)
        if await _changed(session, resize) == 0:
            await session.refresh(training)
            raise DomainError(SEATS_TAKEN, booked=training.booked_count)
        promoted = len(await promote_waitlist(session, training_id, now))
        await session.refresh(training)
    else:
        promoted = 0
    return training, promoted + (await _tell_changed(session, training, now) if moved else 0)


def check_start(starts_at: datetime, now: datetime) -> datetime:
    if starts_at <= now:
        raise DomainError(N_("Cette date est déjà passée : choisissez une date à venir."))
    check_schedulable(to_paris(starts_at))
    return starts_at


def _check_where(place: str | None, online_url: str | None) -> tuple[str | None, str | None]:
    if not place and not online_url:
        raise DomainError(N_("Indiquez une adresse ou un lien de visioconférence."))
    return (clean_text(place, PLACE_MAX) if place else None), (check_url(online_url) if online_url else None)


async def people_to_tell(session: AsyncSession, training_id: int) -> int:
    """How many people are booked or waiting: those a move or a cancellation is told to."""
    return (await session.execute(select(func.count()).select_from(Booking).join(
        User, col(User.id) == col(Booking.user_id)).where(
        col(Booking.training_id) == training_id,
        col(Booking.status).in_((BookingStatus.BOOKED, BookingStatus.WAITLISTED)),
        col(User.telegram_id).is_not(None)))).scalar_one()


async def _tell_changed(session: AsyncSession, training: Training, now: datetime) -> int:
    """Everyone booked or waiting learns the new time or place (outbox), each in their language."""
    assert training.id is not None
    campaign, new = await outbox.create_campaign(
        session, kind="training", title=f"Modification : {training.title_fr}",
        source_key=f"training:{training.id}:changed:{now.timestamp():.6f}")
    if not new:
        return 0
    people = await people_of(session, training.id, (BookingStatus.BOOKED, BookingStatus.WAITLISTED))
    return await outbox.enqueue(session, campaign, [
        outbox.Outgoing(person.telegram_id, [outbox.Part(t(
            person.locale, "✏️ La formation « {title} » a changé : elle a lieu {when} ({duration} min).\nOù : {where}",
            title=_html(training.title(person.locale)), when=format_when(training.starts_at, person.locale),
            duration=training.duration_minutes, where=_html(training.place or training.online_url or "")),
            _calendar_buttons(training, person.locale))],
            person.id)
        for person in people if person.telegram_id is not None])


def _calendar_buttons(training: Training, locale: str) -> dict[str, Any]:
    """Under a message about a session: its calendar file as it is now (updated or cancelling), my bookings."""
    assert training.id is not None
    return keyboard([button(t(locale, "📅 Fichier agenda à jour"), TrainingCb(action="ics", id=training.id)),
                     button(t(locale, "🎟 Mes réservations"), TrainingCb(action="mine"))])


async def cancel_training(session: AsyncSession, training_id: int, now: datetime) -> int:
    """Cancel a session and tell everyone booked or waiting, each in their language; returns how many."""
    training = await _get_training(session, training_id)
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError(N_("Cette formation est déjà annulée."))
    if training.starts_at <= now:
        raise DomainError(N_("Cette formation a déjà commencé : elle ne peut plus être annulée."))
    training.status = TrainingStatus.CANCELLED
    training.sequence += 1
    training.updated_at = now
    await session.flush()
    people = await people_of(session, training_id, (BookingStatus.BOOKED, BookingStatus.WAITLISTED))
    campaign, new = await outbox.create_campaign(
        session, kind="training", title=f"Annulation : {training.title_fr}",
        source_key=f"training:{training_id}:cancelled")
    if not new:
        return 0
    return await outbox.enqueue(session, campaign, [
        outbox.Outgoing(person.telegram_id, [outbox.Part(t(
            person.locale, "❌ La formation « {title} » du {when} est annulée. Nous sommes désolés ; d'autres "
            "sessions sont proposées dans le menu « Formations ».",
            title=_html(training.title(person.locale)), when=format_when(training.starts_at, person.locale)),
            _calendar_buttons(training, person.locale))],
            person.id)
        for person in people if person.telegram_id is not None])


# -- reading ---------------------------------------------------------------------------------------------

async def get_training(session: AsyncSession, training_id: int) -> Training | None:
    return await session.get(Training, training_id, populate_existing=True)


async def _get_training(session: AsyncSession, training_id: int) -> Training:
    training = await get_training(session, training_id)
    if training is None:
        raise DomainError(N_("Cette formation n'existe pas."))
    return training


def open_to(training: Training, user: User) -> bool:
    """Whether this volunteer's networks include the session's."""
    return (training.for_climate and user.climate_volunteer) or (training.for_solidarity and user.solidarity_volunteer)


def _network_filter(user: User) -> Any:
    conditions = []
    if user.climate_volunteer:
        conditions.append(col(Training.for_climate))
    if user.solidarity_volunteer:
        conditions.append(col(Training.for_solidarity))
    return or_(*conditions) if conditions else col(Training.id).is_(None)


async def upcoming_for_user(session: AsyncSession, user: User, now: datetime, page: int = 0,
                            per_page: int = PAGE_SIZE) -> tuple[list[Training], int]:
    """One page of the scheduled sessions of this volunteer's networks, soonest first, and the total."""
    where = (col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now, _network_filter(user))
    total = (await session.execute(select(func.count()).select_from(Training).where(*where))).scalar_one()
    rows = (await session.execute(
        select(Training).where(*where).order_by(col(Training.starts_at), col(Training.id))
        .offset(max(page, 0) * per_page).limit(per_page).execution_options(populate_existing=True))).scalars()
    return list(rows), total


async def coordinator_trainings(session: AsyncSession, now: datetime, page: int = 0,
                                per_page: int | None = None) -> tuple[list[Training], int]:
    """Sessions from the last 30 days on, cancelled ones included, soonest first (one page), and the total."""
    where = col(Training.starts_at) > now - COORDINATOR_LOOKBACK
    total = (await session.execute(select(func.count()).select_from(Training).where(where))).scalar_one()
    query = select(Training).where(where).order_by(col(Training.starts_at), col(Training.id))
    if per_page is not None:
        query = query.offset(max(page, 0) * per_page).limit(per_page)
    rows = (await session.execute(query.execution_options(populate_existing=True))).scalars()
    return list(rows), total


async def get_booking(session: AsyncSession, training_id: int, user_id: int) -> Booking | None:
    return (await session.execute(
        select(Booking).where(col(Booking.training_id) == training_id, col(Booking.user_id) == user_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()


async def waitlist_position(session: AsyncSession, booking: Booking) -> int | None:
    """1 for the first person waiting; None when the booking is not on the wait list."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    return await _position(session, booking.training_id, booking.seq)


async def _position(session: AsyncSession, training_id: int, seq: int) -> int:
    return (await session.execute(select(func.count()).where(
        col(Booking.training_id) == training_id, col(Booking.status) == BookingStatus.WAITLISTED,
        col(Booking.seq) <= seq))).scalar_one()


async def bookings_of(session: AsyncSession, user_id: int, now: datetime) -> list[tuple[Training, Booking, int | None]]:
    """This volunteer's upcoming seats and wait-list places, soonest first, with positions."""
    rows = (await session.execute(
        select(Training, Booking).join(Booking, col(Booking.training_id) == col(Training.id))
        .where(col(Booking.user_id) == user_id,
               col(Booking.status).in_((BookingStatus.BOOKED, BookingStatus.WAITLISTED)),
               col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now)
        .order_by(col(Training.starts_at)).execution_options(populate_existing=True))).all()
    return [(training, booking, await waitlist_position(session, booking)) for training, booking in rows]


async def participants(session: AsyncSession, training_id: int) -> list[Participant]:
    """Booked people (in booking order) then the wait list (in its order)."""
    rows = (await session.execute(
        select(Booking, User).join(User, col(User.id) == col(Booking.user_id))
        .where(col(Booking.training_id) == training_id, col(Booking.status) != BookingStatus.CANCELLED)
        .order_by(col(Booking.status), col(Booking.seq)).execution_options(populate_existing=True))).all()
    result: list[Participant] = []
    waiting = 0
    for booking, user in rows:
        status = BookingStatus(booking.status)
        if status == BookingStatus.WAITLISTED:
            waiting += 1
        assert booking.id is not None and user.id is not None
        result.append(Participant(booking.id, user.id, user.full_name or "—", user.telegram_id, user.locale, status,
                                  waiting if status == BookingStatus.WAITLISTED else None, booking.attended,
                                  booking.confirmed_at is not None, booking.created_at))
    return result


async def trainings_attended(session: AsyncSession, user_id: int) -> int:
    """How many sessions this volunteer attended (marked by a coordinator): their training history."""
    return (await session.execute(select(func.count()).where(
        col(Booking.user_id) == user_id, col(Booking.attended).is_(True)))).scalar_one()


async def attended_counts(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """`trainings_attended` for many volunteers in one query (e.g. the Night of Solidarity's assignment)."""
    wanted = list(set(user_ids))
    if not wanted:
        return {}
    rows = (await session.execute(
        select(Booking.user_id, func.count()).where(col(Booking.user_id).in_(wanted), col(Booking.attended).is_(True))
        .group_by(col(Booking.user_id)))).all()
    found = {user_id: count for user_id, count in rows}
    return {user_id: found.get(user_id, 0) for user_id in wanted}


# -- booking ---------------------------------------------------------------------------------------------

NOT_OPEN = N_("Cette formation n'existe pas ou n'est pas ouverte à vos réseaux.")


def check_upcoming(training: Training | None, now: datetime) -> Training:
    """A session that exists, is not cancelled and has not started (what volunteers may book or act on)."""
    if training is None:
        raise NotAllowed(NOT_OPEN)
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError(N_("Cette formation a été annulée."))
    if training.starts_at <= now:
        raise DomainError(N_("Cette formation a déjà eu lieu."))
    return training


def _check_bookable(training: Training | None, user: User, now: datetime) -> Training:
    return check_upcoming(training if training is not None and open_to(training, user) else None, now)


def _open_session(training_id: int, now: datetime) -> tuple[Any, ...]:
    return (col(Training.id) == training_id, col(Training.status) == TrainingStatus.SCHEDULED,
            col(Training.starts_at) > now)


async def book_seat(session: AsyncSession, training_id: int, user: User, now: datetime,
                    *, waitlist: bool = True) -> BookingResult:
    """Take a seat if one is free, else a place on the wait list (or refuse if `waitlist` is False).

    A double tap finds the first tap's booking and changes nothing.
    """
    assert user.id is not None
    training = _check_bookable(await get_training(session, training_id), user, now)
    existing = await get_booking(session, training_id, user.id)
    if existing is not None and existing.status != BookingStatus.CANCELLED:
        return await _already(session, existing)
    try:
        async with session.begin_nested():
            status = BookingStatus.BOOKED
            if await _changed(session, _take_seat(training_id, now)) == 0:
                if not waitlist:
                    raise DomainError(N_("Cette formation est complète."))
                if await _changed(session, _take_place_in_line(training_id, now)) == 0:
                    raise DomainError(N_("Cette formation n'est plus ouverte aux réservations."))
                status = BookingStatus.WAITLISTED
            seq, booked_count = (await session.execute(
                select(Training.last_seq, Training.booked_count).where(col(Training.id) == training_id))).one()
            if existing is None:
                booking = Booking(training_id=training_id, user_id=user.id, status=status, seq=seq,
                                  created_at=now, updated_at=now)
                session.add(booking)
                await session.flush()  # a simultaneous tap of the same person fails here on the UNIQUE constraint
            else:
                # booking again after cancelling: only if that row is still cancelled (else a double tap won)
                revived = update(Booking).where(
                    col(Booking.id) == existing.id, col(Booking.status) == BookingStatus.CANCELLED,
                ).values(status=status, seq=seq, attended=None, confirmed_at=None, rating=None, updated_at=now)
                if await _changed(session, revived) == 0:
                    raise _DoubleTap
                booking = existing
    except (IntegrityError, _DoubleTap):
        # Another tap of the same person won the race; the savepoint undid this one's seat.
        again = await get_booking(session, training_id, user.id)
        assert again is not None
        return await _already(session, again)
    # Those columns were written by UPDATE statements: bring the objects in line without another query.
    for name, value in (("status", status), ("seq", seq), ("updated_at", now)):
        set_committed_value(booking, name, value)
    set_committed_value(training, "booked_count", booked_count)
    set_committed_value(training, "last_seq", seq)
    position = await _position(session, training_id, seq) if status == BookingStatus.WAITLISTED else None
    return BookingResult(status, position, booking_id=booking.id)


def _take_seat(training_id: int, now: datetime) -> Any:
    """The one statement that takes a seat: it changes nothing unless a seat is free (the anti-overbooking rule)."""
    return (update(Training)
            .where(*_open_session(training_id, now), col(Training.booked_count) < col(Training.capacity))
            .values(booked_count=Training.booked_count + 1, last_seq=Training.last_seq + 1))


def _take_place_in_line(training_id: int, now: datetime) -> Any:
    """The next wait-list number, taken under the same row lock as seats, so the line keeps the tap order."""
    return (update(Training).where(*_open_session(training_id, now))
            .values(last_seq=Training.last_seq + 1))


def _free_seat(training_id: int) -> Any:
    return update(Training).where(col(Training.id) == training_id).values(booked_count=Training.booked_count - 1)


class _DoubleTap(Exception):
    """Raised inside the savepoint to undo a seat taken by a second, simultaneous tap."""


async def _already(session: AsyncSession, booking: Booking) -> BookingResult:
    return BookingResult(BookingStatus(booking.status), await waitlist_position(session, booking), already=True,
                         booking_id=booking.id)


async def held_booking(session: AsyncSession, training_id: int, user: User) -> BookingStatus:
    """What this person holds on a session (a seat or a wait-list place); refused when nothing."""
    assert user.id is not None
    booking = await get_booking(session, training_id, user.id)
    if booking is None or booking.status == BookingStatus.CANCELLED:
        raise DomainError(NO_BOOKING)
    return BookingStatus(booking.status)


async def cancel_booking(session: AsyncSession, training_id: int, user: User, now: datetime) -> BookingStatus:
    """Give up a seat or a wait-list place; a freed seat goes to the first person waiting. Returns what was given up."""
    assert user.id is not None
    booking = await get_booking(session, training_id, user.id)
    if booking is None or booking.status == BookingStatus.CANCELLED:
        raise DomainError(NO_BOOKING)
    training = await _get_training(session, training_id)
    if training.starts_at <= now:
        raise DomainError(N_("Cette formation a déjà eu lieu."))
    was = BookingStatus(booking.status)
    give_up = update(Booking).where(
        col(Booking.id) == booking.id, col(Booking.status) == was,
    ).values(status=BookingStatus.CANCELLED, updated_at=now)
    if await _changed(session, give_up) == 0:
        raise DomainError(NO_BOOKING)
    if was == BookingStatus.BOOKED:
        await _changed(session, _free_seat(training_id))
        if training.status == TrainingStatus.SCHEDULED:
            await promote_waitlist(session, training_id, now)
    await session.refresh(booking)
    await session.refresh(training)
    return was


async def release_erased(session: AsyncSession, now: datetime) -> int:
    """Give back the upcoming seats and wait-list places of people who erased their data (/delete).

    Erasure keeps an anonymous user row, so their bookings would otherwise hold seats nobody will use.
    """
    rows = (await session.execute(
        select(Booking.training_id, User).join(User, col(User.id) == col(Booking.user_id))
        .join(Training, col(Training.id) == col(Booking.training_id))
        .where(col(User.erased_at).is_not(None),
               col(Booking.status).in_((BookingStatus.BOOKED, BookingStatus.WAITLISTED)),
               col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now))).all()
    for training_id, person in rows:
        await cancel_booking(session, training_id, person, now)
    return len(rows)


async def promote_waitlist(session: AsyncSession, training_id: int, now: datetime) -> list[Booking]:
    """Give every free seat to the people waiting, first in line first, and tell each of them (outbox)."""
    promoted: list[Booking] = []
    while True:
        first = (await session.execute(
            select(Booking).where(col(Booking.training_id) == training_id,
                                  col(Booking.status) == BookingStatus.WAITLISTED)
            .order_by(col(Booking.seq)).limit(1).execution_options(populate_existing=True))).scalar_one_or_none()
        if first is None:
            break
        if await _changed(session, _take_seat(training_id, now)) == 0:
            break
        moved = update(Booking).where(
            col(Booking.id) == first.id, col(Booking.status) == BookingStatus.WAITLISTED,
        ).values(status=BookingStatus.BOOKED, updated_at=now)
        if await _changed(session, moved) == 0:
            # they left the wait list meanwhile: give the seat back and look again
            await _changed(session, _free_seat(training_id))
            continue
        await session.refresh(first)
        promoted.append(first)
    if promoted:
        await _tell_promoted(session, training_id, promoted)
    return promoted


async def _tell_promoted(session: AsyncSession, training_id: int, promoted: Sequence[Booking]) -> None:
    # Through the outbox: the person promoted is not the one who tapped (a cancellation freed the seat).
    training = await _get_training(session, training_id)
    for booking in promoted:
        person = await session.get(User, booking.user_id)
        if person is None or person.telegram_id is None:
            continue
        campaign, new = await outbox.create_campaign(
            session, kind="training", title=f"Place libérée : {training.title_fr}",
            source_key=f"training:{training_id}:promoted:{booking.id}:{booking.seq}")
        if new:
            await outbox.enqueue(session, campaign, [outbox.Outgoing(person.telegram_id, [outbox.Part(t(
                person.locale, "🎉 Une place s'est libérée : vous êtes inscrit à « {title} », {when}. Si vous ne "
                "pouvez plus venir, annulez dans « Formations » › « Mes réservations ».",
                title=_html(training.title(person.locale)), when=format_when(training.starts_at, person.locale)),
                _calendar_buttons(training, person.locale))],
                person.id)])


# -- attendance and export -------------------------------------------------------------------------------

def check_attendance_open(training: Training, now: datetime) -> None:
    """The one attendance rule: after the start, on a session that was not cancelled."""
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError(N_("Cette formation a été annulée."))
    if training.starts_at > now:
        raise DomainError(N_("Les présences se notent une fois la formation commencée."))


async def set_attendance(session: AsyncSession, training_id: int, booking_id: int, attended: bool,
                         now: datetime) -> Booking:
    """Mark one booked person present or absent, once the session has started."""
    check_attendance_open(await _get_training(session, training_id), now)
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None or booking.training_id != training_id or booking.status != BookingStatus.BOOKED:
        raise DomainError(N_("Cette personne n'est pas inscrite à cette formation."))
    booking.attended = attended
    booking.updated_at = now
    await session.flush()
    return booking


async def toggle_attendance(session: AsyncSession, training_id: int, booking_id: int, now: datetime) -> Booking:
    """One tap on a person: not yet marked or absent → present; present → absent."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    return await set_attendance(session, training_id, booking_id, not (booking is not None and booking.attended), now)


EXPORT_COLUMNS = (N_("Nom"), N_("Statut"), N_("Position en attente"), N_("Présent"), N_("Langue"),
                  N_("A confirmé la veille"), N_("Réservé le (heure de Paris)"))
_STATUS = {BookingStatus.BOOKED: N_("inscrit"), BookingStatus.WAITLISTED: N_("en attente")}
_LANGUAGE = {"fr": N_("français"), "en": N_("anglais")}


async def export_csv(session: AsyncSession, training_id: int, locale: str) -> bytes:
    """The participants, booked then waiting, as a spreadsheet opens it in that language: headers and values
    translated, Paris time, UTF-8 with a BOM; `;` for French (what French Excel expects), `,` for English."""
    await _get_training(session, training_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if locale == "fr" else ",")
    writer.writerow([t(locale, column) for column in EXPORT_COLUMNS])
    yes, no = t(locale, "oui"), t(locale, "non")
    for person in await participants(session, training_id):
        writer.writerow((person.name, t(locale, _STATUS[person.status]), person.position or "",
                         "" if person.attended is None else (yes if person.attended else no),
                         t(locale, _LANGUAGE.get(person.locale, person.locale)),
                         yes if person.confirmed else "", show_moment(person.booked_at)))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def people_of(session: AsyncSession, training_id: int, statuses: Sequence[BookingStatus]) -> list[User]:
    return list((await session.execute(
        select(User).join(Booking, col(Booking.user_id) == col(User.id))
        .where(col(Booking.training_id) == training_id, col(Booking.status).in_(statuses))
        .order_by(col(Booking.seq)))).scalars())


async def _changed(session: AsyncSession, statement: Any) -> int:
    """Rows an UPDATE changed: how a conditional update says whether its condition held.

    The ORM objects are not synchronised (callers refresh what they show), hence synchronize_session=False.
    """
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        statement.execution_options(synchronize_session=False))
    return int(result.rowcount)


def _html(text: str) -> str:
    return escape(text, quote=False)


def network_label(locale: str, training: Training) -> str:
    return ", ".join(t(locale, NETWORKS[name]) for name in training.networks)


# -- the day before and after ----------------------------------------------------------------------------

async def answer_day_before(session: AsyncSession, training_id: int, user: User, coming: bool,
                            now: datetime) -> BookingStatus:
    """"I'm coming" records it; "I can't come any more" gives the seat to the first person waiting at once."""
    assert user.id is not None
    booking = await get_booking(session, training_id, user.id)
    if booking is None or booking.status != BookingStatus.BOOKED:
        raise DomainError(NO_BOOKING)
    if not coming:
        return await cancel_booking(session, training_id, user, now)
    if booking.confirmed_at is None:
        booking.confirmed_at = now
        booking.updated_at = now
        await session.flush()
    return BookingStatus.BOOKED


async def rate(session: AsyncSession, training_id: int, user: User, rating: int, now: datetime) -> None:
    """The one-tap feedback of someone who came (the last tap counts)."""
    assert user.id is not None
    booking = await get_booking(session, training_id, user.id)
    if booking is None or booking.attended is not True or not 1 <= rating <= 3:
        raise NotAllowed(N_("Seules les personnes venues à cette formation peuvent donner leur avis."))
    booking.rating = rating
    booking.updated_at = now
    await session.flush()
