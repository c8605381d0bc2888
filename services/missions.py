"""The solidarity chain's rules: coordinators post associations' missions; Solidarity Volunteers living in or
next to the mission's arrondissement see them, sign up and cancel.

Seats follow the training feature's rule (services/training/sessions.py, `book_seat`): a seat is only ever
taken by one conditional UPDATE (`… WHERE booked_count < seats`) in a savepoint, so no interleaving of taps
can overbook; the CHECK and UNIQUE constraints of models/missions.py are the backstops. Typed inputs
(dates, durations, seats, texts) go through the training feature's parsers, so both read the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, t
from locales.formatting import format_arrondissement, format_when
from models.missions import Mission, MissionSignup, MissionStatus, SignupStatus
from models.outbox import Campaign
from models.user import User
from services import outbox, segments
from services.callbacks import button, keyboard
from services.callbacks.missions import MissionCb
from services.errors import DomainError, NotAllowed, StaleButton
from services.heatwave.escalation import adjacency
from services.training.inputs import check_capacity, check_duration, clean_text

ASSOCIATION_MAX = 120
TITLE_MAX = 120
DESCRIPTION_MAX = 1000
SOLIDARITY_ONLY = N_("Les missions des associations sont proposées aux Volontaires de la Solidarité : ajoutez ce "
                     "réseau dans votre profil.")
FULL = N_("Cette mission est complète.")
NO_SIGNUP = N_("Vous n'êtes pas inscrit à cette mission.")
KIND = "mission"
REMIND_BEFORE = timedelta(hours=24)


def check_arrondissement(number: int) -> int:
    if not 1 <= number <= 20:
        raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
    return number


async def post_mission(session: AsyncSession, *, association: str, title: str, description: str,
                       arrondissement: int, starts_at: datetime, duration_minutes: int, seats: int, now: datetime,
                       created_by: int | None) -> Mission:
    """A new open mission, every field checked (a mission in the past is refused)."""
    if starts_at <= now:
        raise DomainError(N_("Cette date est déjà passée : choisissez une date à venir."))
    mission = Mission(association=clean_text(association, ASSOCIATION_MAX), title=clean_text(title, TITLE_MAX),
                      description=clean_text(description, DESCRIPTION_MAX, required=False),
                      arrondissement=check_arrondissement(arrondissement), starts_at=starts_at,
                      duration_minutes=check_duration(duration_minutes), seats=check_capacity(seats),
                      created_by=created_by, created_at=now)
    session.add(mission)
    await session.flush()
    return mission


def near(user: User) -> frozenset[int] | None:
    """The arrondissements whose missions a volunteer sees: theirs and those sharing a border with it; None
    (every arrondissement) for someone living outside Paris."""
    if user.arrondissement is None:
        return None
    return frozenset({user.arrondissement, *adjacency()[user.arrondissement]})


def check_volunteer(user: User) -> None:
    if not user.solidarity_volunteer:
        raise NotAllowed(SOLIDARITY_ONLY)


def _upcoming(now: datetime) -> tuple[Any, ...]:
    return col(Mission.status) == MissionStatus.OPEN, col(Mission.starts_at) > now


async def missions_near(session: AsyncSession, user: User, now: datetime) -> list[Mission]:
    """Upcoming open missions near this Solidarity Volunteer, soonest first."""
    check_volunteer(user)
    query = select(Mission).where(*_upcoming(now))
    if (areas := near(user)) is not None:
        query = query.where(col(Mission.arrondissement).in_(sorted(areas)))
    return list((await session.execute(query.order_by(col(Mission.starts_at), col(Mission.id))
                                       .execution_options(populate_existing=True))).scalars())


async def access_mission(session: AsyncSession, user: User, mission_id: int) -> Mission:
    """A mission this volunteer may look at (forged or deleted ids are stale)."""
    check_volunteer(user)
    mission = await session.get(Mission, mission_id, populate_existing=True) if mission_id else None
    if mission is None:
        raise StaleButton
    return mission


async def signup_of(session: AsyncSession, mission_id: int, user_id: int) -> MissionSignup | None:
    return (await session.execute(select(MissionSignup).where(
        col(MissionSignup.mission_id) == mission_id, col(MissionSignup.user_id) == user_id)
        .execution_options(populate_existing=True))).scalar_one_or_none()


async def is_booked(session: AsyncSession, mission_id: int, user_id: int) -> bool:
    signup = await signup_of(session, mission_id, user_id)
    return signup is not None and signup.status == SignupStatus.BOOKED


async def _changed(session: AsyncSession, statement: Any) -> int:
    result: CursorResult[Any] = await session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _take_seat(mission_id: int, now: datetime) -> Any:
    """The one statement that takes a seat: it changes nothing unless the mission is open, to come, and has one."""
    return (update(Mission).where(col(Mission.id) == mission_id, *_upcoming(now),
                                  col(Mission.booked_count) < col(Mission.seats))
            .values(booked_count=Mission.booked_count + 1))


class _DoubleTap(Exception):
    """Raised inside the savepoint to undo a seat taken by a second, simultaneous tap of the same person."""


async def book(session: AsyncSession, mission_id: int, user: User, now: datetime) -> bool:
    """Take a seat; True if this tap took it, False if the person already had one (a double tap changes nothing)."""
    assert user.id is not None
    mission = await access_mission(session, user, mission_id)
    if mission.status != MissionStatus.OPEN or mission.starts_at <= now:
        raise DomainError(N_("Cette mission n'est plus ouverte aux inscriptions."))
    existing = await signup_of(session, mission_id, user.id)
    if existing is not None and existing.status == SignupStatus.BOOKED:
        return False
    try:
        async with session.begin_nested():
            if await _changed(session, _take_seat(mission_id, now)) == 0:
                raise DomainError(FULL)
            if existing is None:
                session.add(MissionSignup(mission_id=mission_id, user_id=user.id, created_at=now, updated_at=now))
                await session.flush()  # a simultaneous tap of the same person fails here on the UNIQUE constraint
            elif await _changed(session, update(MissionSignup).where(
                    col(MissionSignup.id) == existing.id, col(MissionSignup.status) == SignupStatus.CANCELLED)
                    .values(status=SignupStatus.BOOKED, updated_at=now)) == 0:
                raise _DoubleTap
    except (IntegrityError, _DoubleTap):
        return False  # the other tap of the same person won; the savepoint gave this seat back
    return True


async def cancel(session: AsyncSession, mission_id: int, user: User, now: datetime) -> None:
    """Give the seat back (before the mission starts)."""
    assert user.id is not None
    mission = await access_mission(session, user, mission_id)
    if mission.starts_at <= now:
        raise DomainError(N_("Cette mission a déjà commencé."))
    await _give_back(session, mission_id, user.id, now)


async def _give_back(session: AsyncSession, mission_id: int, user_id: int, now: datetime) -> None:
    given_up = update(MissionSignup).where(
        col(MissionSignup.mission_id) == mission_id, col(MissionSignup.user_id) == user_id,
        col(MissionSignup.status) == SignupStatus.BOOKED).values(status=SignupStatus.CANCELLED, updated_at=now)
    if await _changed(session, given_up) == 0:
        raise DomainError(NO_SIGNUP)
    await _changed(session, update(Mission).where(col(Mission.id) == mission_id)
                   .values(booked_count=Mission.booked_count - 1))


async def release_erased(session: AsyncSession, now: datetime) -> int:
    """Give back the upcoming seats of people who erased their data (/delete): erasure keeps an anonymous
    user row, whose sign-ups would otherwise hold seats nobody will use."""
    rows = (await session.execute(
        select(MissionSignup.mission_id, MissionSignup.user_id)
        .join(User, col(User.id) == col(MissionSignup.user_id))
        .join(Mission, col(Mission.id) == col(MissionSignup.mission_id))
        .where(col(User.erased_at).is_not(None), col(MissionSignup.status) == SignupStatus.BOOKED,
               col(Mission.starts_at) > now))).all()
    for mission_id, user_id in rows:
        await _give_back(session, mission_id, user_id, now)
    return len(rows)


async def my_missions(session: AsyncSession, user: User, now: datetime) -> list[Mission]:
    assert user.id is not None
    return list((await session.execute(
        select(Mission).join(MissionSignup, col(MissionSignup.mission_id) == col(Mission.id))
        .where(col(MissionSignup.user_id) == user.id, col(MissionSignup.status) == SignupStatus.BOOKED,
               col(Mission.starts_at) > now)
        .order_by(col(Mission.starts_at)).execution_options(populate_existing=True))).scalars())


# -- the coordinators' side ------------------------------------------------------------------------------

async def upcoming(session: AsyncSession, now: datetime) -> list[Mission]:
    return list((await session.execute(select(Mission).where(col(Mission.starts_at) > now)
                                       .order_by(col(Mission.starts_at), col(Mission.id)))).scalars())


async def get_mission(session: AsyncSession, mission_id: int) -> Mission:
    mission = await session.get(Mission, mission_id) if mission_id else None
    if mission is None:
        raise StaleButton
    return mission


async def signed_up(session: AsyncSession, mission_id: int) -> list[User]:
    """Who holds a seat, in sign-up order."""
    return list((await session.execute(
        select(User).join(MissionSignup, col(MissionSignup.user_id) == col(User.id))
        .where(col(MissionSignup.mission_id) == mission_id, col(MissionSignup.status) == SignupStatus.BOOKED)
        .order_by(col(MissionSignup.updated_at), col(MissionSignup.id)))).scalars())


# -- telling volunteers: a new mission near them, the day-before reminder (through the outbox) ---------------

async def audience(session: AsyncSession, mission: Mission) -> list[User]:
    """The reachable Solidarity Volunteers whose list shows this mission: living in its arrondissement or one
    sharing a border with it (adjacency is symmetric), or outside Paris."""
    areas = sorted({mission.arrondissement, *adjacency()[mission.arrondissement]})
    query = segments.members_query(segments.Segment(networks=frozenset({"solidarity"})).check()).where(
        or_(col(User.arrondissement).in_(areas), col(User.arrondissement).is_(None)))
    return list((await session.execute(query)).scalars())


def _announce_key(mission_id: int) -> str:
    return f"mission:{mission_id}:announce"


async def check_announceable(session: AsyncSession, mission_id: int, now: datetime) -> tuple[Mission, int]:
    """The mission (open, to come, not announced yet) and the exact number of people it would reach."""
    mission = await get_mission(session, mission_id)
    if mission.status != MissionStatus.OPEN or mission.starts_at <= now:
        raise DomainError(N_("Cette mission n'est plus ouverte aux inscriptions."))
    if (await session.execute(select(Campaign.id).where(
            col(Campaign.source_key) == _announce_key(mission_id)))).first() is not None:
        raise DomainError(N_("Cette mission a déjà été annoncée."))
    return mission, len(await audience(session, mission))


def _mission_line(mission: Mission, locale: str) -> str:
    return t(locale, "« {title} » avec {association}, {when}, Paris {area}.", title=escape(mission.title),
             association=escape(mission.association), when=format_when(mission.starts_at, locale),
             area=format_arrondissement(mission.arrondissement, locale))


def _see_button(mission: Mission, locale: str) -> dict[str, Any]:
    return keyboard([button(t(locale, "👀 Voir la mission"), MissionCb(action="view", id=mission.id or 0))])


async def announce(session: AsyncSession, mission_id: int, *, now: datetime, created_by: int | None,
                   report_chat_id: int | None, locale: str) -> tuple[Campaign, int]:
    """One message to each volunteer near the mission, in their language, with a button to see it."""
    mission, _count = await check_announceable(session, mission_id, now)
    campaign, _new = await outbox.create_campaign(
        session, kind=KIND, title=t(locale, "Mission « {title} »", title=mission.title),
        source_key=_announce_key(mission_id), created_by=created_by, report_chat_id=report_chat_id)
    enqueued = await outbox.enqueue(session, campaign, [
        outbox.Outgoing(person.telegram_id, [outbox.Part(
            t(person.locale, "🤝 Une association cherche des volontaires près de chez vous :") + "\n"
            + _mission_line(mission, person.locale), _see_button(mission, person.locale))], person.id)
        for person in await audience(session, mission) if person.telegram_id is not None])
    return campaign, enqueued


async def enqueue_reminders(session: AsyncSession, now: datetime) -> int:
    """The day before: everyone holding a seat on a mission starting within 24 hours, once each (late sign-ups
    included), through one campaign per mission."""
    due = (await session.execute(
        select(MissionSignup, Mission, User)
        .join(Mission, col(Mission.id) == col(MissionSignup.mission_id))
        .join(User, col(User.id) == col(MissionSignup.user_id))
        .where(col(MissionSignup.status) == SignupStatus.BOOKED, col(MissionSignup.reminded_at).is_(None),
               col(Mission.status) == MissionStatus.OPEN, col(Mission.starts_at) > now,
               col(Mission.starts_at) <= now + REMIND_BEFORE)
        .order_by(col(Mission.id), col(MissionSignup.id)))).all()
    sent = 0
    for signup, mission, person in due:
        signup.reminded_at = now
        if person.telegram_id is None or person.blocked_at is not None or person.erased_at is not None:
            continue
        campaign, _new = await outbox.create_campaign(
            session, kind=KIND, title=f"Rappel mission {mission.id}", source_key=f"mission:{mission.id}:reminder")
        sent += await outbox.enqueue(session, campaign, [outbox.Outgoing(person.telegram_id, [outbox.Part(
            t(person.locale, "⏰ Rappel : vous êtes inscrit à la mission") + " " + _mission_line(mission, person.locale)
            + "\n" + t(person.locale, "Si vous ne pouvez plus venir, annulez pour libérer votre place."),
            _see_button(mission, person.locale))], person.id)])
    await session.flush()
    return sent
