"""The bot's one send budget in this process: the replies' middleware and the outbox sender take it together.

Telegram's ~30 messages/s is per bot, so every message any part of this process sends comes out of the
same `RateLimiter`: in-process (`LocalRateLimiter`) by default, in Redis (`RedisRateLimiter`) when
REDIS_URL is set, so that every process of the bot shares it and hears of every 429 pause.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from bot.delivery.limits import LocalRateLimiter, RateLimiter

# One budget per event loop and configuration (tests run many loops in one process).
_budgets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], RateLimiter]] = (
    weakref.WeakKeyDictionary())


def send_budget(settings: Any) -> RateLimiter:
    """The budget for `settings` (bot_send_rate, redis_url, redis_key_prefix), shared within this loop."""
    key = (settings.bot_send_rate, settings.redis_url, settings.redis_key_prefix)
    budgets = _budgets.setdefault(asyncio.get_running_loop(), {})
    if key not in budgets:
        if settings.redis_url:
            from bot.delivery.shared_limits import RedisRateLimiter

            budgets[key] = RedisRateLimiter.from_url(settings.redis_url, settings.bot_send_rate,
                                                     prefix=f"{settings.redis_key_prefix}:send")
        else:
            budgets[key] = LocalRateLimiter(settings.bot_send_rate)
    return budgets[key]


async def close_budgets() -> None:
    """Close this loop's shared budgets (their Redis connections); the next caller gets fresh ones."""
    for budget in _budgets.pop(asyncio.get_running_loop(), {}).values():
        close = getattr(budget, "close", None)
        if close is not None:
            await close()
