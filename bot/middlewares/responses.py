"""Keep aiogram's parsed-response models alive between calls."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class KeepResponseModels(BaseRequestMiddleware):
    """aiogram parses each answer as `Response[T]`; pydantic caches such generic classes only weakly, so
    without a live reference every call rebuilds the class (measured ~9 ms each). Hold one per T."""

    def __init__(self) -> None:
        self._models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
