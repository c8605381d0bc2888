"""The live progress message of a campaign: edited every few seconds from the outbox, then a final report."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from locales import t
from models.base import utcnow
from models.outbox import Campaign, CampaignStatus
from models.user import User
from services.callbacks import button, keyboard
from services.callbacks.delivery import CampaignCb
from services.outbox import Progress, campaign_progress

log = logging.getLogger(__name__)


def _bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else width
    return "▰" * filled + "▱" * (width - filled)


def render_progress(locale: str, title: str, progress: Progress) -> str:
    """The text of the live message, in the coordinator's language."""
    if progress.status == CampaignStatus.PAUSED:
        state = t(locale, "⏸ En pause")
    elif progress.status == CampaignStatus.CANCELLED:
        state = t(locale, "✖ Annulée")
    elif progress.finished:
        state = t(locale, "✅ Terminée")
    else:
        state = t(locale, "📤 Envoi en cours")
    left = progress.seconds_left
    lines = [
        f"<b>{title}</b> — {state}",
        f"{_bar(progress.done, progress.total)} {progress.sent} / {progress.total}",
        t(locale, "Envoyés : {sent} · Injoignables : {unreachable} · Échecs : {failed}",
          sent=progress.sent, unreachable=progress.unreachable, failed=progress.failed),
    ]
    if progress.cancelled:
        lines.append(t(locale, "Annulés : {n}", n=progress.cancelled))
    if not progress.finished:
        rate = f"{progress.rate:.1f}"
        lines.append(t(locale, "Débit : {rate} msg/s · Reste : {left}", rate=rate,
                       left=t(locale, "{s} s", s=round(left)) if left is not None else "…"))
    return "\n".join(lines)


def progress_keyboard(locale: str, campaign_id: int, progress: Progress) -> dict[str, Any] | None:
    """Pause or resume, and cancel, while the campaign runs (handled in handlers/delivery.py)."""
    if progress.finished or progress.status == CampaignStatus.CANCELLED:
        return None
    if progress.status == CampaignStatus.PAUSED:
        toggle = button(t(locale, "▶️ Reprendre"), CampaignCb(action="resume", campaign_id=campaign_id))
    else:
        toggle = button(t(locale, "⏸ Pause"), CampaignCb(action="pause", campaign_id=campaign_id))
    cancel = button(t(locale, "✖ Annuler l'envoi"), CampaignCb(action="cancel", campaign_id=campaign_id))
    return keyboard([toggle, cancel])


def render_report(locale: str, title: str, progress: Progress) -> str:
    return "\n".join([
        t(locale, "<b>Rapport : {title}</b>", title=title),
        t(locale, "Destinataires : {n}", n=progress.total),
        t(locale, "Reçu : {n}", n=progress.sent),
        t(locale, "Injoignables (bot bloqué) : {n}", n=progress.unreachable),
        t(locale, "Échecs : {n}", n=progress.failed),
        t(locale, "Annulés : {n}", n=progress.cancelled),
    ])


class ProgressReporter:
    """Edits each campaign's progress message every `interval` seconds; posts the report when done."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], *, interval: float = 3.0) -> None:
        self.bot = bot
        self.sessions = sessions
        self.interval = interval
        self._shown: dict[int, str] = {}

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("progress reporter: tick failed")
            await asyncio.sleep(self.interval)

    async def tick(self) -> None:
        async with self.sessions() as session:
            rows = (await session.execute(
                select(Campaign, col(User.locale))
                .outerjoin(User, col(User.id) == col(Campaign.created_by))
                .where(col(Campaign.progress_message_id).is_not(None), col(Campaign.report_sent_at).is_(None))
            )).all()
            todo = [(campaign, locale or "fr", await campaign_progress(session, campaign.id or 0)) for campaign, locale
                    in rows]
        for campaign, locale, progress in todo:
            await self._show(campaign, locale, progress)

    async def _show(self, campaign: Campaign, locale: str, progress: Progress) -> None:
        assert campaign.id is not None and campaign.report_chat_id is not None
        text = render_progress(locale, campaign.title, progress)
        if self._shown.get(campaign.id) != text:
            from aiogram.types import InlineKeyboardMarkup

            markup = progress_keyboard(locale, campaign.id, progress)
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=campaign.report_chat_id, message_id=campaign.progress_message_id,
                    reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)
                self._shown[campaign.id] = text
            except TelegramRetryAfter:
                return
            except TelegramAPIError as error:  # message deleted, not modified…: the report still goes out
                log.info("progress message of campaign %s not edited: %s", campaign.id, error.message)
                self._shown[campaign.id] = text
        finished = progress.finished or (progress.status == CampaignStatus.CANCELLED and progress.pending == 0)
        if not finished:
            return
        async with self.sessions.begin() as session:
            claimed = (await session.execute(
                update(Campaign).where(col(Campaign.id) == campaign.id, col(Campaign.report_sent_at).is_(None))
                .values(report_sent_at=utcnow()).execution_options(synchronize_session=False)))
        if claimed.rowcount:  # type: ignore[attr-defined]
            with contextlib.suppress(TelegramAPIError):
                await self.bot.send_message(campaign.report_chat_id, render_report(locale, campaign.title, progress))
            self._shown.pop(campaign.id, None)
