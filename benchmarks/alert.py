"""A heat-wave alert at scale: delivery to every recipient at Telegram's free-tier limit, then their answers.

1. Delivery: N volunteers (15,000 by default) get the alert through the outbox and the real sender, against
   the Bot API emulator in its own process limited to 30 messages/s (429 beyond). Reported: time from the
   coordinator's confirmation to the last delivery, against the floor N/30 s, as a ratio (1.0 = at the
   limit); lost and duplicated messages. Baseline in the same run: the `sleep(0.05)` loop of common bot
   templates on a sample of the same recipients.
2. Answers: N answers (one tap per recipient) offered within a minute to the real bot (middlewares, SQLite,
   answer recording, button update), with the in-process emulator. Reported: updates/s, p50/p99 from the tap
   to the bot's callback answer, answers lost. Baseline in the same run: a bare aiogram bot that only answers
   the same callback queries.

3. Escalation: the same N volunteers (plus a tenth as many of the other network) and a scripted answer
   pattern in which some arrondissements stay silent; simulated on a controlled clock with the real services
   and database (launch, answers, `run_escalation` every 5 simulated minutes, every message delivered in
   outbox order at 30 msg/s). Reported: simulated time from launch to every arrondissement at target, with
   escalation on, against escalation off, in the same run; how many were asked per step; wall time.

    python -m benchmarks.alert [--recipients 15000] [--answer-window 60] [--only answers|escalation]
    python -m benchmarks.alert --only answers --recipients 3000 --answer-window 3   # capacity: 1,000/s offered
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
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery
from pydantic import SecretStr
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.app import App, create_app, freeze_startup_objects
from bot.config import Settings
from bot.db import upgrade_database
from bot.delivery import create_sender
from bot.polling import StoredPolling, poll_until_stopped
from bot.runner import UPDATE_CONCURRENCY
from emulator import Emulator
from emulator.client import TestUser
from emulator.methods import METHODS
from emulator.process import EmulatorProcess
from models.base import utcnow
from models.heatwave import AlertAnswer, AlertRecipient
from models.outbox import Campaign, DeliveryStatus, OutboxMessage
from models.user import User
from services.callbacks.heatwave import answer_markup
from services.heatwave import alerts
from services.outbox import outstanding_count

FREE_RATE = 30.0
FIRST_ID = 5_000_000
TOKEN = "123:ALERT"
LABELS = {"fr": ("🙋 Je peux aider", "✅ J'ai vérifié mes voisins", "🚫 Pas disponible"),
          "en": ("🙋 I can help", "✅ I checked on my neighbours", "🚫 Not available")}


def _pin(core: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        if (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {core})


def _locale(index: int) -> str:
    return "en" if index % 2 == 0 else "fr"


def _label(index: int) -> str:
    """Each volunteer's answer, in their language: the three answers in turn."""
    return LABELS[_locale(index)][(index // 2) % 3]


def _settings(base_url: str, token: str, database: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, bot_token=SecretStr(token), bot_api_url=base_url,
                    database_url=f"sqlite+aiosqlite:///{database}", **extra)


async def _volunteers(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """Signed-up Climate Volunteers spread over the 20 arrondissements, half of them in English."""
    now = utcnow()
    rows = [{"telegram_id": FIRST_ID + index, "locale": _locale(index),
             "full_name": f"Volontaire {index}", "arrondissement": index % 20 + 1, "climate_volunteer": True,
             "solidarity_volunteer": False, "languages": [], "skills": [], "is_coordinator": False,
             "consent_at": now, "signed_up_at": now, "created_at": now, "updated_at": now}
            for index in range(count)]
    async with sessions.begin() as session:
        for start in range(0, count, 2000):
            await session.execute(insert(User), rows[start:start + 2000])


async def _launch(app: App) -> tuple[int, datetime]:
    async with app.sessions.begin() as session:
        alert, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, alerts.ALL_PARIS), created_by=None,
                                                  now=utcnow(), markup_for=answer_markup)
    assert alert.id is not None
    return alert.id, utcnow()


async def measure_delivery(recipients: int, send_rate: float) -> dict[str, Any]:
    """The alert to every recipient through the sender, emulator out of process at 30 msg/s."""
    async with EmulatorProcess(rate=FREE_RATE, latency=0.03, users=recipients, start_id=FIRST_ID, cpu=1) as emu:
        with tempfile.TemporaryDirectory() as scratch:
            app = create_app(_settings(emu.base_url, emu.token, Path(scratch) / "delivery.db",
                                       bot_send_rate=send_rate))
            assert app.bot is not None
            await upgrade_database(app.engine)
            await _volunteers(app.sessions, recipients)
            sender = create_sender(app.sessions, app.settings)
            running = asyncio.create_task(sender.run())
            try:
                enqueue_started = time.perf_counter()
                _alert_id, confirmed_at = await _launch(app)
                enqueue_seconds = time.perf_counter() - enqueue_started
                sender.wake()
                while True:
                    async with app.sessions() as session:
                        if await outstanding_count(session) == 0 and sender.in_flight == 0:
                            break
                    await asyncio.sleep(0.5)
                async with app.sessions() as session:
                    last = (await session.execute(select(func.max(col(OutboxMessage.sent_at))))).scalar_one()
                    sent = (await session.execute(select(func.count()).where(
                        col(OutboxMessage.status) == DeliveryStatus.SENT))).scalar_one()
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
                await app.close()
        stats = await emu.control.stats()
    per_chat = stats["delivered_per_chat"]
    elapsed = (last - confirmed_at).total_seconds() + enqueue_seconds
    floor = recipients / FREE_RATE
    return {
        "recipients": recipients, "sender_rate": send_rate, "enqueue_s": round(enqueue_seconds, 2),
        "time_to_last_delivery_s": round(elapsed, 1), "floor_s": round(floor, 1),
        "ratio_to_floor": round(elapsed / floor, 3),
        "lost": recipients - len(per_chat), "duplicated": sum(count - 1 for count in per_chat.values() if count > 1),
        "sent_rows": sent, "http_429": stats["too_many_requests"],
    }


async def measure_sleep_loop(sample: int) -> dict[str, Any]:
    """Baseline: the template broadcaster (send, then sleep 0.05 s), same emulator limits, `sample` recipients."""
    async with EmulatorProcess(rate=FREE_RATE, latency=0.03, users=sample, start_id=FIRST_ID, cpu=1) as emu:
        bot = Bot(emu.token, session=_session(emu.base_url))
        lost = 0
        started = time.perf_counter()
        try:
            for index in range(sample):
                try:
                    await bot.send_message(FIRST_ID + index, "Alerte canicule")
                except Exception:  # the template logs and moves on: that message is lost
                    lost += 1
                await asyncio.sleep(0.05)
        finally:
            await bot.session.close()
        elapsed = time.perf_counter() - started
    return {"recipients": sample, "seconds": round(elapsed, 1),
            "ratio_to_floor": round(elapsed / (sample / FREE_RATE), 3), "lost": lost}


def _session(base_url: str) -> Any:
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    return AiohttpSession(api=TelegramAPIServer.from_base(base_url))


async def _tap_all(people: list[TestUser], labels: list[str], window: float) -> tuple[float, list[float]]:
    """Each person taps once, the taps spread evenly over `window` seconds; latency = tap → answerCallbackQuery.

    The answer time is taken inside the emulator's answerCallbackQuery handler, so thousands of taps in
    flight do not each need a waiting coroutine (which would measure the test client, not the bot).
    """
    answered: dict[str, float] = {}
    original = METHODS["answercallbackquery"]

    all_answered = asyncio.Event()

    async def timed_answer(state: Any, params: dict[str, Any]) -> Any:
        answered.setdefault(str(params.get("callback_query_id")), time.perf_counter())
        if len(answered) >= len(people):
            all_answered.set()
        return await original(state, params)

    METHODS["answercallbackquery"] = timed_answer
    tapped: dict[str, float] = {}
    interval = window / len(people)
    started = time.perf_counter()
    try:
        for index, (person, label) in enumerate(zip(people, labels, strict=True)):
            delay = started + index * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tapped[await person.tap(label)] = time.perf_counter()
        with contextlib.suppress(TimeoutError):  # an unanswered tap is reported, not waited for forever
            await asyncio.wait_for(all_answered.wait(), 120)
    finally:
        METHODS["answercallbackquery"] = original
    finished = max(answered.values(), default=time.perf_counter())
    return finished - started, [answered[query] - at for query, at in tapped.items() if query in answered]


def _figures(seconds: float, latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"updates": len(latencies), "updates_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


async def _polling(dispatcher: Dispatcher, bot: Bot, run: Callable[[], Awaitable[Any]], **options: Any) -> Any:
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                        polling_timeout=1, **options))
    try:
        return await run()
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 5)


def measure_answers(recipients: int, window: float) -> dict[str, Any]:
    """Every recipient answers once within `window` seconds; the real bot on SQLite records them.

    Two processes, as in benchmarks/updates.py, so the bot has a core of its own: the *crowd* (the Bot API
    emulator, the alert message in every chat with the real answer buttons, and the volunteers tapping)
    and the *bot* (`volunteer-bot run`'s polling on a database holding the launched alert).
    """
    with tempfile.TemporaryDirectory() as scratch:
        port_file, database = Path(scratch) / "port", Path(scratch) / "answers.db"
        me = [sys.executable, "-m", "benchmarks.alert"]
        crowd = subprocess.Popen([*me, "--role", "crowd", "--port-file", str(port_file), "--recipients",
                                  str(recipients), "--answer-window", str(window)], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or crowd.poll() is not None:
                raise RuntimeError("the crowd did not start")
            time.sleep(0.05)
        bot = subprocess.Popen([*me, "--role", "bot", "--api-url", f"http://127.0.0.1:{port_file.read_text()}",
                                "--database", str(database), "--recipients", str(recipients)])
        try:
            output, _ = crowd.communicate(timeout=900)
            times = psutil.Process(bot.pid).cpu_times()  # its whole life: startup and the alert's setup too
        finally:
            bot.terminate()
            bot.wait(30)
        figures = json.loads(output.strip().splitlines()[-1])
        recorded = asyncio.run(_recorded_answers(database))
    return {**figures, "answers_recorded": recorded, "lost": recipients - recorded,
            "bot_cpu_s_including_setup": round(times.user + times.system, 1)}


async def _recorded_answers(database: Path) -> int:
    from bot.db import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(AlertAnswer))).scalar_one())
    finally:
        await engine.dispose()


async def _answer_crowd(port_file: Path, recipients: int, window: float) -> dict[str, Any]:
    """The emulator and the volunteers: show the alert (alert 1 of the bot's fresh database), then tap."""
    async with Emulator(TOKEN, default_timeout=120) as emu:
        people = [emu.user(FIRST_ID + index, "Camille", language_code=_locale(index)) for index in range(recipients)]
        bot = emu.bot()
        markups = {locale: answer_markup(1, locale) for locale in LABELS}
        for index, person in enumerate(people):
            await bot.send_message(person.id, "Alerte canicule", reply_markup=markups[_locale(index)])
        await bot.session.close()
        port_file.write_text(str(emu.port))  # noqa: ASYNC240 (once, before the clock starts)
        # the clock starts once the bot polls (a request is no emulator state change: poll the counter)
        async with asyncio.timeout(120):
            while emu.stats.by_method.get("getUpdates", 0) == 0:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        seconds, latencies = await _tap_all(people, [_label(index) for index in range(recipients)], window)
    return {**_figures(seconds, latencies), "offered_per_s": round(recipients / window, 1),
            "unanswered_taps": recipients - len(latencies)}


async def _answer_bot(api_url: str, database: Path, recipients: int) -> None:
    """Our bot, polled as `volunteer-bot run` polls, on a database where the alert was launched."""
    # no send limit on this emulator: the budget (1000/s) must not be what the taps measure
    app = create_app(_settings(api_url, TOKEN, database, throttle_rate=1000.0, bot_send_rate=1000.0))
    assert app.bot is not None
    await upgrade_database(app.engine)
    await _volunteers(app.sessions, recipients)
    await _launch(app)  # the outbox rows stay queued: the crowd shows the alert itself
    freeze_startup_objects()
    await poll_until_stopped(app, StoredPolling(app, timeout=1, concurrency=UPDATE_CONCURRENCY))


async def measure_bare_answers(recipients: int, window: float) -> dict[str, Any]:
    """Baseline: aiogram alone answering the same taps, no middleware, no database."""
    async with Emulator(default_timeout=120) as emu:
        people = [emu.user(FIRST_ID + index, "Camille", language_code="fr") for index in range(recipients)]
        bot = emu.bot()
        markup = answer_markup(1, "fr")
        for person in people:
            await bot.send_message(person.id, "Alerte", reply_markup=markup)
        dispatcher = Dispatcher()

        @dispatcher.callback_query()
        async def ack(query: CallbackQuery) -> None:
            await query.answer("ok")

        try:
            seconds, latencies = await _polling(dispatcher, bot, lambda: _tap_all(
                people, ["🙋 Je peux aider"] * recipients, window))
        finally:
            await bot.session.close()
    return {**_figures(seconds, latencies), "offered_per_s": round(recipients / window, 1)}


SILENT_AREAS = (13, 19, 20)  # their own volunteers do not answer the first call
TARGET = 20  # per arrondissement: volunteers who can help or checked
TICK = timedelta(minutes=5)
HORIZON = timedelta(hours=72)


def _script(user_id: int, area: int, kind: str, deaf: bool) -> tuple[float, str] | None:
    """Whether and when (minutes after the message arrives) a volunteer answers, and what: deterministic.

    kind: "alert" (the launch), "reask", "widen". Outside the silent arrondissements a quarter answer the
    launch; in them nobody does. A re-ask gets a tenth of those asked (none in the silent arrondissements when
    `deaf`: only widening can help there); a widened call a third.
    """
    roll = (user_id * 2654435761) % 1000 / 1000  # a stable pseudo-random number per person
    silent = area in SILENT_AREAS
    chance = {"alert": 0.0 if silent else 0.25, "reask": 0.0 if silent and deaf else 0.10, "widen": 0.33}[kind]
    if roll >= chance:
        return None
    answer = ("help", "checked", "unavailable")[user_id % 3]
    return 5 + (user_id * 7919) % 115, answer


async def _escalation_run(recipients: int, escalate: bool, scratch: Path, *, deaf: bool = False) -> dict[str, Any]:
    from services.heatwave.coverage import alert_coverage
    from services.heatwave.escalation import run_escalation, set_escalation

    settings = _settings("http://127.0.0.1:9", TOKEN, scratch / f"escalation-{escalate}-{deaf}.db")
    app = create_app(settings)
    started = time.perf_counter()
    try:
        await upgrade_database(app.engine)
        await _volunteers(app.sessions, recipients)
        now = utcnow()
        others = [{"telegram_id": FIRST_ID + recipients + index, "locale": _locale(index),
                   "full_name": f"Solidaire {index}", "arrondissement": index % 20 + 1, "climate_volunteer": False,
                   "solidarity_volunteer": True, "languages": [], "skills": [], "is_coordinator": False,
                   "consent_at": now, "signed_up_at": now, "created_at": now, "updated_at": now}
                  for index in range(recipients // 10)]
        async with app.sessions.begin() as session:
            for start in range(0, len(others), 2000):
                await session.execute(insert(User), others[start:start + 2000])
        launch = datetime(2026, 7, 22, 6, 0, tzinfo=UTC)  # 08:00 in Paris
        async with app.sessions.begin() as session:
            alert, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, alerts.ALL_PARIS),
                                                      created_by=None, now=launch)
            assert alert.id is not None
            # the same target for both runs; only the automatic steps differ
            await set_escalation(session, alert.id, now=launch, target=TARGET, enabled=escalate)
        wire_free = launch  # when the sender's single 30 msg/s lane is next free
        seen: set[int] = set()  # outbox rows already given an arrival time
        pending: list[tuple[datetime, int, str]] = []  # (answer time, user id, answer)
        homes: dict[int, int] = {}
        steps: list[dict[str, Any]] = []

        async def deliver(at: datetime) -> None:
            """Give every new outbox message its arrival time (outbox order, 30/s) and script its answer."""
            nonlocal wire_free
            async with app.sessions() as session:
                rows = (await session.execute(
                    select(col(OutboxMessage.id), col(OutboxMessage.user_id), col(Campaign.kind),
                           col(AlertRecipient.arrondissement))
                    .join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
                    .outerjoin(AlertRecipient, (col(AlertRecipient.user_id) == col(OutboxMessage.user_id))
                               & (col(AlertRecipient.alert_id) == alert.id))
                    .where(col(OutboxMessage.id) > max(seen, default=0))
                    .order_by(col(OutboxMessage.id)))).all()
            wire_free = max(wire_free, at)
            for message_id, user_id, kind, area in rows:
                seen.add(message_id)
                wire_free += timedelta(seconds=1 / FREE_RATE)
                homes.setdefault(user_id, area)
                script = _script(user_id, homes[user_id], {"alert": "alert", "alert_reask": "reask",
                                                           "alert_widen": "widen"}.get(kind, "reask"), deaf)
                if script is not None:
                    pending.append((wire_free + timedelta(minutes=script[0]), user_id, script[1]))

        await deliver(launch)
        clock, reached = launch, None
        while clock <= launch + HORIZON:
            clock += TICK
            due = sorted(item for item in pending if item[0] <= clock)
            pending[:] = [item for item in pending if item[0] > clock]
            async with app.sessions.begin() as session:
                answered = set((await session.execute(select(col(AlertAnswer.user_id)).where(
                    col(AlertAnswer.alert_id) == alert.id))).scalars()) if due else set()
                for at, user_id, answer in due:
                    if user_id not in answered:  # the first answer counts; later calls do not change it
                        await alerts.record_answer(session, alert.id, user_id, answer, now=at)
                        answered.add(user_id)
                if escalate:
                    done = await run_escalation(session, now=clock)
                    for kind, asked in done.get(alert.id, {}).items():
                        steps.append({"at_h": round((clock - launch).total_seconds() / 3600, 2), "step": kind,
                                      "asked": asked})
                coverage = await alert_coverage(session, alert.id)
            if escalate:
                await deliver(clock)
            if coverage.all_covered:
                reached = clock
                break
        lacking = sorted(area.arrondissement for area in coverage.by_area if area.flagged)
    finally:
        await app.close()
    return {"escalation": escalate,
            "hours_to_all_at_target": round((reached - launch).total_seconds() / 3600, 2) if reached else None,
            "still_below_target": lacking, "steps": steps, "wall_s": round(time.perf_counter() - started, 1)}


async def measure_escalation(recipients: int) -> dict[str, Any]:
    """Escalation on against off, same volunteers, same script, same run. Two scripts for the silent
    arrondissements: they answer a re-ask like anyone else, or they stay deaf to their own calls (only the
    widening to neighbours and the other network helps). Without escalation nobody is asked twice, so the one
    baseline run stands for both."""
    with tempfile.TemporaryDirectory() as scratch:
        off = await _escalation_run(recipients, False, Path(scratch))
        on = await _escalation_run(recipients, True, Path(scratch))
        deaf = await _escalation_run(recipients, True, Path(scratch), deaf=True)
    return {"recipients": recipients, "other_network": recipients // 10, "silent_areas": list(SILENT_AREAS),
            "target_per_area": TARGET, "horizon_h": HORIZON.total_seconds() / 3600,
            "escalation_on": on, "escalation_on_silent_areas_deaf_to_reasks": deaf,
            "escalation_off_baseline": off}


async def main(recipients: int, window: float, baseline_sample: int, send_rate: float) -> dict[str, Any]:
    delivery = await measure_delivery(recipients, send_rate)
    sleep_loop = await measure_sleep_loop(min(baseline_sample, recipients))
    answers = await asyncio.to_thread(measure_answers, recipients, window)
    bare = await measure_bare_answers(recipients, window)
    escalation = await measure_escalation(recipients)
    return {
        "benchmark": "alert", "recipients": recipients, "rate_limit": FREE_RATE,
        "delivery": delivery, "delivery_baseline_sleep_loop": sleep_loop,
        "answers": answers, "answers_baseline_bare_aiogram": bare,
        "answers_ratio_to_bare": round(answers["updates_per_s"] / bare["updates_per_s"], 3),
        "escalation": escalation,
        "targets": {"delivery_ratio_to_floor": "<= 1.03 (>= 0.97 of the limit)", "lost": 0, "duplicated": 0,
                    "answers_lost": 0, "answers_p99_ms": "< 50"},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=15_000, help="volunteers who get the alert")
    parser.add_argument("--answer-window", type=float, default=60.0, help="seconds over which all answers arrive")
    parser.add_argument("--baseline-sample", type=int, default=300, help="recipients for the sleep-loop baseline")
    parser.add_argument("--role", choices=["main", "crowd", "bot"], default="main")
    parser.add_argument("--only", choices=["answers", "escalation"], help="run only this phase")
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--api-url")
    parser.add_argument("--database", type=Path)
    parser.add_argument("--send-rate", type=float, default=29.0,
                        help="BOT_SEND_RATE given to the sender (default 0.97 of the limit)")
    options = parser.parse_args()
    if options.role == "crowd":
        _pin(0)
        print(json.dumps(asyncio.run(_answer_crowd(options.port_file, options.recipients, options.answer_window))))
        raise SystemExit(0)
    if options.role == "bot":
        _pin(1)
        asyncio.run(_answer_bot(options.api_url, options.database, options.recipients))
        raise SystemExit(0)
    if options.only == "answers":  # the answers and their baseline only (capacity: a short window)
        answers = measure_answers(options.recipients, options.answer_window)
        bare = asyncio.run(measure_bare_answers(options.recipients, options.answer_window))
        print(json.dumps({"benchmark": "alert", "recipients": options.recipients, "answers": answers,
                          "answers_baseline_bare_aiogram": bare,
                          "answers_ratio_to_bare": round(answers["updates_per_s"] / bare["updates_per_s"], 3),
                          "targets": {"answers_per_s": ">= 1000", "answers_p99_ms": "< 50", "answers_lost": 0}}))
        raise SystemExit(0)
    if options.only == "escalation":
        print(json.dumps({"benchmark": "alert", **asyncio.run(measure_escalation(options.recipients))}))
        raise SystemExit(0)
    print(json.dumps(asyncio.run(main(options.recipients, options.answer_window, options.baseline_sample,
                                      options.send_rate))))
