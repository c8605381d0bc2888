"""Webhook workers under load: updates/s and p99 for 1, 2 and 4 worker processes; prints one JSON line.

Each update is a volunteer's "/help": stored under its update_id, handled (user row, reply through the Bot
API emulator, which runs in its own process) and marked handled. Workers run on PostgreSQL with Redis FSM,
fed round-robin by this process as a load balancer would. Baseline, same run: the same handlers fed
in-process (`dispatcher.feed_update`, no HTTP, no update store) with the same concurrency.
Each configuration also reports its CPU time and updates per CPU-second (the workers' own processes; for
the baseline, this process), so that 1, 2 and 4 workers on a 2-core machine shared with the emulator and
this driver compare per core, not only per wall-clock second.

    TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test python -m benchmarks.webhook
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from typing import Any

import aiohttp
import psutil
from aiogram.types import Update
from pydantic import SecretStr
from redis.asyncio import Redis

from bot.app import create_app, freeze_startup_objects
from bot.config import Settings
from emulator.process import EmulatorProcess
from tests.databases import postgres_schema
from tests.scale.processes import SECRET, WEBHOOK_PATH, Worker, bot_env

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
HELP = "/help"


def help_update(update_id: int, user_id: int) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": "fr"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "chat": {"id": user_id, "type": "private",
                                                                    "first_name": "Bench"},
        "from": person, "text": HELP, "entities": [{"type": "bot_command", "offset": 0, "length": len(HELP)}]}}


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"updates_per_s": round(len(ordered) / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)}


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by these processes and their children."""
    total = 0.0
    for pid in pids:
        process = psutil.Process(pid)
        for each in [process, *process.children(recursive=True)]:
            times = each.cpu_times()
            total += times.user + times.system
    return total


def per_cpu(figures: dict[str, float], updates: int, cpu: float) -> dict[str, float]:
    """Updates per CPU-second: what one core does, whatever else shares the machine's two cores."""
    return {**figures, "cpu_s": round(cpu, 2), "updates_per_cpu_s": round(updates / cpu, 1)}


async def drive(updates: list[dict[str, Any]], concurrency: int, send: Any) -> dict[str, float]:
    """Send every update with `concurrency` in flight; latency is per update, end to end."""
    queue = list(reversed(updates))
    latencies: list[float] = []

    async def client() -> None:
        while queue:
            update = queue.pop()
            started = time.perf_counter()
            await send(update)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return summary(latencies, time.perf_counter() - started)


async def run_workers(count: int, env: dict[str, str], updates: list[dict[str, Any]],
                      concurrency: int) -> dict[str, float]:
    workers = [Worker(env) for _ in range(count)]
    await asyncio.gather(*(worker.start(ready_within=90) for worker in workers))
    turn = 0
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as http:
            async def send(update: dict[str, Any]) -> None:
                nonlocal turn
                worker = workers[turn % count]
                turn += 1
                async with http.post(f"{worker.url}{WEBHOOK_PATH}", json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
                    if answer.status != 200:
                        raise RuntimeError(f"worker answered {answer.status}")

            await drive(updates[: concurrency * 4], concurrency, send)  # warm-up: connections, caches
            pids = [worker.process.pid for worker in workers if worker.process is not None]
            cpu_before = cpu_seconds(pids)
            figures = await drive(updates[concurrency * 4:], concurrency, send)
            return per_cpu(figures, len(updates) - concurrency * 4, cpu_seconds(pids) - cpu_before)
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))


async def run_baseline(settings: Settings, updates: list[dict[str, Any]], concurrency: int) -> dict[str, float]:
    app = create_app(settings)
    freeze_startup_objects()
    assert app.bot is not None
    bot = app.bot

    async def send(update: dict[str, Any]) -> None:
        await app.dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))

    try:
        await drive(updates[: concurrency * 4], concurrency, send)
        cpu_before = time.process_time()
        figures = await drive(updates[concurrency * 4:], concurrency, send)
        return per_cpu(figures, len(updates) - concurrency * 4, time.process_time() - cpu_before)
    finally:
        await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=500, help="updates per configuration")
    parser.add_argument("--concurrency", type=int, default=16, help="updates in flight (Telegram's max_connections)")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        sys.exit("set TEST_POSTGRES_URL (PostgreSQL is what several workers share)")
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    results: dict[str, Any] = {}
    async with EmulatorProcess(any_chat=True) as emu, postgres_schema(base) as url:
        env = bot_env(url, api_url=emu.base_url, token=emu.token, redis_url=REDIS_URL, redis_prefix=prefix,
                      LOG_LEVEL="WARNING", BOT_SEND_RATE="1000")  # no send limit on this emulator
        next_id = 1
        for count in (int(n) for n in args.workers.split(",")):
            batch = [help_update(next_id + n, 20_000_000 + next_id + n) for n in range(args.updates)]
            next_id += args.updates
            results[str(count)] = await run_workers(count, env, batch, args.concurrency)
        settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                            database_url=url, redis_url=REDIS_URL, redis_key_prefix=prefix, throttle_rate=1000,
                            bot_send_rate=1000)
        batch = [help_update(next_id + n, 20_000_000 + next_id + n) for n in range(args.updates)]
        baseline = await run_baseline(settings, batch, args.concurrency)
        delivered = (await emu.control.stats()).get("delivered")
    redis = Redis.from_url(REDIS_URL)
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        await redis.delete(key)
    await redis.aclose()
    one_worker = results[min(results, key=int)]["updates_per_cpu_s"]
    print(json.dumps({
        "benchmark": "webhook", "database": "postgresql", "fsm": "redis", "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2), "updates_per_config": args.updates,
        "concurrency": args.concurrency, "workers": results,
        "baseline_in_process_no_store": baseline, "replies_delivered": delivered,
        "per_worker_cpu_ratio_to_baseline": round(one_worker / baseline["updates_per_cpu_s"], 3),
        "scaling": {count: round(figures["updates_per_s"] / results[min(results, key=int)]["updates_per_s"], 2)
                    for count, figures in results.items()},
        "targets": {"per_worker_cpu_ratio_to_baseline": ">= 0.7", "scaling_2_workers": ">= 1.6"},
    }))


if __name__ == "__main__":
    asyncio.run(main())
