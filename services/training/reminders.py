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
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exists
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

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
_BATCH = 500  # promises per INSERT (SQLite binds at most 32,766 values per statement)


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


@dataclass(frozen=True)
class _Owed:
    booking_id: int
    user_id: int
    telegram_id: int
    locale: str
    training: Training
    kind: str


def _not_reminded(kind: str) -> Any:
    return ~exists().where(col(TrainingReminder.booking_id) == col(Booking.id), col(TrainingReminder.kind) == kind,
                           col(TrainingReminder.starts_at) == col(Training.starts_at))


async def _owed(session: AsyncSession, now: datetime) -> list[_Owed]:
    """Bookings owed a reminder now and not given it yet for this start: found by SQL (NOT EXISTS on the
    promise's UNIQUE index), so an idle tick reads nothing but the index."""
    reachable = (col(User.telegram_id).is_not(None), col(User.blocked_at).is_(None), col(User.erased_at).is_(None))
    windows = (
        (ReminderKind.SOON, col(Training.starts_at) > now, col(Training.starts_at) <= now + SOON,
         col(Booking.status) == BookingStatus.BOOKED, col(Training.status) == TrainingStatus.SCHEDULED),
        (ReminderKind.DAY_BEFORE, col(Training.starts_at) > now + DAY_BEFORE_UNTIL,
         col(Training.starts_at) <= now + DAY_BEFORE, col(Booking.status) == BookingStatus.BOOKED,
         col(Training.status) == TrainingStatus.SCHEDULED),
        # feedback: the session ended (in the last three days) and a coordinator marked them present
        (ReminderKind.FEEDBACK, col(Training.starts_at) > now - FEEDBACK_FOR, col(Training.starts_at) <= now,
         col(Booking.attended).is_(True), col(Booking.rating).is_(None),
         col(Training.status) == TrainingStatus.SCHEDULED),
    )
    owed: list[_Owed] = []
    for kind, *conditions in windows:
        rows = (await session.execute(
            sa.select(col(Booking.id), col(Booking.user_id), col(User.telegram_id), col(User.locale), Training)
            .join(Training, col(Training.id) == col(Booking.training_id))
            .join(User, col(User.id) == col(Booking.user_id))
            .where(*conditions, *reachable, _not_reminded(kind)).order_by(col(Booking.id)))).all()
        owed += [_Owed(booking_id or 0, user_id, telegram_id or 0, locale, training, kind)
                 for booking_id, user_id, telegram_id, locale, training in rows
                 if kind != ReminderKind.FEEDBACK or training.ends_at <= now]
    return owed


async def _promise(session: AsyncSession, owed: list[_Owed], now: datetime) -> set[tuple[int, str]]:
    """Record "reminded" for each; returns the (booking, kind) pairs recorded now. A pair recorded already
    (another run got there first) is left out: the UNIQUE constraint decides."""
    dialect = session.get_bind().dialect.name
    table: Any = TrainingReminder.__table__  # type: ignore[attr-defined]
    recorded: set[tuple[int, str]] = set()
    for start in range(0, len(owed), _BATCH):
        values = [{"booking_id": item.booking_id, "user_id": item.user_id, "kind": item.kind,
                   "starts_at": item.training.starts_at, "created_at": now} for item in owed[start:start + _BATCH]]
        insert_into: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        statement = insert_into.values(values).on_conflict_do_nothing().returning(table.c.booking_id, table.c.kind)
        recorded |= {(booking_id, kind) for booking_id, kind in (await session.execute(statement)).all()}
    return recorded


async def enqueue_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue every reminder owed now, once each; returns how many messages."""
    owed = await _owed(session, now)
    recorded = await _promise(session, owed, now) if owed else set()
    grouped: dict[tuple[int, str], list[outbox.Outgoing]] = defaultdict(list)
    trainings: dict[int, Training] = {}
    parts: dict[tuple[int, str, str], outbox.Part] = {}  # one rendering per session, reminder and language
    for item in owed:
        if (item.booking_id, item.kind) not in recorded:
            continue
        training = item.training
        assert training.id is not None
        trainings[training.id] = training
        key = (training.id, item.kind, item.locale)
        if key not in parts:
            parts[key] = outbox.Part(_text(training, item.kind, item.locale),
                                     _buttons(training, item.kind, item.locale))
        grouped[(training.id, item.kind)].append(outbox.Outgoing(item.telegram_id, [parts[key]], item.user_id))
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


