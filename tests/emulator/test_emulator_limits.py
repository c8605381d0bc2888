"""Flood limits, latency, injected faults and statistics."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from emulator import Emulator


async def _burst(bot: Bot, chat_ids: list[int], **kwargs: object) -> tuple[int, int]:
    """Send one message per chat id concurrently; returns (accepted, 429s)."""
    results = await asyncio.gather(
        *(bot.send_message(chat_id, "x", **kwargs) for chat_id in chat_ids),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    limited = sum(isinstance(r, TelegramRetryAfter) for r in results)
    other = [r for r in results if isinstance(r, Exception) and not isinstance(r, TelegramRetryAfter)]
    assert not other, other
    return len(results) - limited, limited


async def test_rate_limit_above_and_below(emu: Emulator, bot: Bot) -> None:
    ids = list(range(2000, 2060))
    for user_id in ids:
        emu.user(user_id)
    emu.set_rate_limit(30)
    accepted, limited = await _burst(bot, ids[:30])
    assert (accepted, limited) == (30, 0)
    accepted, limited = await _burst(bot, ids[30:])
    assert (accepted, limited) == (0, 30)
    assert emu.stats.too_many_requests == 30


async def test_sliding_window_admits_again_after_a_second(emu: Emulator, bot: Bot) -> None:
    emu.user(1001)
    emu.set_rate_limit(10)
    emu.state.limits._global.stamps.extend([time.monotonic() - 0.999] * 10)  # type: ignore[union-attr]
    await asyncio.sleep(0.01)
    await bot.send_message(1001, "the window slid")


async def test_per_chat_limit_with_burst(emu: Emulator, bot: Bot) -> None:
    emu.user(1001)
    emu.user(1002)
    emu.set_rate_limit(None, retry_after=2, per_chat=1, per_chat_burst=3)
    for _ in range(3):
        await bot.send_message(1001, "burst")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(1001, "too fast")
    assert info.value.retry_after == 2
    await bot.send_message(1002, "another chat is fine")


async def test_paid_broadcast_has_its_own_rate(emu: Emulator, bot: Bot) -> None:
    ids = list(range(3000, 3100))
    for user_id in ids:
        emu.user(user_id)
    emu.set_rate_limit(30)
    emu.set_paid_rate(80)
    accepted, limited = await _burst(bot, ids, allow_paid_broadcast=True)
    assert (accepted, limited) == (80, 20)


async def test_latency_is_added_to_every_call(emu: Emulator, bot: Bot) -> None:
    emu.set_latency(0.05)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.05


async def test_ambiguous_send_is_delivered_but_answered_late(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    emu.timeout_next(1, delay=1.0)
    with pytest.raises(Exception) as info:
        await bot.send_message(user.id, "did it arrive?", request_timeout=0.2)
    assert "timeout" in type(info.value).__name__.lower() or "timeout" in str(info.value).lower()
    assert (await user.expect_message()).visible_text == "did it arrive?"
    assert emu.stats.timeouts == 1 and emu.stats.delivered_per_chat[user.id] == 1


async def test_random_failures_and_stats(emu: Emulator, bot: Bot) -> None:
    emu.user(1001)
    emu.state.faults.rng.seed(1)
    emu.fail_randomly(0.5, status=500)
    outcomes = await asyncio.gather(*(bot.send_message(1001, "x") for _ in range(40)), return_exceptions=True)
    failures = sum(isinstance(o, Exception) for o in outcomes)
    assert 5 < failures < 35
    stats = emu.stats
    assert stats.server_errors == failures and stats.delivered == 40 - failures
    assert stats.total_requests == 40 and stats.by_method["sendMessage"] == 40
    assert len(stats.send_timestamps) == stats.delivered
    emu.reset_stats()
    assert emu.stats.total_requests == 0
