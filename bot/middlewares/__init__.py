"""Middlewares: outer ones on every update (throttling, session, user, i18n), then on messages and taps the
refusals (bot/middlewares/refusals.py), and the guards each router puts on its handlers (roles.py)."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject

# What a middleware wraps: the next middleware or the handler.
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
