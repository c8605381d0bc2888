"""The update store's rules on SQLite and PostgreSQL: once per update_id, leases, retries, set-aside, purge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.inbox import ReceivedUpdate, UpdateStatus
from services import inbox

LEASE = timedelta(seconds=30)
PAYLOAD = {"update_id": 7, "message": {"text": "bonjour"}}


async def test_an_update_is_claimed_once_and_forgotten_when_handled(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    async with sessions.begin() as session:
        assert await inbox.receive_update(session, 7, PAYLOAD, worker="a", now=now, lease=LEASE)
    async with sessions.begin() as session:
        # a redelivery while "a" holds it, and after it is handled: nobody else takes it
        assert not await inbox.receive_update(session, 7, PAYLOAD, worker="b", now=now, lease=LEASE)
        assert not await inbox.mark_handled(session, 7, worker="b", now=now)  # not b's to finish
        assert await inbox.mark_handled(session, 7, worker="a", now=now)
    async with sessions.begin() as session:
        assert not await inbox.receive_update(session, 7, PAYLOAD, worker="b", now=now + LEASE * 3, lease=LEASE)
        row = await session.get(ReceivedUpdate, 7)
        assert row is not None and row.status == UpdateStatus.HANDLED and row.payload is None
        assert await inbox.purge_finished(session, before=now + timedelta(days=3)) == 1
        assert await inbox.count_by_status(session) == {}
    await engine.dispose()


async def test_a_dead_workers_update_is_recovered_then_set_aside_after_repeated_errors(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    async with sessions.begin() as session:
        assert await inbox.receive_update(session, 8, {**PAYLOAD, "update_id": 8}, worker="dead", now=now,
                                          lease=LEASE)
        assert await inbox.claim_stale(session, worker="b", now=now, lease=LEASE) == []  # lease still runs
    later = now + LEASE * 2
    async with sessions.begin() as session:
        (claimed,) = await inbox.claim_stale(session, worker="b", now=later, lease=LEASE)
        assert (claimed.update_id, claimed.attempts, claimed.payload["update_id"]) == (8, 2, 8)
        # handling raised: back to the queue for a later try by anyone
        assert await inbox.release_after_error(session, 8, worker="b", now=later, retry_in=LEASE) == "handling"
    latest = later + LEASE * 2
    async with sessions.begin() as session:
        (claimed,) = await inbox.claim_stale(session, worker="c", now=latest, lease=LEASE)
        assert claimed.attempts == inbox.MAX_ATTEMPTS
        assert await inbox.release_after_error(session, 8, worker="c", now=latest, retry_in=LEASE) == "failed"
    async with sessions.begin() as session:
        assert await inbox.claim_stale(session, worker="d", now=latest + LEASE * 9, lease=LEASE) == []
        assert not await inbox.receive_update(session, 8, PAYLOAD, worker="d", now=latest + LEASE * 9, lease=LEASE)
        statuses = (await session.execute(select(col(ReceivedUpdate.status)))).scalars().all()
        assert statuses == [UpdateStatus.FAILED]
    await engine.dispose()
