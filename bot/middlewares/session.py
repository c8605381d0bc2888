"""One database session per update, committed before the bot speaks and at the end of the update."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import Handler

_current_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


def current_session() -> AsyncSession | None:
    """The session of the update being handled in this task, if any."""
    return _current_session.get()


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._sessions() as session:
            token = _current_session.set(session)
            data["session"] = session
            try:
                result = await handler(event, data)
                await session.commit()
                return result
            finally:
                _current_session.reset(token)


class CommitBeforeSend(BaseRequestMiddleware):
    """Commit the update's transaction before any Bot API call.

    Two reasons: the user is never told something that could still roll back, and no database
    transaction (on SQLite, the write lock) is held across a network round trip to Telegram.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = _current_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)
