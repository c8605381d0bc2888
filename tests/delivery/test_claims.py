"""Claiming outbox rows on both engines: leases, expiry, paused campaigns, concurrent senders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.outbox import CampaignStatus, DeliveryStatus
from services import outbox

LEASE = timedelta(seconds=30)


async def test_leases_expire_and_paused_campaigns_are_skipped(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="test", title="Claims")
            await outbox.enqueue(session, campaign, [outbox.Outgoing(i, [outbox.Part(f"m{i}")]) for i in range(10)])
            paused, _ = await outbox.create_campaign(session, kind="test", title="Paused")
            await outbox.enqueue(session, paused, [outbox.Outgoing(99, [outbox.Part("p")])])
            await outbox.set_campaign_status(session, paused.id, CampaignStatus.PAUSED)  # type: ignore[arg-type]
        now = utcnow()
        async with sessions.begin() as session:
            first = await outbox.claim_due(session, 4, LEASE, now)
        assert [row.chat_id for row in first] == [0, 1, 2, 3] and all(row.attempts == 1 for row in first)
        async with sessions.begin() as session:
            rest = await outbox.claim_due(session, 100, LEASE, now)
        assert [row.chat_id for row in rest] == list(range(4, 10))  # never the paused campaign's row
        async with sessions.begin() as session:
            assert await outbox.claim_due(session, 100, LEASE, now + LEASE / 2) == []
            # the sender that held 0..3 died: after the lease they are claimable again, counted as an attempt
            await outbox.renew_leases(session, [row.id for row in rest], LEASE, now + LEASE / 2)
            again = await outbox.claim_due(session, 100, LEASE, now + LEASE + timedelta(seconds=1))
        assert [row.chat_id for row in again] == [0, 1, 2, 3] and all(row.attempts == 2 for row in again)
        async with sessions.begin() as session:
            deliveries = [outbox.Delivery(row.id, row.campaign_id, DeliveryStatus.SENT, 1, message_id=7)
                          for row in [*again, *rest]]
            finished = await outbox.record_deliveries(session, deliveries, utcnow())
            assert finished == {campaign.id}
            progress = await outbox.campaign_progress(session, campaign.id)  # type: ignore[arg-type]
            assert (progress.sent, progress.pending, progress.finished) == (10, 0, True)
            assert await outbox.outstanding_count(session) == 0
            assert await outbox.outstanding_count(session, include_paused=True) == 1
    finally:
        await engine.dispose()


async def test_concurrent_senders_never_claim_the_same_row(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="test", title="Race")
            await outbox.enqueue(session, campaign, [outbox.Outgoing(i, [outbox.Part("m")]) for i in range(300)])

        async def one_sender() -> list[int]:
            taken: list[int] = []
            while True:
                async with sessions.begin() as session:
                    rows = await outbox.claim_due(session, 20, LEASE, utcnow())
                if not rows:
                    return taken
                taken.extend(row.id for row in rows)
                await asyncio.sleep(0)

        results = await asyncio.gather(*(one_sender() for _ in range(4)))
        claimed = [row_id for taken in results for row_id in taken]
        assert len(claimed) == len(set(claimed)) == 300
    finally:
        await engine.dispose()
