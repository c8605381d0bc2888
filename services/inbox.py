"""The update store (webhook workers and polling): each update_id is handled once, none is lost to a crash.

A worker stores and claims an update in one statement before it acknowledges it; the claim is a lease, so
an update whose worker died is taken over by any worker once the lease runs out. Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, literal, select, update
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


# The statements every update runs, built once as Core statements on the table (building them per update,
# through the ORM's bulk-update path, cost more than running them: measured ~12 % of a handled update).
_UPDATES = ReceivedUpdate.__table__  # type: ignore[attr-defined]
_HANDLING = literal(UpdateStatus.HANDLING.value)


@lru_cache(maxsize=4)
def _store_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(_UPDATES)
            .values(update_id=bindparam("update_id"), payload=bindparam("payload"), status=_HANDLING,
                    attempts=1, worker=bindparam("worker"), lease_until=bindparam("lease_until"),
                    received_at=bindparam("now"))
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(_UPDATES.c.update_id))


# Redelivered: take it over only if its worker's lease ran out (that worker crashed or hung).
_TAKE_OVER = (update(_UPDATES)
              .where(_UPDATES.c.update_id == bindparam("id"), _UPDATES.c.status == _HANDLING,
                     _UPDATES.c.lease_until < bindparam("now"), _UPDATES.c.attempts < MAX_ATTEMPTS)
              .values(worker=bindparam("worker"), lease_until=bindparam("lease_until"),
                      attempts=_UPDATES.c.attempts + 1)
              .returning(_UPDATES.c.update_id))

# Done: drop the payload (it holds what people typed) and keep the id to recognise a redelivery.
_MARK_HANDLED = (update(_UPDATES)
                 .where(_UPDATES.c.update_id == bindparam("id"), _UPDATES.c.worker == bindparam("by"),
                        _UPDATES.c.status == _HANDLING)
                 .values(status=literal(UpdateStatus.HANDLED.value), payload=None, handled_at=bindparam("now"),
                         lease_until=None)
                 .returning(_UPDATES.c.update_id))


async def receive_update(session: AsyncSession, update_id: int, payload: dict[str, Any], *, worker: str,
                         now: datetime, lease: timedelta) -> bool:
    """Store the update and claim it for `worker`. False: it is handled, failed, or another worker holds it."""
    statement = _store_statement(session.get_bind().dialect.name)
    inserted = await session.execute(statement, {"update_id": update_id, "payload": payload, "worker": worker,
                                                 "lease_until": now + lease, "now": now})
    if inserted.first() is not None:
        return True
    taken = await session.execute(_TAKE_OVER, {"id": update_id, "now": now, "worker": worker,
                                               "lease_until": now + lease})
    return taken.first() is not None


async def mark_handled(session: AsyncSession, update_id: int, *, worker: str, now: datetime) -> bool:
    """Done: drop the payload (it holds what people typed) and keep the id to recognise a redelivery."""
    result = await session.execute(_MARK_HANDLED, {"id": update_id, "by": worker, "now": now})
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
