"""Inbound updates: many volunteers sign up at once through the emulator; a bare echo bot is the baseline.

Two processes on two cores, so the measured bot has a core to itself: the *crowd* (the Bot API emulator
and the simulated volunteers, who each wait for the bot's answer before their next step) and the *bot*
(ours on a fresh SQLite file, or a bare aiogram echo bot, polling the crowd's emulator). Latency is what
a volunteer sees: from their update to the bot's answer. Prints one JSON line.

    python -m benchmarks.updates [--users 300] [--paced-rate 200]
    BENCH_PROFILE=bot.prof python -m benchmarks.updates   # also profiles the bot (cProfile)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from aiolimiter import AsyncLimiter

from emulator import Emulator
from emulator.client import TestUser

# (action, argument, what the bot answers with): the French signup, 11 updates per volunteer
SIGNUP: list[tuple[str, str, str]] = [
    ("send", "/start", "message"), ("tap", "🇫🇷 Français", "message"), ("tap", "✅ J'accepte", "message"),
    ("send", "Camille Martin", "message"), ("tap", "18", "message"), ("tap", "Les deux", "message"),
    ("tap", "Arabe", "edit"), ("tap", "Continuer »", "message"), ("tap", "Premiers secours", "edit"),
    ("tap", "Continuer »", "message"), ("tap", "✅ Confirmer", "message"),
]
ECHO = [("send", f"message {step}", "message") for step in range(len(SIGNUP))]
FIRST_CONTACT = [("send", "/start", "message")]
SCRIPTS = {"signup": SIGNUP, "echo": ECHO, "start": FIRST_CONTACT}
TOKEN = "123:BENCH"


def _pin(core: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        if (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {core})


# -- the crowd: emulator + volunteers ------------------------------------------------------------------

async def _step(user: TestUser, action: str, argument: str, answer: str) -> float:
    started = time.perf_counter()
    await (user.tap(argument) if action == "tap" else user.send(argument))
    await (user.expect_edit(timeout=60) if answer == "edit" else user.expect_message(timeout=60))
    return time.perf_counter() - started


async def crowd(port_file: Path, users: int, script: str, paced_rate: float | None,
                wave: int | None = None) -> dict[str, float]:
    steps = SCRIPTS[script]
    async with Emulator(TOKEN, default_timeout=60) as emu:
        port_file.write_text(str(emu.port))  # noqa: ASYNC240 (once, before the clock starts)
        # the clock starts once the bot polls (a request is no emulator state change: poll the counter)
        async with asyncio.timeout(120):
            while not any(method.lower() == "getupdates" for method in emu.stats.by_method):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        people = [emu.user(1_000_000 + index, "Camille", language_code="fr") for index in range(users)]
        # one update every 1/rate seconds: a steady offered load, not bursts of `rate` at once
        limiter = AsyncLimiter(1, 1 / paced_rate) if paced_rate else None
        latencies: list[float] = []

        async def one(user: TestUser) -> None:
            for action, argument, answer in steps:
                if limiter is not None:
                    await limiter.acquire()
                latencies.append(await _step(user, action, argument, answer))

        progress_file(port_file).write_text("0")  # the clock starts: the bot's CPU time is read from here
        started = time.perf_counter()
        # waves keep the crowd itself fast: every waiting volunteer is woken on each bot message
        size = wave or len(people)
        for first in range(0, len(people), size):
            await asyncio.gather(*(one(user) for user in people[first:first + size]))
            progress_file(port_file).write_text(str(first + size))  # between waves
        seconds = time.perf_counter() - started
        calls = sum(count for method, count in emu.stats.by_method.items() if method.lower() != "getupdates")
    cuts = statistics.quantiles(latencies, n=100)
    return {"updates": len(latencies), "updates_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1),
            "bot_api_calls_per_update": round(calls / len(latencies), 2)}


def progress_file(port_file: Path) -> Path:
    """Where the crowd writes how many volunteers are done, after each wave."""
    return port_file.with_name("progress")


# -- the bots ------------------------------------------------------------------------------------------

async def run_bot(kind: str, api_url: str, database: Path) -> None:
    if kind == "echo":
        from aiogram import Bot, Dispatcher, F
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer
        from aiogram.types import Message

        dispatcher = Dispatcher()

        @dispatcher.message(F.text)
        async def echo(message: Message) -> None:
            await message.answer(message.text or "")

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
        await dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        return
    from pydantic import SecretStr

    from bot.app import create_app, freeze_startup_objects
    from bot.config import Settings
    from bot.db import upgrade_database
    from bot.polling import StoredPolling, poll_until_stopped
    from bot.runner import UPDATE_CONCURRENCY

    settings = Settings(_env_file=None, bot_token=SecretStr(TOKEN), bot_api_url=api_url,
                        database_url=f"sqlite+aiosqlite:///{database}", throttle_rate=1000.0,
                        bot_send_rate=1000.0)  # the crowd's emulator has no send limit: measure the handlers
    app = create_app(settings)
    freeze_startup_objects()
    assert app.bot is not None
    await upgrade_database(app.engine)
    await poll_until_stopped(app, StoredPolling(app, timeout=1, concurrency=UPDATE_CONCURRENCY))


# -- the run -------------------------------------------------------------------------------------------

def measure(kind: str, users: int, paced_rate: float | None, script: str | None = None,
            on_bot_idle: Callable[[int], None] | None = None,
            on_done: Callable[[int], None] | None = None, wave: int | None = None,
            on_wave: Callable[[int, int], None] | None = None) -> dict[str, float]:
    """Run one crowd against one bot; the callbacks get the bot's pid before and after the crowd, and
    after each wave with the number of volunteers done."""
    script = script or ("echo" if kind == "echo" else "signup")
    with tempfile.TemporaryDirectory() as scratch:
        port_file = Path(scratch) / "port"
        me = [sys.executable, "-m", "benchmarks.updates"]
        crowd_process = subprocess.Popen([*me, "--role", "crowd", "--port-file", str(port_file), "--users",
                                          str(users), "--script", script,
                                          *(["--paced-rate", str(paced_rate)] if paced_rate else []),
                                          *(["--wave", str(wave)] if wave else [])],
                                         stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or crowd_process.poll() is not None:
                raise RuntimeError("the crowd did not start")
            time.sleep(0.05)
        bot_process = subprocess.Popen([*me, "--role", "bot", "--bot", kind, "--api-url",
                                        f"http://127.0.0.1:{port_file.read_text()}",
                                        "--database", str(Path(scratch) / "bench.db")])
        try:
            if on_bot_idle is not None:
                time.sleep(3)  # started and polling, no user yet
                on_bot_idle(bot_process.pid)
            seen, cpu_at_start = "", 0.0
            while crowd_process.poll() is None:
                done = progress_file(port_file).read_text() if progress_file(port_file).exists() else ""
                if done and done != seen:
                    seen = done
                    if done == "0":
                        cpu_at_start = _cpu_seconds(bot_process.pid)
                    elif on_wave is not None:
                        on_wave(bot_process.pid, int(done))
                time.sleep(0.02)
            cpu_used = _cpu_seconds(bot_process.pid) - cpu_at_start
            output, _ = crowd_process.communicate(timeout=900)
            if on_done is not None:
                on_done(bot_process.pid)
        finally:
            bot_process.terminate()  # SIGTERM: a profiled bot writes its profile (BENCH_PROFILE)
            try:
                bot_process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot_process.kill()
                bot_process.wait()
        figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
        # CPU time per update: what an update costs the bot whatever the machine's other load
        figures["bot_cpu_ms_per_update"] = round(cpu_used * 1000 / figures["updates"], 2)
        return figures


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def main(users: int, paced_rate: float) -> dict[str, object]:
    echo = measure("echo", users, None)
    signup = measure("signup", users, None)
    paced = measure("signup", max(50, users // 2), paced_rate)
    return {
        "benchmark": "updates", "volunteers": users, "updates_per_volunteer": len(SIGNUP),
        "signup": signup, "echo_baseline": echo,
        "ratio_to_echo": round(signup["updates_per_s"] / echo["updates_per_s"], 3),
        "cpu_ratio_to_echo": round(echo["bot_cpu_ms_per_update"] / signup["bot_cpu_ms_per_update"], 3),
        "paced": {"offered_per_s": paced_rate, **paced},
        "targets": {"ratio_to_echo": ">= 0.5", "paced_p99_ms": "< 100"},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--paced-rate", type=float, default=None, help="updates/s offered (default 200)")
    parser.add_argument("--role", choices=["main", "crowd", "bot"], default="main")
    parser.add_argument("--wave", type=int, default=None, help="volunteers at a time (crowd)")
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="signup")
    parser.add_argument("--bot", choices=["signup", "echo"], default="signup")
    parser.add_argument("--api-url")
    parser.add_argument("--database", type=Path)
    options = parser.parse_args()
    if options.role == "crowd":
        _pin(0)
        print(json.dumps(asyncio.run(crowd(options.port_file, options.users, options.script, options.paced_rate,
                                           options.wave))))
    elif options.role == "bot":
        _pin(1)
        if profile := os.environ.get("BENCH_PROFILE"):  # where the bot's time goes: cProfile, dumped on SIGTERM
            import cProfile
            import signal

            profiler = cProfile.Profile()

            def dump(*_: object) -> None:
                profiler.disable()
                profiler.dump_stats(profile)
                os._exit(0)

            signal.signal(signal.SIGTERM, dump)
            profiler.enable()
        if snapshot := os.environ.get("BENCH_TRACEMALLOC"):  # what the bot holds: allocation sites, on SIGTERM
            import gc
            import signal
            import tracemalloc

            # from SIGUSR1 on (benchmarks/memory.py sends it after the first wave: growth, not warm-up)
            signal.signal(signal.SIGUSR1, lambda *_: tracemalloc.start(4))

            def report(*_: object) -> None:
                gc.collect()
                tracemalloc.take_snapshot().dump(snapshot)
                os._exit(0)

            signal.signal(signal.SIGTERM, report)
        asyncio.run(run_bot(options.bot, options.api_url, options.database))
    else:
        print(json.dumps(main(options.users, options.paced_rate or 200.0)))
