"""Reminders 24 hours and 2 hours before a session, queued once each through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import t
from locales.formatting import format_when
from models.training import BookingStatus, Training, TrainingStatus
from services import outbox
from services.training.sessions import people_of

# (kind, how long before the start); the latest window that is open wins, each is sent once.
REMINDERS = (("2h", timedelta(hours=2)), ("24h", timedelta(hours=24)))


def reminder_kind(training: Training, now: datetime) -> str | None:
    """Which reminder is due now: "2h" inside the last two hours, "24h" inside the last day, else None."""
    if training.status != TrainingStatus.SCHEDULED or training.starts_at <= now:
        return None
    for kind, before in REMINDERS:
        if training.starts_at - before <= now:
            return kind
    return None


async def reminders_due(session: AsyncSession, now: datetime) -> list[tuple[Training, str]]:
    """Scheduled sessions whose 24 h or 2 h reminder window is open now."""
    rows = (await session.execute(
        select(Training).where(col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now,
                               col(Training.starts_at) <= now + REMINDERS[-1][1])
        .execution_options(populate_existing=True))).scalars()
    due = []
    for training in rows:
        kind = reminder_kind(training, now)
        if kind is not None:
            due.append((training, kind))
    return due


async def enqueue_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue each due reminder once (its campaign's source_key remembers it, across restarts); returns messages."""
    queued = 0
    for training, kind in await reminders_due(session, now):
        campaign, new = await outbox.create_campaign(
            session, kind="training_reminder", title=f"Rappel {kind} : {training.title_fr}",
            # the start is part of the key: a session moved after its reminder gets a new one
            source_key=f"training:{training.id}:reminder:{kind}:{training.starts_at:%Y%m%d%H%M}")
        if not new:
            continue
        assert training.id is not None
        people = await people_of(session, training.id, (BookingStatus.BOOKED,))
        queued += await outbox.enqueue(session, campaign, [
            outbox.Outgoing(person.telegram_id, [outbox.Part(_reminder_text(training, kind, person.locale))], person.id)
            for person in people if person.telegram_id is not None and person.blocked_at is None])
    return queued


def _reminder_text(training: Training, kind: str, locale: str) -> str:
    where = _escape(training.place) if training.place else _escape(training.online_url or "")
    if kind == "2h":
        text = t(locale, "⏰ Rappel : « {title} » commence dans 2 heures, {when}.\nOù : {where}",
                 title=_escape(training.title(locale)), when=format_when(training.starts_at, locale), where=where)
    else:
        text = t(locale, "📅 Rappel : vous êtes inscrit à « {title} », {when}.\nOù : {where}\nSi vous ne pouvez pas "
                 "venir, annulez pour libérer votre place.",
                 title=_escape(training.title(locale)), when=format_when(training.starts_at, locale), where=where)
    return text


def _escape(text: str) -> str:
    return escape(text, quote=False)
