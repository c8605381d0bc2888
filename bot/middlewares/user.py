"""Load (or create) the person behind each update and say whether they are a coordinator."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.middlewares import Handler
from services import users


class UserMiddleware(BaseMiddleware):
    def __init__(self, root_coordinator_ids: frozenset[int]):
        self._root_ids = root_coordinator_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TelegramUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        session = data["session"]
        user = await users.get_or_create_user(session, tg_user.id, tg_user.language_code)
        if user.blocked_at is not None and isinstance(event, Update) and event.my_chat_member is None:
            # Writing to the bot again means they unblocked it (Bots FAQ: 403 until the user writes).
            await users.set_reachable(session, tg_user.id, True)
        data["user"] = user
        data["is_coordinator"] = users.is_coordinator(user, self._root_ids)
        data["root_coordinator_ids"] = self._root_ids
        return await handler(event, data)
