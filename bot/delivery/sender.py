"""The one place that sends mass messages: claim outbox rows with a lease, send them within Telegram's
limits, write the outcomes back in batches.

Never holds a database transaction across a Bot API call: claim (one short transaction, commit), send,
then record (short batched transactions). A row claimed but not yet recorded is "in flight"; at most
`max_in_flight` rows are, which bounds what a crash can send twice (sendMessage has no idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.delivery.budget import send_budget
from bot.delivery.limits import MASS, ChatSpacing, LocalRateLimiter, RateLimiter
from bot.delivery.transport import (
    BadRequest,
    BotApiTransport,
    Forbidden,
    NetworkError,
    RetryAfter,
    ServerError,
    Unauthorized,
)
from models.base import utcnow
from models.outbox import CampaignStatus, DeliveryStatus
from services import outbox
from services.outbox import Claimed, Delivery

log = logging.getLogger(__name__)

MAX_429_PER_PART = 20
# How often the sender reads which campaigns were paused or cancelled (by any process): the bound on how
# long a tap on Pause takes to stop sends that are already claimed.
STEER_EVERY = 0.25
# Database refusing writes (disk full, failover): back off up to this, and give up (the process exits
# non-zero for its supervisor) after `outage_limit` seconds without a successful write.
DB_BACKOFF_MAX = 5.0


@dataclass
class SenderStats:
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0
    too_many_requests: int = 0
    claims: int = 0
    finished_campaigns: list[int] = field(default_factory=list)


class Sender:
    """Run with `await sender.run()` (a task); `wake()` after enqueueing in this process (done automatically
    through services.outbox's commit hook)."""

    def __init__(
        self,
        transport: BotApiTransport,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rate: float = 25.0,
        paid: bool = False,
        limiter: RateLimiter | None = None,
        chat_interval: float = 1.05,
        max_in_flight: int | None = None,
        lease: float = 120.0,
        poll_interval: float = 0.3,
        flush_interval: float = 0.05,
        max_attempts: int = 5,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        recover_on_start: bool | None = None,
        outage_limit: float = 600.0,
    ) -> None:
        self.transport = transport
        self.sessions = sessions
        self.paid = paid
        self.limiter: RateLimiter = limiter or LocalRateLimiter(rate)
        self.chat_spacing = ChatSpacing(chat_interval)
        # enough concurrent sends to cover the API latency at the full rate, and a bounded crash window;
        # left to us (None), the bound follows the measured latency, between rate × 0.3 s and rate × 1 s
        self.max_in_flight = max_in_flight or max(16, int(self.limiter.rate * 0.3))
        self._adaptive = max_in_flight is None
        self._in_flight_bounds = (self.max_in_flight, max(self.max_in_flight, int(self.limiter.rate)))
        self.latency = 0.0  # moving average of the Bot API's answer time, seconds
        self.lease = timedelta(seconds=lease)
        self.poll_interval = poll_interval
        self.flush_interval = flush_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.recover_on_start = recover_on_start
        self.outage_limit = outage_limit
        self._halted: set[int] = set()  # campaigns paused or cancelled: their claimed rows are not sent
        self.stats = SenderStats()
        self.on_finished: list[Callable[[set[int]], Any]] = []
        self._wake = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._results: list[Delivery] = []
        self._results_ready = asyncio.Event()
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._unstarted: dict[int, Claimed] = {}
        self._held: set[int] = set()  # ids claimed and not yet recorded

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        outbox.add_enqueue_listener(self.wake)
        outbox.add_steering_listener(self.steer)
        writer = asyncio.create_task(self._write_results(), name="outbox-writer")
        renewer = asyncio.create_task(self._renew_leases(), name="outbox-leases")
        steering = asyncio.create_task(self._read_steering(), name="outbox-steering")
        try:
            await self._with_database(self._recover, "recovering leases")
            claimer = asyncio.create_task(self._claim_loop(), name="outbox-claims")
            try:
                # either ends only by an error (the database gone for good): the whole sender stops with it
                done, _ = await asyncio.wait({claimer, writer}, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            finally:
                claimer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await claimer
        finally:
            outbox.remove_enqueue_listener(self.wake)
            outbox.remove_steering_listener(self.steer)
            renewer.cancel()
            steering.cancel()
            await self._shutdown(writer)

    def steer(self, campaign_id: int, status: str) -> None:
        """A campaign was paused, cancelled or resumed in this process: claimed rows obey at once."""
        if status == CampaignStatus.RUNNING:
            self._halted.discard(campaign_id)
        else:
            self._halted.add(campaign_id)

    async def _read_steering(self) -> None:
        """Pause and Cancel tapped in any process reach rows this sender holds within STEER_EVERY."""
        while True:
            await asyncio.sleep(STEER_EVERY)
            campaigns = {row.campaign_id for row in self._unstarted.values()}
            if not campaigns:
                continue
            try:
                async with self.sessions() as session:
                    halted = await outbox.halted_campaigns(session, campaigns)
            except Exception:
                log.warning("sender: could not read campaign states; trying again")
                continue
            self._halted = (self._halted - campaigns) | halted

    async def _with_database(self, work: Callable[[], Any], what: str) -> Any:
        """Run `work` (one transaction) until the database takes it: back off while it refuses writes, and
        raise after `outage_limit` seconds so that the process exits and its supervisor restarts it."""
        delay, started = 0.1, time.monotonic()
        while True:
            try:
                return await work()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if time.monotonic() - started > self.outage_limit:
                    log.critical("sender: the database refused %s for %.0f s; stopping", what, self.outage_limit)
                    raise
                log.warning("sender: %s failed (%s); retrying in %.1f s", what, type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(DB_BACKOFF_MAX, delay * 2)

    async def _recover(self) -> None:
        recover = self.recover_on_start
        if recover is None:
            recover = self.sessions.kw["bind"].dialect.name == "sqlite"
        if recover:
            async with self.sessions.begin() as session:
                count = await outbox.recover_claims(session)
            if count:
                log.info("sender: %d leased rows of a previous run returned to the queue", count)

    def _adapt_in_flight(self) -> None:
        """Rows in flight = waiting for the limiter + awaiting an answer + awaiting their write: cover the
        answer time twice (jitter), one write interval and 0.1 s of queue, at the full rate."""
        low, high = self._in_flight_bounds
        wanted = int(self.limiter.rate * (2 * self.latency + self.flush_interval + 0.1))
        self.max_in_flight = min(high, max(low, wanted))

    async def _claim_loop(self) -> None:
        while True:
            if self._adaptive:
                self._adapt_in_flight()
            batch_floor = max(1, self.max_in_flight // 4)
            free = self.max_in_flight - self._in_flight
            if free < batch_floor:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            self._wake.clear()

            async def claim(free: int = free) -> list[Claimed]:
                async with self.sessions.begin() as session:
                    return await outbox.claim_due(session, free, self.lease, utcnow())

            rows = await self._with_database(claim, "claiming rows")
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                continue
            self.stats.claims += 1
            for row in rows:
                if row.id in self._held:  # our own lease ran out while it waited; it is still ours
                    continue
                self._held.add(row.id)
                self._in_flight += 1
                self._unstarted[row.id] = row
                task = asyncio.create_task(self._deliver(row))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _renew_leases(self) -> None:
        period = max(0.5, self.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(period)
            if self._held:
                try:
                    async with self.sessions.begin() as session:
                        await outbox.renew_leases(session, sorted(self._held), self.lease, utcnow())
                except Exception as error:
                    log.warning("sender: lease renewal failed (%s)", type(error).__name__)

    async def _deliver(self, row: Claimed) -> None:
        try:
            result = await self._send_row(row)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug must not stop the sender; the row comes back later
            log.exception("sender: unexpected error on outbox row %s", row.id)
            result = self._retry(row, row.parts_sent, f"internal: {type(error).__name__}")
        self._results.append(result)
        self._results_ready.set()

    async def _send_row(self, row: Claimed) -> Delivery:
        parts_sent = row.parts_sent
        message_id: int | None = None
        too_many = 0
        while parts_sent < len(row.parts):
            part = row.parts[parts_sent]
            await self.chat_spacing.wait(row.chat_id)
            await self.limiter.acquire(MASS)
            if row.campaign_id in self._halted:
                # paused or cancelled after the claim: not sent; a cancelled campaign's row ends cancelled
                self._unstarted.pop(row.id, None)
                return Delivery(row.id, row.campaign_id, DeliveryStatus.PENDING, parts_sent, uncount_attempt=True)
            self._unstarted.pop(row.id, None)
            started = time.monotonic()
            try:
                if part.get("photo"):
                    message_id = await self.transport.send_message(
                        row.chat_id, part["text"], part.get("reply_markup"), paid=self.paid or row.paid,
                        photo=part["photo"])
                else:
                    message_id = await self.transport.send_message(
                        row.chat_id, part["text"], part.get("reply_markup"), paid=self.paid or row.paid)
                self.latency += (time.monotonic() - started - self.latency) * 0.05
                metrics.API_LATENCY.labels("sendPhoto" if part.get("photo") else "sendMessage").observe(
                    time.monotonic() - started)
            except RetryAfter as error:
                # Bot API: 429 parameters.retry_after; the flood limit is per bot, so everybody waits
                self.stats.too_many_requests += 1
                metrics.FLOOD_WAITS.labels(MASS).inc()
                metrics.FLOOD_WAIT_SECONDS.inc(error.retry_after)
                too_many += 1
                await self.limiter.pause(float(error.retry_after))
                if too_many > MAX_429_PER_PART:
                    return self._retry(row, parts_sent, f"429 retry after {error.retry_after}")
                continue
            except Forbidden as error:
                # 403: blocked the bot or deactivated; they are unreachable until they write again
                self.stats.unreachable += 1
                metrics.SENDS.labels(MASS, "unreachable").inc()
                return Delivery(row.id, row.campaign_id, DeliveryStatus.UNREACHABLE, parts_sent, user_id=row.user_id,
                                error=str(error))
            except Unauthorized as error:
                log.error("sender: the bot token was refused (401); pausing 30 s")
                await self.limiter.pause(30.0)
                return self._retry(row, parts_sent, str(error))
            except ServerError as error:
                return self._retry(row, parts_sent, f"5xx {error}")
            except NetworkError as error:
                # no answer: it may have arrived; retrying makes delivery at-least-once for in-flight rows
                return self._retry(row, parts_sent, f"network {error.description}")
            except BadRequest as error:
                # other 4xx (bad HTML, too long, chat not found…): retrying cannot help
                self.stats.failed += 1
                metrics.SENDS.labels(MASS, "failed").inc()
                return Delivery(row.id, row.campaign_id, DeliveryStatus.FAILED, parts_sent, error=str(error))
            parts_sent += 1
        self.stats.sent += 1
        metrics.SENDS.labels(MASS, "sent").inc()
        return Delivery(row.id, row.campaign_id, DeliveryStatus.SENT, parts_sent, message_id=message_id)

    def _retry(self, row: Claimed, parts_sent: int, error: str) -> Delivery:
        if row.attempts >= self.max_attempts:
            self.stats.failed += 1
            metrics.SENDS.labels(MASS, "failed").inc()
            return Delivery(row.id, row.campaign_id, DeliveryStatus.FAILED, parts_sent,
                            error=f"{error} (after {row.attempts} attempts)")
        self.stats.retried += 1
        delay = min(self.backoff_max, self.backoff_base * 2 ** (row.attempts - 1)) * random.uniform(0.75, 1.0)
        asyncio.get_running_loop().call_later(delay + 0.01, self.wake)
        return Delivery(row.id, row.campaign_id, DeliveryStatus.PENDING, parts_sent, error=error,
                        retry_at=utcnow() + timedelta(seconds=delay))

    async def _write_results(self) -> None:
        while True:
            await self._results_ready.wait()
            await asyncio.sleep(self.flush_interval)  # gather a batch
            await self._flush()

    async def _flush(self) -> None:
        self._results_ready.clear()
        batch = self._results[:]
        if not batch:
            return

        async def record() -> set[int]:
            async with self.sessions.begin() as session:
                return await outbox.record_deliveries(session, batch, utcnow())

        # Outcomes are never dropped: a row sent but not recorded would be sent again after a restart.
        finished = await self._with_database(record, f"recording {len(batch)} outcomes")
        del self._results[:len(batch)]
        self._in_flight -= len(batch)
        self._held.difference_update(delivery.row_id for delivery in batch)
        self._slot_freed.set()
        if finished:
            self.stats.finished_campaigns.extend(sorted(finished))
            for callback in self.on_finished:
                callback(finished)

    async def _shutdown(self, writer: asyncio.Task[None]) -> None:
        """Stop sending; record what finished, hand back rows never tried, leave the in-flight ones leased."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        released = [Delivery(row.id, row.campaign_id, DeliveryStatus.PENDING, row.parts_sent, uncount_attempt=True)
                    for row in self._unstarted.values()]
        self._unstarted.clear()
        self._results.extend(released)
        try:
            await asyncio.shield(self._flush())
        except Exception:
            log.exception("sender: could not record the last outcomes on shutdown")
        await self.transport.close()


def create_transport(settings: Any, *, timeout: float = 15.0) -> BotApiTransport:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise RuntimeError("BOT_TOKEN is not set: the sender cannot send")
    return BotApiTransport(settings.bot_token.get_secret_value(), settings.bot_api_url, timeout=timeout)


def create_sender(sessions: async_sessionmaker[AsyncSession], settings: Any, *, request_timeout: float = 15.0,
                  **overrides: Any) -> Sender:
    """A sender configured from Settings (BOT_TOKEN, BOT_API_URL, BOT_SEND_RATE, PAID_BROADCAST).

    Its transport is closed when `run()` ends.
    """
    explicit = set(overrides)
    overrides.setdefault("rate", settings.bot_send_rate)
    overrides.setdefault("paid", settings.paid_broadcast)
    if "limiter" not in overrides and "rate" not in explicit:
        # the bot's replies and this sender take the same budget (interactive first)
        with contextlib.suppress(RuntimeError):  # no running loop: a budget of its own
            overrides["limiter"] = send_budget(settings)
    return Sender(create_transport(settings, timeout=request_timeout), sessions, **overrides)
