"""New sessions announced to the volunteers of their networks, through the outbox, in each one's language.

One message per volunteer for everything announced together (an import of the quarter's programme, an
edition of several sessions), listing only the sessions open to their networks, with a Book button each.
Volunteers who switched announcements off (`training_settings.announcements`, on by default) get nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, t
from locales.formatting import format_when
from models.training import Training, TrainingSettings, TrainingStatus
from models.user import User
from services import outbox
from services.callbacks import button, keyboard
from services.callbacks.training import TrainingCb
from services.training import sessions

ONLINE = N_("en ligne")
MAX_LISTED = 10  # one message stays short; the list in the bot has the others


async def wants_announcements(session: AsyncSession, user_id: int) -> bool:
    settings = await session.get(TrainingSettings, user_id)
    return settings is None or settings.announcements


async def set_announcements(session: AsyncSession, user_id: int, on: bool, now: datetime) -> None:
    settings = await session.get(TrainingSettings, user_id)
    if settings is None:
        session.add(TrainingSettings(user_id=user_id, announcements=on, updated_at=now))
    else:
        settings.announcements, settings.updated_at = on, now
    await session.flush()


async def _audience(session: AsyncSession, announced: Sequence[Training]) -> list[User]:
    networks = []
    if any(training.for_climate for training in announced):
        networks.append(col(User.climate_volunteer))
    if any(training.for_solidarity for training in announced):
        networks.append(col(User.solidarity_volunteer))
    if not networks:
        return []
    opted_out = select(TrainingSettings.user_id).where(col(TrainingSettings.announcements).is_(False))
    return list((await session.execute(
        select(User).where(or_(*networks), col(User.signed_up_at).is_not(None), col(User.telegram_id).is_not(None),
                           col(User.blocked_at).is_(None), col(User.erased_at).is_(None),
                           col(User.id).not_in(opted_out))
        .order_by(col(User.id)))).scalars())


def _message(person: User, offered: Sequence[Training]) -> outbox.Part:
    locale = person.locale
    lines = [t(locale, "📚 Nouvelle formation pour vous :") if len(offered) == 1
             else t(locale, "📚 Nouvelles formations pour vous :")]
    rows: list[list[dict[str, Any]]] = []
    for training in offered[:MAX_LISTED]:
        assert training.id is not None
        lines.append(t(locale, "• <b>{title}</b>, {when} — {where}", title=escape(training.title(locale)),
                       when=format_when(training.starts_at, locale),
                       where=escape(training.place or t(locale, ONLINE))))
        label = t(locale, "✅ Réserver : {title}", title=training.title(locale))
        rows.append([button(label[:60], TrainingCb(action="book", id=training.id))])
    if len(offered) > MAX_LISTED:
        lines.append(t(locale, "… et {n} autres dans « Formations ».", n=len(offered) - MAX_LISTED))
    lines.append(t(locale, "Pour ne plus recevoir ces annonces : « Formations » › « 🔕 Annonces »."))
    rows.append([button(t(locale, "📚 Toutes les formations"), TrainingCb(action="list"))])
    return outbox.Part("\n".join(lines), keyboard(*rows))


async def announce(session: AsyncSession, announced: Sequence[Training], now: datetime) -> int:
    """Queue one message per volunteer concerned (idempotent: the same sessions are announced once)."""
    fresh = [training for training in announced
             if training.id is not None and training.status == TrainingStatus.SCHEDULED and training.starts_at > now]
    if not fresh:
        return 0
    ids = ",".join(str(training.id) for training in sorted(fresh, key=lambda found: found.id or 0))
    campaign, new = await outbox.create_campaign(
        session, kind="training_announcement",
        title=f"Annonce : {fresh[0].title_fr}" + (f" (+{len(fresh) - 1})" if len(fresh) > 1 else ""),
        source_key=f"training:announce:{hashlib.sha256(ids.encode()).hexdigest()[:32]}")
    if not new:
        return 0
    messages = []
    for person in await _audience(session, fresh):
        offered = sorted((training for training in fresh if sessions.open_to(training, person)),
                         key=lambda training: training.starts_at)
        if offered and person.telegram_id is not None:
            messages.append(outbox.Outgoing(person.telegram_id, [_message(person, offered)], person.id))
    return await outbox.enqueue(session, campaign, messages)
