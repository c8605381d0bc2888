"""Prometheus metrics (prometheus-client): what an operator watches. Each process serves its own /metrics.

Counters count what this process did; the database-wide figures (outbox depth and age, unreachable users,
the update store) are read from the database when /metrics is scraped, so every role reports them: the
webhook worker on its own port, the scheduler and the sender on METRICS_PORT (bot/metrics_server.py).
Alert rules over these names: deploy/prometheus/alerts.yml; a dashboard: deploy/grafana/volunteer-bot.json.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import utcnow
from models.outbox import DeliveryStatus, OutboxMessage
from models.user import User
from services.inbox import count_by_status

# --- updates (webhook workers) ---
UPDATES = Counter("bot_updates_total", "Updates received by this process, by outcome",
                  ["outcome"])  # handled, duplicate, error, refused, malformed, recovered
UPDATE_SECONDS = Histogram("bot_update_seconds", "Time to store and handle one update",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

# --- sending (bot/delivery/: the sender counts these where it talks to Telegram) ---
SENDS = Counter("bot_sends_total", "Messages the sender tried to deliver, by lane and outcome",
                ["lane", "outcome"])  # outcome: sent, unreachable, failed, retry
FLOOD_WAITS = Counter("bot_flood_waits_total", "429 Too Many Requests answers, by lane", ["lane"])
FLOOD_WAIT_SECONDS = Counter("bot_flood_wait_seconds_total", "Seconds of retry_after Telegram asked the bot to wait")
API_LATENCY = Histogram("bot_api_latency_seconds", "Bot API call duration, by method", ["method"],
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
MESSAGES_SENT = Counter("bot_outbox_sent_total", "Outbox messages sent by this process (rate() = send rate)")
RATE_LIMITED = Counter("bot_telegram_429_total", "429 Too Many Requests answers from Telegram")
UNREACHABLE_FOUND = Counter("bot_unreachable_total", "Sends refused with 403 (blocked or deactivated)")

# --- scheduler (bot/scheduler.py counts every run, embedded or `volunteer-bot scheduler`) ---
SCHEDULER_JOBS = Counter("bot_scheduler_job_runs_total", "Scheduler job runs", ["job", "outcome"])  # ok, error, missed
SCHEDULER_JOB_SECONDS = Histogram("bot_scheduler_job_seconds", "Duration of one scheduler job run", ["job"],
                                  buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900))
SCHEDULER_JOB_LAST_SUCCESS = Gauge("bot_scheduler_job_last_success_timestamp_seconds",
                                   "Unix time of the job's last successful run", ["job"])

# --- database-wide, read at scrape time ---
OUTBOX_DEPTH = Gauge("bot_outbox_depth", "Outbox messages by delivery status", ["status"])
OUTBOX_OLDEST_PENDING = Gauge("bot_outbox_oldest_pending_seconds",
                              "How long the oldest message due for sending has waited (0: none due)")
UNREACHABLE_USERS = Gauge("bot_unreachable_users", "Users who blocked the bot or were deactivated")
STORED_UPDATES = Gauge("bot_stored_updates", "Rows in the webhook update store, by status", ["status"])


async def refresh_database_gauges(session: AsyncSession, now: datetime | None = None) -> None:
    """Read the database-wide figures at scrape time (one grouped query each)."""
    now = now or utcnow()
    depth = await session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status)))
    OUTBOX_DEPTH.clear()
    for known in DeliveryStatus:  # every status, 0 included: an alert on "pending" needs the series to exist
        OUTBOX_DEPTH.labels(known.value).set(0)
    for status, count in depth.all():
        OUTBOX_DEPTH.labels(status).set(count)
    oldest = await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            col(OutboxMessage.status) == DeliveryStatus.PENDING, col(OutboxMessage.next_attempt_at) <= now))
    OUTBOX_OLDEST_PENDING.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    blocked = await session.scalar(select(func.count()).select_from(User).where(col(User.blocked_at).is_not(None)))
    UNREACHABLE_USERS.set(blocked or 0)
    STORED_UPDATES.clear()
    for stored, count in (await count_by_status(session)).items():
        STORED_UPDATES.labels(stored).set(count)

