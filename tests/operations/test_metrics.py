"""What an operator's Prometheus sees: a webhook worker, the scheduler and a sender, scraped during a broadcast.

Each process serves its own /metrics (the scheduler and the sender on METRICS_PORT); every one of them
reports the database-wide gauges, so the queue is visible whichever process is scraped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

import aiohttp
import pytest
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)

from bot import metrics
from bot.db import create_engine, create_sessionmaker
from bot.scheduler import JobRunRecorder
from emulator import Emulator
from emulator.process import free_port
from services.outbox import Outgoing, Part, create_campaign, enqueue
from tests.scale.processes import SECRET, WEBHOOK_PATH, BotProcess, Worker, bot_env

RECIPIENTS = 12


def figure(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent, as Prometheus' `or vector(0)` would say)."""
    wanted = "{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}" if labels else ""
    found = re.search(rf"^{re.escape(name + wanted)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def scrape(http: aiohttp.ClientSession, base: str) -> str:
    async with http.get(f"{base}/metrics") as answer:
        assert answer.status == 200
        return await answer.text()


async def wait_for(http: aiohttp.ClientSession, base: str, ready: object, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            text = await scrape(http, base)
            if ready(text):  # type: ignore[operator]
                return text
        except aiohttp.ClientError:
            pass
        assert time.monotonic() < deadline, f"{base}/metrics never showed it"
        await asyncio.sleep(0.25)


def start_update(update_id: int, user_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": user_id, "type": "private", "first_name": "Ops"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ops", "language_code": "fr"}}}


async def test_worker_scheduler_and_sender_export_their_figures_during_a_broadcast(
        emu: Emulator, sqlite_url: str) -> None:
    emu.state.auto_create_chats = True
    env = bot_env(sqlite_url, api_url=emu.base_url, token=emu.token, BOT_SEND_RATE="20", LOG_LEVEL="DEBUG")
    scheduler_port, sender_port = free_port(), free_port()
    worker = Worker(env)
    scheduler = BotProcess(["scheduler"], {**env, "METRICS_PORT": str(scheduler_port)})
    sender = BotProcess(["sender"], {**env, "METRICS_PORT": str(sender_port)})
    scheduler_url, sender_url = f"http://127.0.0.1:{scheduler_port}", f"http://127.0.0.1:{sender_port}"
    engine = create_engine(sqlite_url)
    try:
        await worker.start()
        await scheduler.start()
        await scheduler.expect_output(b"scheduler running")
        async with aiohttp.ClientSession() as http:
            # the worker: update handling counted and timed
            before = await scrape(http, worker.url)
            async with http.post(f"{worker.url}{WEBHOOK_PATH}", json=start_update(1, 7_001),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
                assert answer.status == 200
            after = await scrape(http, worker.url)
            assert figure(after, "bot_updates_total", outcome="handled") == \
                figure(before, "bot_updates_total", outcome="handled") + 1
            assert figure(after, "bot_update_seconds_count") == figure(before, "bot_update_seconds_count") + 1
            assert figure(after, "bot_update_seconds_sum") > figure(before, "bot_update_seconds_sum")

            # a broadcast is queued and no sender runs yet: every process sees the queue, and its age grows
            async with create_sessionmaker(engine).begin() as session:
                campaign, _ = await create_campaign(session, kind="broadcast", title="Ops", source_key="ops-metrics")
                await enqueue(session, campaign, [Outgoing(chat_id=8_000_000 + n, parts=[Part("Bonjour")])
                                                  for n in range(RECIPIENTS)])
            queued = await wait_for(http, scheduler_url,
                                    lambda t: figure(t, "bot_outbox_oldest_pending_seconds") >= 1.0)
            assert figure(queued, "bot_outbox_depth", status="pending") == RECIPIENTS
            assert figure(await scrape(http, worker.url), "bot_outbox_depth", status="pending") == RECIPIENTS

            # the scheduler counts, times and logs its job runs (heatwave.live_views runs every 5 s)
            ran = await wait_for(http, scheduler_url, lambda t: figure(
                t, "bot_scheduler_job_runs_total", job="heatwave.live_views", outcome="ok") >= 1, seconds=20)
            assert figure(ran, "bot_scheduler_job_seconds_count", job="heatwave.live_views") >= 1
            assert figure(ran, "bot_scheduler_job_last_success_timestamp_seconds", job="heatwave.live_views") > 0
            await scheduler.expect_output(b"job heatwave.live_views ok in ")

            # the sender drains it; its own counters and everyone's gauges follow
            await sender.start()
            await sender.expect_output(b"sender running")
            sent = await wait_for(http, sender_url, lambda t: figure(t, "bot_outbox_sent_total") == RECIPIENTS)
            assert figure(sent, "bot_outbox_depth", status="sent") == RECIPIENTS
            assert figure(sent, "bot_outbox_depth", status="pending") == 0
            assert figure(sent, "bot_outbox_oldest_pending_seconds") == 0
            # the names bot/delivery reports sends, 429s and Bot API latency under are served
            for name in ("bot_sends_total", "bot_flood_waits_total", "bot_flood_wait_seconds_total",
                         "bot_api_latency_seconds"):
                assert f"# TYPE {name.removesuffix('_total')} " in sent or f"# TYPE {name} " in sent, name
            drained = await wait_for(http, scheduler_url, lambda t: figure(t, "bot_outbox_depth", status="sent")
                                     == RECIPIENTS)
            assert figure(drained, "bot_outbox_oldest_pending_seconds") == 0
            for url in (scheduler_url, sender_url):
                async with http.get(f"{url}/healthz") as answer:
                    assert answer.status == 200 and (await answer.json())["status"] == "ok"
    finally:
        await engine.dispose()
        for process in (sender, scheduler, worker):
            await process.stop()
    assert all(emu.stats.delivered_per_chat[8_000_000 + n] == 1 for n in range(RECIPIENTS))
    # job-run logs name the job, never a person
    assert b"Bonjour" not in scheduler.output + sender.output + worker.output


def test_a_failing_job_is_counted_timed_and_logged_by_class_only(caplog: pytest.LogCaptureFixture) -> None:
    clock = iter([100.0, 102.5])
    recorder = JobRunRecorder(clock=lambda: next(clock))
    failures = metrics.SCHEDULER_JOBS.labels("procurement-feeds", "error")
    runs = metrics.SCHEDULER_JOB_SECONDS.labels("procurement-feeds")
    before_failures, before_sum = failures._value.get(), runs._sum.get()
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        recorder(JobSubmissionEvent(EVENT_JOB_SUBMITTED, "procurement-feeds", "default", []))
        recorder(JobExecutionEvent(EVENT_JOB_ERROR, "procurement-feeds", "default", None,
                                   exception=ValueError("Camille Martin, 06 12 34 56 78")))
    assert failures._value.get() == before_failures + 1
    assert runs._sum.get() == pytest.approx(before_sum + 2.5)
    logged = [record.getMessage() for record in caplog.records]
    assert logged == ["job procurement-feeds failed after 2.500 s (ValueError)"]
