"""One budget, two lanes: replies go before mass sends, in one process and across processes (Redis);
every Bot API call survives 429s, 5xx and network faults (ReliableCalls)."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from bot import metrics
from bot.delivery.limits import INTERACTIVE, MASS, LocalRateLimiter, RateLimiter
from bot.delivery.shared_limits import RedisRateLimiter
from tests.harness import BotHarness
from tests.scale.conftest import REDIS_URL

RATE = 20.0


async def _grant_order(limiters: list[RateLimiter]) -> list[str]:
    """40 mass sends queue up first, then 5 replies arrive: in which order are they served?"""
    order: list[str] = []

    async def take(limiter: RateLimiter, lane: str) -> None:
        await limiter.acquire(lane)
        order.append(lane)

    mass = [asyncio.create_task(take(limiters[index % len(limiters)], MASS)) for index in range(40)]
    await asyncio.sleep(0.3)  # a few mass sends are out; the rest wait
    replies = [asyncio.create_task(take(limiters[index % len(limiters)], INTERACTIVE)) for index in range(5)]
    await asyncio.gather(*mass, *replies)
    return order


def _replies_served_within(order: list[str], slots: int) -> bool:
    """Every reply was served within `slots` grants of the first grant after the replies arrived."""
    first_reply = order.index(INTERACTIVE)
    last_reply = len(order) - 1 - order[::-1].index(INTERACTIVE)
    return last_reply - first_reply < 5 + slots


async def test_in_process_replies_go_first_and_the_rate_holds() -> None:
    limiter = LocalRateLimiter(RATE)
    started = time.monotonic()
    order = await _grant_order([limiter])
    elapsed = time.monotonic() - started
    assert _replies_served_within(order, 0)  # no mass send between the replies
    assert order.index(INTERACTIVE) <= 10  # and they did not wait for the 30 mass sends queued before them
    assert elapsed >= (45 - RATE) / RATE  # 45 grants at 20/s: the budget is one


async def test_across_processes_replies_go_first_within_the_redis_horizon(redis_prefix: str) -> None:
    # two "processes" (two limiters, two connections) share one budget in Redis
    first = RedisRateLimiter(Redis.from_url(REDIS_URL), RATE, prefix=redis_prefix)
    second = RedisRateLimiter(Redis.from_url(REDIS_URL), RATE, prefix=redis_prefix)
    try:
        started = time.monotonic()
        order = await _grant_order([first, second])
        elapsed = time.monotonic() - started
        assert order.index(INTERACTIVE) <= 12
        assert _replies_served_within(order, 2 * 3)  # at most the mass sends already reserved (horizon)
        assert elapsed >= (45 - RATE) / RATE * 0.95
        # a 429 heard by one process pauses the other
        await first.pause(0.5)
        paused = time.monotonic()
        await second.acquire(INTERACTIVE)
        assert time.monotonic() - paused >= 0.45
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize(("locale", "language", "notice"),
                         [("fr", "🇫🇷 Français", "Ce que nous gardons"), ("en", "🇬🇧 English", "What we keep")])
async def test_a_reply_survives_5xx_and_flood_control_and_a_callback_is_answered_late(
        harness: BotHarness, locale: str, language: str, notice: str) -> None:
    person = harness.user(5151, "Camille", locale)
    harness.emu.fail_next(2, 502, methods=["sendMessage"])
    await person.send("/start")
    assert (await person.expect_message(timeout=10)).button_labels[0] == language  # two 502s, then the reply
    # flood control: 1 message/s for the whole bot, 429 with retry_after=1 beyond
    waits_before = metrics.FLOOD_WAITS.labels(INTERACTIVE)._value.get()
    harness.emu.set_rate_limit(1, retry_after=1)
    harness.emu.fail_next(2, 500, methods=["answerCallbackQuery"])
    await person.tap(language)
    await person.expect_callback_answer(timeout=10)  # two 500s: answered late rather than never
    await person.send("bonjour")  # typed where a button is expected: the question again, not silence
    await person.send("bonjour")
    replies = [await person.expect_message(timeout=10) for _ in range(3)]
    assert notice in replies[0].visible_text
    assert harness.emu.stats.too_many_requests > 0  # the limit was met…
    assert metrics.FLOOD_WAITS.labels(INTERACTIVE)._value.get() > waits_before  # …waited out, retried
