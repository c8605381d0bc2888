"""The real bot, polling the Bot API emulator, on a test database: what every end-to-end story runs on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, create_app
from bot.config import Settings
from bot.delivery import Sender, create_sender
from bot.delivery.budget import close_budgets
from bot.delivery.progress import ProgressReporter
from bot.polling import StoredPolling, poll_until_stopped
from emulator import Emulator
from emulator.client import TestUser
from services.outbox import outstanding_count

COORDINATOR_ID = 900_001


class BotHarness:
    """Start, stop and restart the bot process-in-a-task; act as users through the emulator."""

    def __init__(self, emu: Emulator, database_url: str, **settings: Any) -> None:
        self.emu = emu
        settings.setdefault("coordinator_ids", frozenset({COORDINATOR_ID}))
        settings.setdefault("throttle_rate", 1000.0)
        self.settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                                 database_url=database_url, **settings)
        self._app: App | None = None
        self._polling: asyncio.Task[None] | None = None
        self.polling: StoredPolling | None = None
        self.sender: Sender | None = None
        self._sender_task: asyncio.Task[None] | None = None
        self._reporter_task: asyncio.Task[None] | None = None
        self.progress_interval = 0.3  # the live progress message is edited every 3 s in production
        # short retry backoff and request timeout so that fault stories run in well under a second
        self.sender_options: dict[str, Any] = {"poll_interval": 0.2, "backoff_base": 0.1, "request_timeout": 2}

    @property
    def app(self) -> App:
        assert self._app is not None, "bot not started"
        return self._app

    async def start(self) -> None:
        self._app = create_app(self.settings)
        assert self._app.bot is not None
        # polled as `volunteer-bot run` polls: each update stored before its offset is confirmed
        self.polling = StoredPolling(self._app, timeout=1)
        self._polling = asyncio.create_task(poll_until_stopped(self._app, self.polling), name="polling")
        self.sender = create_sender(self._app.sessions, self.settings, **self.sender_options)
        self._sender_task = asyncio.create_task(self.sender.run(), name="sender")
        reporter = ProgressReporter(self._app.bot, self._app.sessions, interval=self.progress_interval)
        self._reporter_task = asyncio.create_task(reporter.run(), name="progress")

    async def stop(self) -> None:
        if self._app is None:
            return
        if self.polling is not None:
            self.polling.stop()
        if self._polling is not None:
            try:
                await asyncio.wait_for(self._polling, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._polling.cancel()
        if self._reporter_task is not None:
            self._reporter_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reporter_task
            self._reporter_task = None
        if self._sender_task is not None:
            self._sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
            self._sender_task = None
        await close_budgets()
        await self._app.close()
        self._app = None

    async def restart(self) -> None:
        """Stop everything and start a new bot on the same database, as after a crash or deploy."""
        await self.stop()
        await self.start()

    async def drain_outbox(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """Wait until the sender has sent (or given up on) every row of the running campaigns."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            async with self.session() as session:
                left = await outstanding_count(session)
            if left == 0 and (self.sender is None or self.sender.in_flight == 0):
                return
            if loop.time() > deadline:
                raise AssertionError(f"outbox not drained after {timeout}s: {left} rows left")
            await asyncio.sleep(0.05)

    def user(self, user_id: int, first_name: str = "Camille", language_code: str | None = "fr") -> TestUser:
        return self.emu.user(user_id, first_name, language_code=language_code)

    def coordinator(self, language_code: str = "fr") -> TestUser:
        return self.emu.user(COORDINATOR_ID, "Coordination", language_code=language_code)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.app.sessions() as session:
            yield session
