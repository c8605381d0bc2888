"""The update store (webhook workers and polling): each update_id is handled once, none is lost to a crash.

A worker stores and claims an update in one statement before it acknowledges it; the claim is a lease, so
an update whose worker died is taken over by any worker once the lease runs out. Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.inbox import ReceivedUpdate, UpdateStatus

# An update whose handling raised this many times is set aside (FAILED) instead of being retried forever.
MAX_ATTEMPTS = 3


@dataclass
class Receipt:
    """The claim on the update being handled: its outcome is written in the update's own last transaction
    (one write transaction per update instead of two), or after it when no transaction ran (`recorded`)."""

    update_id: int
    worker: str
    recorded: bool = False


@dataclass(frozen=True)
class ClaimedUpdate:
    update_id: int
    payload: dict[str, Any]
    attempts: int


async def receive_update(session: AsyncSession, update_id: int, payload: dict[str, Any], *, worker: str,
                         now: datetime, lease: timedelta) -> bool:
    """Store the update and claim it for `worker`. False: it is handled, failed, or another worker holds it."""
    values = {"update_id": update_id, "payload": payload, "status": UpdateStatus.HANDLING, "attempts": 1,
              "worker": worker, "lease_until": now + lease, "received_at": now}
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(ReceivedUpdate).values(values).on_conflict_do_nothing(
            index_elements=["update_id"])
    else:
        statement = sqlite.insert(ReceivedUpdate).values(values).on_conflict_do_nothing(index_elements=["update_id"])
    inserted = await session.execute(statement.returning(col(ReceivedUpdate.update_id)))
    if inserted.first() is not None:
        return True
    # Redelivered: take it over only if its worker's lease ran out (that worker crashed or hung).
    taken = await session.execute(
        update(ReceivedUpdate)
        .where(col(ReceivedUpdate.update_id) == update_id, col(ReceivedUpdate.status) == UpdateStatus.HANDLING,
               col(ReceivedUpdate.lease_until) < now, col(ReceivedUpdate.attempts) < MAX_ATTEMPTS)
        .values(worker=worker, lease_until=now + lease, attempts=col(ReceivedUpdate.attempts) + 1)
        .returning(col(ReceivedUpdate.update_id)))
    return taken.first() is not None


async def mark_handled(session: AsyncSession, update_id: int, *, worker: str, now: datetime) -> bool:
    """Done: drop the payload (it holds what people typed) and keep the id to recognise a redelivery."""
    result = await session.execute(
        update(ReceivedUpdate)
        .where(col(ReceivedUpdate.update_id) == update_id, col(ReceivedUpdate.worker) == worker,
               col(ReceivedUpdate.status) == UpdateStatus.HANDLING)
        .values(status=UpdateStatus.HANDLED, payload=None, handled_at=now, lease_until=None)
        .returning(col(ReceivedUpdate.update_id)))
    return result.first() is not None


async def release_after_error(session: AsyncSession, update_id: int, *, worker: str, now: datetime,
                              retry_in: timedelta) -> str:
    """Handling raised: retry later (any worker), or set it aside after MAX_ATTEMPTS. Returns the new status."""
    row = await session.get(ReceivedUpdate, update_id, with_for_update=True, populate_existing=True)
    if row is None or row.worker != worker or row.status != UpdateStatus.HANDLING:
        return row.status if row is not None else UpdateStatus.FAILED
    if row.attempts >= MAX_ATTEMPTS:
        row.status = UpdateStatus.FAILED
        row.lease_until = None
    else:
        row.lease_until = now + retry_in
    await session.flush()
    return row.status


async def claim_stale(session: AsyncSession, *, worker: str, now: datetime, lease: timedelta,
                      limit: int = 20, orphans: bool = False) -> list[ClaimedUpdate]:
    """Take over updates whose lease ran out, oldest first; SKIP LOCKED lets several workers recover at once.

    `orphans`: also updates another worker still holds, lease or not; only for the sole poller starting up
    (a bot has one getUpdates consumer, so what a previous run left was left by a process that is gone).
    """
    stale = col(ReceivedUpdate.lease_until) < now
    if orphans:
        stale = stale | (col(ReceivedUpdate.worker) != worker)
    due = (col(ReceivedUpdate.status) == UpdateStatus.HANDLING) & stale
    rows = (await session.execute(
        select(ReceivedUpdate)
        .where(due)
        .order_by(col(ReceivedUpdate.update_id)).limit(limit)
        .with_for_update(skip_locked=True))).scalars().all()
    claimed: list[ClaimedUpdate] = []
    for row in rows:
        if row.attempts >= MAX_ATTEMPTS or row.payload is None:
            row.status = UpdateStatus.FAILED
            row.lease_until = None
            continue
        row.worker = worker
        row.lease_until = now + lease
        row.attempts += 1
        claimed.append(ClaimedUpdate(row.update_id, dict(row.payload), row.attempts))
    await session.flush()
    return claimed


async def purge_finished(session: AsyncSession, *, before: datetime) -> int:
    """Forget handled and failed updates received before `before` (Telegram redelivers within hours, not days)."""
    result = await session.execute(
        delete(ReceivedUpdate).where(
            col(ReceivedUpdate.status).in_([UpdateStatus.HANDLED, UpdateStatus.FAILED]),
            col(ReceivedUpdate.received_at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(col(ReceivedUpdate.status), func.count()).group_by(col(ReceivedUpdate.status)))
    return {status: int(count) for status, count in rows.all()}
