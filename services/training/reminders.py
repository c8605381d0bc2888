"""Reminders as a promise to each booking: every booked person gets each reminder that still means something,
whenever they booked, once per booking and start time.

- "24h" (the day before, with "I'm coming / I can't come any more") from 24 h before the start until
  `DAY_BEFORE_UNTIL` before it: a late booker gets it at the next tick; closer to the start it would only
  repeat the "2h" one, so it is skipped;
- "2h" in the last two hours (a session created or booked 3 h ahead gets this one only);
- "feedback" after the session, to those marked present, one tap.
Each is a `training_reminders` row (booking, kind, start) under a UNIQUE constraint, written in the same
transaction as the outbox message: once, across restarts, concurrent runs, moves (a new start is a new
promise) and promotions (a promoted booking is owed what is still meaningful).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import exists, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import t
from locales.formatting import format_when
from models.training import Booking, BookingStatus, ReminderKind, Training, TrainingReminder, TrainingStatus
from models.user import User
from services import outbox
from services.callbacks import button, keyboard
from services.callbacks.training import ReplyCb, TrainingCb

SOON = timedelta(hours=2)
DAY_BEFORE = timedelta(hours=24)
DAY_BEFORE_UNTIL = timedelta(hours=6)  # closer than this, the day-before question is not asked any more
FEEDBACK_FOR = timedelta(days=3)  # feedback is asked during the three days after the session


def reminder_kind(training: Training, now: datetime) -> str | None:
    """Which reminder a booking is owed now: "2h" inside the last two hours, "24h" from 24 h to 6 h before."""
    if training.status != TrainingStatus.SCHEDULED or training.starts_at <= now:
        return None
    left = training.starts_at - now
    if left <= SOON:
        return ReminderKind.SOON
    if DAY_BEFORE_UNTIL < left <= DAY_BEFORE:
        return ReminderKind.DAY_BEFORE
    return None


def _not_reminded(kind: Any) -> Any:
    return ~exists().where(col(TrainingReminder.booking_id) == col(Booking.id), col(TrainingReminder.kind) == kind,
                           col(TrainingReminder.starts_at) == col(Training.starts_at))


async def _owed(session: AsyncSession, now: datetime) -> list[tuple[Booking, Training, User, str]]:
    """Bookings owed a reminder now and not given it yet for this start."""
    reachable = (col(User.telegram_id).is_not(None), col(User.blocked_at).is_(None), col(User.erased_at).is_(None))
    upcoming = (await session.execute(
        select(Booking, Training, User).join(Training, col(Training.id) == col(Booking.training_id))
        .join(User, col(User.id) == col(Booking.user_id))
        .where(col(Booking.status) == BookingStatus.BOOKED, col(Training.status) == TrainingStatus.SCHEDULED,
               col(Training.starts_at) > now, col(Training.starts_at) <= now + DAY_BEFORE, *reachable)
        .execution_options(populate_existing=True))).all()
    given = set((await session.execute(
        select(TrainingReminder.booking_id, TrainingReminder.kind, TrainingReminder.starts_at).where(
            col(TrainingReminder.booking_id).in_([booking.id for booking, _training, _user in upcoming]),
            col(TrainingReminder.kind).in_((ReminderKind.DAY_BEFORE, ReminderKind.SOON))))).all())
    owed = []
    for booking, training, user in upcoming:
        kind = reminder_kind(training, now)
        if kind is not None and (booking.id, kind, training.starts_at) not in given:
            owed.append((booking, training, user, kind))
    finished = (await session.execute(
        select(Booking, Training, User).join(Training, col(Training.id) == col(Booking.training_id))
        .join(User, col(User.id) == col(Booking.user_id))
        .where(col(Booking.attended).is_(True), col(Booking.rating).is_(None),
               col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now - FEEDBACK_FOR,
               col(Training.starts_at) <= now, _not_reminded(ReminderKind.FEEDBACK), *reachable))).all()
    owed += [(booking, training, user, ReminderKind.FEEDBACK) for booking, training, user in finished
             if training.ends_at <= now]
    return owed


async def _promise(session: AsyncSession, booking: Booking, kind: str, starts_at: datetime, now: datetime) -> bool:
    """Record "reminded"; False when it was already (the UNIQUE constraint decides, even between two runs)."""
    dialect = session.get_bind().dialect.name
    table: Any = TrainingReminder.__table__  # type: ignore[attr-defined]
    values = {"booking_id": booking.id, "user_id": booking.user_id, "kind": kind, "starts_at": starts_at,
              "created_at": now}
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover
        statement = insert(table).values(values)
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def enqueue_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue every reminder owed now, once each; returns how many messages."""
    grouped: dict[tuple[int, str], list[outbox.Outgoing]] = defaultdict(list)
    trainings: dict[int, Training] = {}
    for booking, training, user, kind in await _owed(session, now):
        if not await _promise(session, booking, kind, training.starts_at, now):
            continue
        assert training.id is not None and user.telegram_id is not None
        trainings[training.id] = training
        grouped[(training.id, kind)].append(outbox.Outgoing(
            user.telegram_id, [outbox.Part(_text(training, kind, user.locale), _buttons(training, kind, user.locale))],
            user.id))
    queued = 0
    for (training_id, kind), messages in grouped.items():
        training = trainings[training_id]
        campaign, _new = await outbox.create_campaign(
            session, kind="training_reminder", title=f"Rappel {kind} : {training.title_fr}",
            # the start is part of the key: a session moved after its reminder gets a new one
            source_key=f"training:{training_id}:reminder:{kind}:{training.starts_at:%Y%m%d%H%M}")
        queued += await outbox.enqueue(session, campaign, messages)
    return queued


def _text(training: Training, kind: str, locale: str) -> str:
    title, when = _escape(training.title(locale)), format_when(training.starts_at, locale)
    where = _escape(training.place or training.online_url or "")
    if kind == ReminderKind.SOON:
        return t(locale, "⏰ Rappel : « {title} » commence dans 2 heures, {when}.\nOù : {where}",
                 title=title, when=when, where=where)
    if kind == ReminderKind.FEEDBACK:
        return t(locale, "🙏 Merci d'être venu à « {title} » ! Cette formation vous a-t-elle été utile ? Une touche "
                         "suffit.", title=title)
    return t(locale, "📅 Rappel : vous êtes inscrit à « {title} », {when}.\nOù : {where}\nSi vous ne pouvez pas "
             "venir, annulez pour libérer votre place.", title=title, when=when, where=where)


def _buttons(training: Training, kind: str, locale: str) -> dict[str, Any] | None:
    assert training.id is not None
    if kind == ReminderKind.DAY_BEFORE:
        return keyboard([button(t(locale, "✅ Je viens"), ReplyCb(answer="coming", id=training.id)),
                         button(t(locale, "❌ Je ne peux plus venir"), ReplyCb(answer="notcoming", id=training.id))],
                        [button(t(locale, "📅 Fichier agenda"), TrainingCb(action="ics", id=training.id))])
    if kind == ReminderKind.FEEDBACK:
        return keyboard([button(t(locale, "👍 Utile"), ReplyCb(answer="3", id=training.id)),
                         button(t(locale, "😐 Moyen"), ReplyCb(answer="2", id=training.id)),
                         button(t(locale, "👎 Pas utile"), ReplyCb(answer="1", id=training.id))])
    return None


def _escape(text: str) -> str:
    return escape(text, quote=False)


