"""The coordinator check, run on every coordinator handler and callback, not only when a menu is drawn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _


class CoordinatorOnly(BaseMiddleware):
    """Inner middleware: refuses politely when the matched handler is for coordinators only."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if data.get("is_coordinator"):
            return await handler(event, data)
        text = _("Cette action est réservée aux coordinateurs.")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
        return None
