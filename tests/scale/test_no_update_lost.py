"""No update is lost to a crash, in either mode; a handler that fails is retried, and apologised for once.

Polling: `getUpdates` with a new offset confirms every update below it, and Telegram forgets them. The bot
stores each batch before that call (bot/polling.py), so a SIGKILL loses nothing: after the restart the
stored updates are handled, once. Webhook and polling share the update store's retry rules.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.types import TelegramObject, Update
from pydantic import SecretStr
from sqlmodel import func, select

from bot import metrics
from bot.app import create_app
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.webhook import UpdateProcessor
from emulator import Emulator
from models.inbox import ReceivedUpdate, UpdateStatus
from tests import factories
from tests.scale.processes import BotProcess, bot_env

COMMANDS = ["/menu", "/help", "/privacy", "/kit", "/trainings"]


async def _stored(sessions: Any, status: str | None = None) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(ReceivedUpdate)
        if status is not None:
            query = query.where(ReceivedUpdate.status == status)
        return int((await session.execute(query)).scalar_one())


async def _until(count: Callable[[], Awaitable[int]], at_least: int, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (seen := await count()) < at_least:
        assert loop.time() < deadline, f"{seen} < {at_least} after {seconds} s"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_polling_sigkill_with_five_updates_queued_answers_all_five_once_after_restart(
        emu: Emulator, sqlite_url: str, locale: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    async with sessions.begin() as session:
        await factories.volunteer(session, 4242, locale=locale)
    person = emu.user(4242, "Camille", language_code=locale)
    env = bot_env(sqlite_url, api_url=emu.base_url, token=emu.token)
    first = BotProcess(["run"], env)
    await first.start()
    try:
        await first.expect_output(b"starting (polling")
        # Telegram answers every message with 502 for a while: the bot holds the five updates, replying to none
        emu.fail_next(10_000, 502, methods=["sendMessage"])
        for command in COMMANDS:
            await person.send(command)
        await _until(lambda: _stored(sessions), len(COMMANDS), 20)

        async def pending() -> int:
            return -len(emu.state.updates)

        await _until(pending, 0, 10)  # the next getUpdates moved the offset: Telegram forgot the five
        assert person.transcript == [] or all(not message.from_bot for message in person.transcript)
    finally:
        first.kill()
        await first.process.wait()  # type: ignore[union-attr]
    assert first.process.returncode == -signal.SIGKILL  # type: ignore[union-attr]
    assert await _stored(sessions, UpdateStatus.HANDLING) == len(COMMANDS)

    emu.fail_next(0)
    second = BotProcess(["run"], env)
    await second.start()
    try:
        replies = [await person.expect_message(timeout=30) for _ in COMMANDS]
        await person.expect_no_message(quiet=1.5)  # once each, no more
        await _until(lambda: _stored(sessions, UpdateStatus.HANDLED), len(COMMANDS), 10)
    finally:
        await second.stop()
        await engine.dispose()
    assert len(replies) == len(COMMANDS)
    assert b"failed" not in second.output


class FailingHandler:
    """Stands for a handler bug or a refused write: the update raises its first `times` attempts."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.attempts: dict[int, int] = {}

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        seen = self.attempts[event.update_id] = self.attempts.get(event.update_id, 0) + 1
        if seen <= self.times:
            raise RuntimeError("handler failed")
        return await handler(event, data)


@pytest.mark.parametrize(("locale", "apology"), [("fr", "Désolé"), ("en", "Sorry")])
async def test_webhook_a_failed_handler_is_retried_after_its_lease_and_apologised_for_once(
        emu: Emulator, sqlite_url: str, locale: str, apology: str) -> None:
    settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                        database_url=sqlite_url, update_lease_seconds=0.3, throttle_rate=1000.0)
    app = create_app(settings)
    assert app.bot is not None
    failing = FailingHandler(times=1)
    app.dispatcher.update.outer_middleware(failing)
    processor = UpdateProcessor(app, "worker-1")
    person = emu.user(4343, "Sam", language_code=locale)
    failed_before = metrics.UPDATES.labels("failed")._value.get()
    try:
        await person.send("/help")
        (update,) = await app.bot.get_updates(timeout=1)
        payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        assert await processor.receive(update, payload) == "error"
        assert apology in (await person.expect_message()).text
        async with app.sessions() as session:
            row = await session.get(ReceivedUpdate, update.update_id)
            assert row is not None and row.status == UpdateStatus.HANDLING  # a failure, not "handled"
        assert await processor.recover_once() == 0  # not before its lease ends
        await asyncio.sleep(0.4)
        assert await processor.recover_once() == 1
        help_text = await person.expect_message()
        assert apology not in help_text.text and "/menu" in help_text.text
        await person.expect_no_message(quiet=0.3)

        # a handler that always fails: the user hears the apology once; "failed" after the documented attempts
        failing.times = 99
        await person.send("/help")
        (update,) = await app.bot.get_updates(offset=update.update_id + 1, timeout=1)
        payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        assert await processor.receive(update, payload) == "error"
        for _ in range(3):
            await asyncio.sleep(0.4)
            await processor.recover_once()
        async with app.sessions() as session:
            row = await session.get(ReceivedUpdate, update.update_id)
            assert row is not None and row.status == UpdateStatus.FAILED and row.attempts == 3
        assert failing.attempts[update.update_id] == 3
        assert apology in (await person.expect_message()).text
        await person.expect_no_message(quiet=0.3)
        assert metrics.UPDATES.labels("failed")._value.get() == failed_before + 1
    finally:
        await app.close()
