"""Prometheus metrics (prometheus-client): what an operator watches. Each process serves its own /metrics.

Counters count what this process did; the database-wide figures (outbox depth, unreachable users, the
update store) are read from the database when /metrics is scraped, so any process reports them.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.outbox import OutboxMessage
from models.user import User
from services.inbox import count_by_status

UPDATES = Counter("bot_updates_total", "Updates received by this process, by outcome",
                  ["outcome"])  # handled, duplicate, error, refused, recovered
UPDATE_SECONDS = Histogram("bot_update_seconds", "Time to store and handle one update",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
MESSAGES_SENT = Counter("bot_outbox_sent_total", "Outbox messages sent by this process (rate() = send rate)")
RATE_LIMITED = Counter("bot_telegram_429_total", "429 Too Many Requests answers from Telegram")
UNREACHABLE_FOUND = Counter("bot_unreachable_total", "Sends refused with 403 (blocked or deactivated)")
SCHEDULER_JOBS = Counter("bot_scheduler_job_runs_total", "Scheduler job runs", ["job", "outcome"])

OUTBOX_DEPTH = Gauge("bot_outbox_depth", "Outbox messages by delivery status", ["status"])
UNREACHABLE_USERS = Gauge("bot_unreachable_users", "Users who blocked the bot or were deactivated")
STORED_UPDATES = Gauge("bot_stored_updates", "Rows in the webhook update store, by status", ["status"])


async def refresh_database_gauges(session: AsyncSession) -> None:
    """Read the database-wide figures at scrape time (one grouped query each)."""
    depth = await session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status)))
    OUTBOX_DEPTH.clear()
    for status, count in depth.all():
        OUTBOX_DEPTH.labels(status).set(count)
    blocked = await session.scalar(select(func.count()).select_from(User).where(col(User.blocked_at).is_not(None)))
    UNREACHABLE_USERS.set(blocked or 0)
    STORED_UPDATES.clear()
    for status, count in (await count_by_status(session)).items():
        STORED_UPDATES.labels(status).set(count)

# Both lanes of the bot's one send budget: "interactive" (replies, through aiogram) and "mass" (the outbox).
SENDS = Counter("bot_sends_total", "Messages sent to Telegram, by lane and outcome", ["lane", "outcome"])
FLOOD_WAITS = Counter("bot_flood_waits_total", "429 flood-control answers from Telegram, by lane", ["lane"])
FLOOD_WAIT_SECONDS = Counter("bot_flood_wait_seconds_total", "Seconds of pause asked for by 429 retry_after")
API_LATENCY = Histogram("bot_api_latency_seconds", "Bot API answer time, by method", ["method"],
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
