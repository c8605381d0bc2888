"""Inbound updates: many volunteers sign up at once through the emulator; a bare echo bot is the baseline.

Both bots run the same way (aiogram polling the in-process Bot API emulator), so the ratio compares what
our middlewares, database and FSM cost against aiogram itself. Latency is what a user sees: from their
update to the bot's answer. Prints one JSON line.

    python -m benchmarks.updates [--users 300] [--paced-rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiogram import Dispatcher, F
from aiogram.types import CallbackQuery, Message
from aiolimiter import AsyncLimiter
from pydantic import SecretStr

from bot.app import create_app
from bot.config import Settings
from bot.db import upgrade_database
from emulator import Emulator
from emulator.client import TestUser

# (action, argument, what the bot answers with): the French signup, 11 updates per volunteer
SIGNUP: list[tuple[str, str, str]] = [
    ("send", "/start", "message"), ("tap", "🇫🇷 Français", "message"), ("tap", "✅ J'accepte", "message"),
    ("send", "Camille Martin", "message"), ("tap", "18", "message"), ("tap", "Les deux", "message"),
    ("tap", "Arabe", "edit"), ("tap", "Continuer »", "message"), ("tap", "Premiers secours", "edit"),
    ("tap", "Continuer »", "message"), ("tap", "✅ Confirmer", "message"),
]


async def _step(user: TestUser, action: str, argument: str, answer: str) -> float:
    started = time.perf_counter()
    await (user.tap(argument) if action == "tap" else user.send(argument))
    await (user.expect_edit(timeout=30) if answer == "edit" else user.expect_message(timeout=30))
    return time.perf_counter() - started


async def _drive(users: list[TestUser], steps: Callable[[TestUser], list[tuple[str, str, str]]],
                 limiter: AsyncLimiter | None) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def one(user: TestUser) -> None:
        for action, argument, answer in steps(user):
            if limiter is not None:
                await limiter.acquire()
            latencies.append(await _step(user, action, argument, answer))

    started = time.perf_counter()
    await asyncio.gather(*(one(user) for user in users))
    return time.perf_counter() - started, latencies


def _figures(seconds: float, latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"updates": len(latencies), "updates_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


async def _with_bot(start: Callable[[Emulator], Awaitable[tuple[Dispatcher, object, Callable[[], Awaitable[None]]]]],
                    run: Callable[[Emulator], Awaitable[dict[str, float]]]) -> dict[str, float]:
    async with Emulator(default_timeout=30) as emu:
        dispatcher, bot, close = await start(emu)
        polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                               polling_timeout=1))  # type: ignore[arg-type]
        try:
            return await run(emu)
        finally:
            with contextlib.suppress(RuntimeError):
                await dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(polling, 5)
            await close()


async def measure_signup(users: int, paced_rate: float | None, first_id: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        async def start(emu: Emulator) -> tuple[Dispatcher, object, Callable[[], Awaitable[None]]]:
            settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                                database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}",
                                throttle_rate=1000.0)
            app = create_app(settings)
            await upgrade_database(app.engine)
            return app.dispatcher, app.bot, app.close

        async def run(emu: Emulator) -> dict[str, float]:
            people = [emu.user(first_id + index, "Camille", language_code="fr") for index in range(users)]
            limiter = AsyncLimiter(paced_rate, 1) if paced_rate else None
            return _figures(*await _drive(people, lambda _user: SIGNUP, limiter))

        return await _with_bot(start, run)


async def measure_echo(users: int, paced_rate: float | None, first_id: int) -> dict[str, float]:
    async def start(emu: Emulator) -> tuple[Dispatcher, object, Callable[[], Awaitable[None]]]:
        dispatcher = Dispatcher()

        @dispatcher.message(F.text)
        async def echo(message: Message) -> None:
            await message.answer(message.text or "")

        @dispatcher.callback_query()
        async def ack(query: CallbackQuery) -> None:
            await query.answer()

        bot = emu.bot()

        async def close() -> None:
            await bot.session.close()

        return dispatcher, bot, close

    async def run(emu: Emulator) -> dict[str, float]:
        people = [emu.user(first_id + index, "Camille", language_code="fr") for index in range(users)]
        texts = [("send", f"message {step}", "message") for step in range(len(SIGNUP))]
        limiter = AsyncLimiter(paced_rate, 1) if paced_rate else None
        return _figures(*await _drive(people, lambda _user: texts, limiter))

    return await _with_bot(start, run)


async def main(users: int, paced_rate: float) -> dict[str, object]:
    echo = await measure_echo(users, None, 1_000_000)
    signup = await measure_signup(users, None, 2_000_000)
    paced = await measure_signup(max(50, users // 2), paced_rate, 3_000_000)
    return {
        "benchmark": "updates", "volunteers": users, "updates_per_volunteer": len(SIGNUP),
        "signup": signup, "echo_baseline": echo,
        "ratio_to_echo": round(signup["updates_per_s"] / echo["updates_per_s"], 3),
        "paced": {"offered_per_s": paced_rate, **paced},
        "targets": {"ratio_to_echo": ">= 0.5", "paced_p99_ms": "< 100"},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--paced-rate", type=float, default=200.0)
    options = parser.parse_args()
    print(json.dumps(asyncio.run(main(options.users, options.paced_rate))))
