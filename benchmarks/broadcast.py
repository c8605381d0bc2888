"""Broadcast throughput against the Bot API emulator (out of process), with baselines from the same run.

    python -m benchmarks.broadcast [--limit 30 --recipients 600 --paid-recipients 15000 --latency 0.03 ...]

Prints one JSON line (about 1.5 minutes with the defaults). Free tier: our outbox sender at a `--limit`
msg/s emulator limit, python-telegram-bot's AIORateLimiter and the `sleep(0.05)` loop of common bot
templates. Paid tier (allow_paid_broadcast, 1000/s limit): our sender, an unthrottled aiogram
`asyncio.gather` on an unlimited emulator (this machine's ceiling for aiogram) and the same gather against
the limit (what it loses to 429s), and PTB's limiter.

`msgs_per_s` is the emulator's rate from the first accepted send to the last; `seconds` is the wall clock of
the whole run (for ours: from starting the sender until the database says the outbox is empty).
`replies_during_campaign`: `--talkers` volunteers talk to the bot (each `--exchanges` commands, spread over
the first seconds) while a `--talk-recipients` campaign runs at the `--limit`, bot and sender sharing the one
budget (replies first); then the same talk without a campaign as the baseline. Reports reply latency
percentiles for both, replies missing, the campaign's fraction of the limit over its whole run (first to
last accepted send), and its lost and duplicated messages.
`paid.ours_vs_gather` compares ours with the unthrottled gather honestly: a sender that respects a 1000/s
limit cannot beat 1000/s, so `rate_ratio` = ours / min(gather's rate, limit); `wall_clock_ratio` = gather's
seconds / ours for the same recipients. Both definitions are repeated in the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.db import create_engine, create_sessionmaker, upgrade_database
from bot.delivery.sender import Sender
from bot.delivery.transport import BotApiTransport
from emulator import EmulatorControl, EmulatorProcess
from models.base import utcnow
from models.user import User
from services import outbox

TOKEN = "123:ABC"


async def _figures(control: EmulatorControl, ids: list[int], limit: float | None, seconds: float) -> dict[str, Any]:
    stats = await control.stats(timestamps=True)
    per_chat = Counter({int(chat): count for chat, count in stats["delivered_per_chat"].items()})
    wanted = set(ids)
    delivered = sum(1 for chat in wanted if per_chat[chat] > 0)
    rate = stats["achieved_rate"]
    figures = {
        "recipients": len(ids), "delivered": delivered, "lost": len(ids) - delivered,
        "duplicated": sum(max(0, per_chat[chat] - 1) for chat in wanted),
        "msgs_per_s": round(rate, 1), "seconds": round(seconds, 2), "429s": stats["too_many_requests"],
        "peak_per_s": stats["peak_per_second"],
    }
    if limit:
        figures["fraction_of_limit"] = round(rate / limit, 3)
    return figures


async def run_ours(emu: EmulatorProcess, ids: list[int], *, limit: float, paid: bool, margin: float) -> dict[str, Any]:
    """Our outbox and sender on a SQLite file: enqueue everything, then time until the outbox is empty."""
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")
        await upgrade_database(engine)
        sessions = create_sessionmaker(engine)
        now = utcnow()
        async with sessions.begin() as session:
            await session.execute(insert(User), [
                {"telegram_id": chat, "locale": "fr" if chat % 2 else "en", "full_name": "V", "consent_at": now,
                 "signed_up_at": now, "climate_volunteer": True, "solidarity_volunteer": False, "languages": [],
                 "skills": [], "is_coordinator": False, "created_at": now, "updated_at": now} for chat in ids])
            campaign, _ = await outbox.create_campaign(session, kind="benchmark", title="bench", paid=paid)
            await outbox.enqueue(session, campaign, (
                outbox.Outgoing(chat, [outbox.Part("Alerte canicule : buvez de l'eau." if chat % 2 else
                                                   "Heat-wave alert: drink water.")]) for chat in ids))
        await emu.control.reset(stats=True)
        sender = Sender(BotApiTransport(TOKEN, emu.base_url), sessions, rate=limit * margin, paid=paid)
        started = time.perf_counter()
        task = asyncio.create_task(sender.run())
        while True:
            await asyncio.sleep(0.01)
            # the sender says so once the campaign's last outcome is committed; the database confirms
            # (a COUNT on the sender's one SQLite connection every few ms would slow what it measures)
            if campaign.id not in sender.stats.finished_campaigns or sender.in_flight:
                continue
            async with sessions() as session:
                if await outbox.outstanding_count(session) == 0:
                    break
        seconds = time.perf_counter() - started
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.dispose()
    return await _figures(emu.control, ids, limit, seconds)


async def run_ptb(emu: EmulatorProcess, ids: list[int], *, limit: float, paid: bool) -> dict[str, Any]:
    """python-telegram-bot's Bot with AIORateLimiter (its documented way to respect flood limits)."""
    from telegram.ext import AIORateLimiter, ExtBot
    from telegram.request import HTTPXRequest

    await emu.control.reset(stats=True)
    limiter = AIORateLimiter(overall_max_rate=limit, overall_time_period=1)
    bot = ExtBot(TOKEN, base_url=f"{emu.base_url}/bot", rate_limiter=limiter,
              request=HTTPXRequest(connection_pool_size=256))
    started = time.perf_counter()
    async with bot:
        async def send(chat: int) -> None:
            with contextlib.suppress(Exception):
                await bot.send_message(chat, "Bonjour", allow_paid_broadcast=paid or None)

        await asyncio.gather(*(send(chat) for chat in ids))
    return await _figures(emu.control, ids, limit, time.perf_counter() - started)


async def run_sleep_loop(emu: EmulatorProcess, ids: list[int], *, limit: float) -> dict[str, Any]:
    """The broadcaster of common aiogram templates: one send, then sleep(0.05), errors skipped."""
    await emu.control.reset(stats=True)
    bot = _aiogram_bot(emu)
    started = time.perf_counter()
    try:
        for chat in ids:
            with contextlib.suppress(Exception):
                await bot.send_message(chat, "Bonjour")
            await asyncio.sleep(0.05)
    finally:
        await bot.session.close()
    return await _figures(emu.control, ids, limit, time.perf_counter() - started)


async def run_gather(emu: EmulatorProcess, ids: list[int], *, limit: float | None) -> dict[str, Any]:
    """Unthrottled aiogram: every send at once with asyncio.gather (paid broadcast)."""
    await emu.control.reset(stats=True)
    bot = _aiogram_bot(emu)
    started = time.perf_counter()
    try:
        async def send(chat: int) -> None:
            with contextlib.suppress(Exception):
                await bot.send_message(chat, "Bonjour", allow_paid_broadcast=True)

        await asyncio.gather(*(send(chat) for chat in ids))
    finally:
        await bot.session.close()
    return await _figures(emu.control, ids, limit, time.perf_counter() - started)


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)


async def run_replies_during_campaign(recipients: int, talkers: int, exchanges: int, *, limit: float,
                                      latency: float, spread: float, margin: float = 1.0,
                                      cpu: int | None = None) -> dict[str, Any]:
    """The whole bot in this process (stored polling, ReliableCalls, the outbox sender, one budget); the
    emulator in its own process; the talkers write through its control API and watch for the reply."""
    from pydantic import SecretStr

    from bot.app import create_app
    from bot.config import Settings
    from bot.delivery import create_sender
    from bot.delivery.budget import close_budgets
    from bot.polling import StoredPolling, poll_until_stopped

    talker_ids = list(range(3_000_000, 3_000_000 + talkers))
    campaign_ids = list(range(3_000_000 + talkers, 3_000_000 + talkers + recipients))
    async with EmulatorProcess(TOKEN, rate=limit, latency=latency, users=talkers + recipients,
                               start_id=3_000_000, cpu=cpu) as emu:
        control = emu.control
        with tempfile.TemporaryDirectory() as directory:
            settings = Settings(_env_file=None, bot_token=SecretStr(TOKEN), bot_api_url=emu.base_url,
                                database_url=f"sqlite+aiosqlite:///{Path(directory) / 'talk.db'}",
                                bot_send_rate=limit * margin, throttle_rate=1000.0)
            app = create_app(settings)
            await upgrade_database(app.engine)
            now = utcnow()
            async with app.sessions.begin() as session:
                await session.execute(insert(User), [
                    {"telegram_id": chat, "locale": "fr" if chat % 2 else "en", "full_name": "V", "consent_at": now,
                     "signed_up_at": now, "climate_volunteer": True, "solidarity_volunteer": False,
                     "languages": [], "skills": [], "is_coordinator": False, "created_at": now, "updated_at": now}
                    for chat in [*talker_ids, *campaign_ids]])
            polling = StoredPolling(app, timeout=1)
            poller = asyncio.create_task(poll_until_stopped(app, polling))
            sender = create_sender(app.sessions, settings)
            sending = asyncio.create_task(sender.run())

            async def exchange(chat: int) -> float | None:
                before = len(await control.messages(chat, limit=100))
                started = time.perf_counter()
                await control.send_text(chat, "/help")
                while time.perf_counter() - started < 120:
                    await asyncio.sleep(0.02)
                    if len(await control.messages(chat, limit=100)) > before:
                        return time.perf_counter() - started
                return None

            async def talk() -> tuple[list[float], int]:
                latencies: list[float] = []
                missing = 0

                async def one(index: int, chat: int) -> None:
                    nonlocal missing
                    await asyncio.sleep(spread * index / max(1, talkers))
                    for _ in range(exchanges):
                        seconds = await exchange(chat)
                        if seconds is None:
                            missing += 1
                        else:
                            latencies.append(seconds)

                await asyncio.gather(*(one(index, chat) for index, chat in enumerate(talker_ids)))
                return latencies, missing

            try:
                await exchange(talker_ids[0])  # warm-up: first-call costs stay out of both figures
                baseline, baseline_missing = await talk()
                await control.reset(stats=True)
                async with app.sessions.begin() as session:
                    campaign, _ = await outbox.create_campaign(session, kind="benchmark", title="talk")
                    await outbox.enqueue(session, campaign, (
                        outbox.Outgoing(chat, [outbox.Part("Alerte canicule : buvez de l'eau.")])
                        for chat in campaign_ids))
                while True:  # until the campaign runs at full rate
                    if (await control.stats())["delivered"] >= limit * 2:
                        break
                    await asyncio.sleep(0.1)
                during, during_missing = await talk()
                while True:
                    async with app.sessions() as session:
                        if await outbox.outstanding_count(session) == 0 and sender.in_flight == 0:
                            break
                    await asyncio.sleep(0.2)
            finally:
                polling.stop()
                await asyncio.gather(poller, return_exceptions=True)
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
                await close_budgets()
                await app.close()
        stats = await control.stats(timestamps=True)
    stamps = stats["send_timestamps"]
    per_chat = Counter({int(chat): count for chat, count in stats["delivered_per_chat"].items()})
    span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    reached = sum(1 for chat in campaign_ids if per_chat[chat])
    return {
        "talkers": talkers, "exchanges_each": exchanges, "recipients": recipients, "limit": limit,
        "bot_send_rate": limit * margin,
        "reply_p50_s": _percentile(during, 0.5), "reply_p99_s": _percentile(during, 0.99),
        "reply_max_s": _percentile(during, 1.0), "replies_missing": during_missing,
        "baseline_no_campaign": {"reply_p50_s": _percentile(baseline, 0.5),
                                 "reply_p99_s": _percentile(baseline, 0.99),
                                 "reply_max_s": _percentile(baseline, 1.0), "replies_missing": baseline_missing},
        "campaign": {"delivered": reached, "lost": recipients - reached,
                     "duplicated": sum(max(0, per_chat[chat] - 1) for chat in campaign_ids),
                     "seconds": round(span, 1),
                     "fraction_of_limit": round(reached / span / limit, 3) if span else None,
                     "429s": stats["too_many_requests"]},
    }


def _aiogram_bot(emu: EmulatorProcess) -> Any:
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url), limit=256)
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def compare(ours: dict[str, Any], gather: dict[str, Any], limit: float) -> dict[str, Any]:
    """Ours against the unthrottled gather: rates against what a limited sender can reach, and wall clocks."""
    reachable = min(gather["msgs_per_s"], limit)
    return {
        "rate_ratio": round(ours["msgs_per_s"] / reachable, 3) if reachable else None,
        "wall_clock_ratio": round(gather["seconds"] / ours["seconds"], 3) if ours["seconds"] else None,
        "definition": "rate_ratio = ours.msgs_per_s / min(gather_unlimited.msgs_per_s, limit); "
                      "wall_clock_ratio = gather_unlimited.seconds / ours.seconds (same recipients)",
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    logging.getLogger("telegram").setLevel(logging.CRITICAL)  # PTB logs a traceback for every 429 it meets
    cpu = 1 if (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity") else None
    if cpu is not None:
        os.sched_setaffinity(0, {0})  # the bot on core 0, the emulator on core 1
    result: dict[str, Any] = {"limit": args.limit, "latency_s": args.latency, "margin": args.margin}
    free_ids = list(range(1_000_000, 1_000_000 + args.recipients))
    async with EmulatorProcess(TOKEN, rate=args.limit, latency=args.latency, users=args.recipients,
                               start_id=1_000_000, cpu=cpu) as emu:
        result["ours"] = await run_ours(emu, free_ids, limit=args.limit, paid=False, margin=args.margin)
        if not args.skip_baselines:
            base_ids = free_ids[:args.baseline_recipients]
            result["ptb_aioratelimiter"] = await run_ptb(emu, base_ids, limit=args.limit, paid=False)
            result["sleep_loop"] = await run_sleep_loop(emu, free_ids[:args.sleep_loop_recipients], limit=args.limit)
    if args.talkers:
        result["replies_during_campaign"] = await run_replies_during_campaign(
            args.talk_recipients, args.talkers, args.exchanges, limit=args.limit, latency=args.latency,
            spread=args.talk_spread, margin=args.talk_margin, cpu=cpu)
    if args.paid_recipients:
        paid_ids = list(range(2_000_000, 2_000_000 + args.paid_recipients))
        async with EmulatorProcess(TOKEN, latency=args.latency, users=args.paid_recipients, start_id=2_000_000,
                                   cpu=cpu) as emu:
            await emu.control.configure(paid_rate=args.paid_limit)
            paid: dict[str, Any] = {"limit": args.paid_limit}
            paid["ours"] = await run_ours(emu, paid_ids, limit=args.paid_limit, paid=True, margin=args.margin)
            if not args.skip_baselines:
                await emu.control.configure(paid_rate=1_000_000)
                paid["gather_unlimited"] = await run_gather(emu, paid_ids, limit=None)
                await emu.control.configure(paid_rate=args.paid_limit)
                paid["gather_limited"] = await run_gather(emu, paid_ids, limit=args.paid_limit)
                paid["ptb_aioratelimiter"] = await run_ptb(emu, paid_ids[:args.paid_baseline_recipients],
                                                           limit=args.paid_limit, paid=True)
                paid["ours_vs_gather"] = compare(paid["ours"], paid["gather_unlimited"], args.paid_limit)
            result["paid"] = paid
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=float, default=30.0, help="emulator send limit, msg/s (free tier)")
    parser.add_argument("--recipients", type=int, default=600, help="recipients for our sender, free tier")
    parser.add_argument("--baseline-recipients", type=int, default=300, help="recipients for PTB, free tier")
    parser.add_argument("--sleep-loop-recipients", type=int, default=150, help="recipients for the sleep loop")
    parser.add_argument("--paid-limit", type=float, default=1000.0, help="paid-broadcast limit, msg/s")
    parser.add_argument("--paid-recipients", type=int, default=15000, help="0 skips the paid tier")
    parser.add_argument("--paid-baseline-recipients", type=int, default=1500,
                        help="recipients for PTB, paid tier")
    parser.add_argument("--latency", type=float, default=0.03, help="emulator API latency, seconds")
    parser.add_argument("--margin", type=float, default=1.0,
                        help="our BOT_SEND_RATE as a fraction of the limit (room for network jitter)")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--talkers", type=int, default=200, help="volunteers talking during a campaign; 0 skips")
    parser.add_argument("--talk-recipients", type=int, default=15000, help="the campaign they talk during")
    parser.add_argument("--exchanges", type=int, default=2, help="commands each talker sends")
    parser.add_argument("--talk-spread", type=float, default=20.0, help="seconds over which the talkers start")
    parser.add_argument("--talk-margin", type=float, default=0.95,
                        help="BOT_SEND_RATE / limit in that phase: replies (aiogram) and mass sends (the thin "
                             "transport) reach Telegram with different delays; room so they never bunch into a 429")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args()))))
