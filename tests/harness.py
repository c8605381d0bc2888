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
from emulator import Emulator
from emulator.client import TestUser

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

    @property
    def app(self) -> App:
        assert self._app is not None, "bot not started"
        return self._app

    async def start(self) -> None:
        self._app = create_app(self.settings)
        assert self._app.bot is not None
        self._polling = asyncio.create_task(self._app.dispatcher.start_polling(
            self._app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1,
            allowed_updates=self._app.dispatcher.resolve_used_update_types()))

    async def stop(self) -> None:
        if self._app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self._app.dispatcher.stop_polling()
        if self._polling is not None:
            try:
                await asyncio.wait_for(self._polling, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._polling.cancel()
        await self._app.close()
        self._app = None

    async def restart(self) -> None:
        """Stop everything and start a new bot on the same database, as after a crash or deploy."""
        await self.stop()
        await self.start()

    def user(self, user_id: int, first_name: str = "Camille", language_code: str | None = "fr") -> TestUser:
        return self.emu.user(user_id, first_name, language_code=language_code)

    def coordinator(self, language_code: str = "fr") -> TestUser:
        return self.emu.user(COORDINATOR_ID, "Coordination", language_code=language_code)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.app.sessions() as session:
            yield session
