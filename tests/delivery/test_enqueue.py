"""Enqueueing: each recipient once per campaign, idempotent campaigns, progress derived from the rows."""

from __future__ import annotations

import pytest

from bot.db import create_engine, create_sessionmaker
from models.outbox import CampaignStatus
from services import outbox
from services.errors import DomainError


async def test_enqueue_is_idempotent_and_progress_is_derived(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, new = await outbox.create_campaign(session, kind="broadcast", title="Test",
                                                         source_key="test:1")
            assert new
            messages = [outbox.Outgoing(chat_id=1000 + i, parts=[outbox.Part(f"Bonjour {i}")]) for i in range(2500)]
            assert await outbox.enqueue(session, campaign, messages) == 2500
        async with sessions.begin() as session:
            again, new = await outbox.create_campaign(session, kind="broadcast", title="Test", source_key="test:1")
            assert not new and again.id == campaign.id
            # a double trigger enqueues nobody twice
            assert await outbox.enqueue(session, again, messages[:10]) == 0
            progress = await outbox.campaign_progress(session, campaign.id)  # type: ignore[arg-type]
            assert (progress.total, progress.pending, progress.sent) == (2500, 2500, 0)
            await outbox.set_campaign_status(session, campaign.id, CampaignStatus.CANCELLED)  # type: ignore[arg-type]
            progress = await outbox.campaign_progress(session, campaign.id)  # type: ignore[arg-type]
            assert (progress.cancelled, progress.pending) == (2500, 0)
    finally:
        await engine.dispose()


async def test_empty_and_oversized_messages_are_refused(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="broadcast", title="Test")
            with pytest.raises(DomainError):
                await outbox.enqueue(session, campaign, [outbox.Outgoing(1, [outbox.Part("  ")])])
            with pytest.raises(DomainError):
                await outbox.enqueue(session, campaign, [outbox.Outgoing(1, [outbox.Part("x" * 4097)])])
    finally:
        await engine.dispose()
