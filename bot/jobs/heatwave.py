"""Heat-wave alert jobs: keep coordinators' live views current (and final once closed), send due reminders,
escalate (re-ask, widen), poll Météo-France."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

import aiohttp
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import or_
from sqlmodel import col, select

from bot.scheduler import job_context
from models.base import utcnow
from models.heatwave import Alert, AlertStatus
from services import users
from services.callbacks.heatwave import live_markup
from services.heatwave import alerts
from services.heatwave.coverage import alert_coverage, coverage_text
from services.heatwave.escalation import run_escalation
from services.heatwave.vigilance import (
    Vigilance,
    VigilanceFormatError,
    parse_vigilance,
    propose_alert,
    propose_get_ready,
)

log = logging.getLogger(__name__)


class VigilanceSettings(BaseSettings):
    """VIGILANCE_ENABLED, VIGILANCE_URL, VIGILANCE_API_KEY (Météo-France portal key); off by default."""

    model_config = SettingsConfigDict(env_prefix="VIGILANCE_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    enabled: bool = False
    url: str = "https://public-api.meteofrance.fr/public/DPVigilance/v1/cartevigilance/encours"
    api_key: SecretStr | None = None
    timeout_seconds: float = 20.0


async def refresh_live_views() -> int:
    """Edit each open alert's live view when its figures changed; returns how many were edited."""
    app = job_context()
    assert app.bot is not None
    recently = utcnow() - timedelta(days=2)  # a closed alert's view gets its final state once
    async with app.sessions() as session:
        watched = (await session.execute(select(Alert).where(
            or_(col(Alert.status) == AlertStatus.OPEN, col(Alert.closed_at) >= recently),
            col(Alert.live_message_id).is_not(None)))).scalars().all()
        views = []
        for alert in watched:
            assert alert.id is not None
            text = coverage_text(await alert_coverage(session, alert.id), alert.live_locale)
            markup = live_markup(alert.id, alert.status == AlertStatus.OPEN, alert.live_locale,
                                 can_remind=alerts.can_remind(alert))
            digest = hashlib.sha256((text + json.dumps(markup, sort_keys=True)).encode()).hexdigest()
            if digest != alert.live_digest:
                views.append((alert.id, alert.live_chat_id, alert.live_message_id, markup, text, digest))
    edited = 0
    for alert_id, chat_id, message_id, markup, text, digest in views:  # no transaction held while calling Telegram
        try:
            await app.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                            reply_markup=InlineKeyboardMarkup.model_validate(markup))
        except TelegramAPIError as error:
            if "not modified" not in str(error):
                log.warning("live view of alert %s not updated: %s", alert_id, type(error).__name__)
                continue
        async with app.sessions.begin() as session:
            stored = await session.get(Alert, alert_id)
            if stored is not None:
                stored.live_digest = digest
        edited += 1
    return edited


async def send_reminders() -> dict[int, int]:
    """Enqueue the reminders that are due (once per alert: the campaign's source_key guards it)."""
    app = job_context()
    async with app.sessions.begin() as session:
        sent = await alerts.send_due_reminders(session, now=utcnow())
    if sent:
        log.info("alert reminders enqueued: %s", sent)
    return sent


async def escalate(now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Due re-asks and widenings of alerts whose coordinator switched escalation on (`now`: a test's clock)."""
    app = job_context()
    async with app.sessions.begin() as session:
        done = await run_escalation(session, now=now or utcnow())
    if done:
        log.info("alert escalation steps enqueued: %s", done)
    return done


async def fetch_vigilance(settings: VigilanceSettings) -> Vigilance:
    headers = {"accept": "application/json"}
    if settings.api_key is not None:
        headers["apikey"] = settings.api_key.get_secret_value()
    timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(settings.url, headers=headers) as response:
        response.raise_for_status()
        try:
            data = json.loads(await response.text())
        except ValueError as error:
            raise VigilanceFormatError("not JSON") from error
    return parse_vigilance(data)


async def poll_vigilance(settings: VigilanceSettings | None = None) -> int:
    """Propose an alert to coordinators when Paris is orange or red; returns how many were told."""
    settings = settings or VigilanceSettings()
    if not settings.enabled:
        return 0
    try:
        vigilance = await fetch_vigilance(settings)
    except (aiohttp.ClientError, TimeoutError, VigilanceFormatError) as error:
        log.warning("vigilance poll failed: %s %s", type(error).__name__, error)
        return 0
    app = job_context()
    async with app.sessions.begin() as session:
        coordinators = await users.list_coordinators(session, app.settings.coordinator_ids)
        told = await propose_alert(session, vigilance, coordinators)
        told += await propose_get_ready(session, vigilance, coordinators)
    if told:
        log.info("heat-wave alert proposed to %d coordinator(s), level %d", told, vigilance.today)
    return told
