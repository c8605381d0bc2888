"""Enqueueing: each recipient once per campaign, idempotent campaigns, progress derived from the rows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.outbox import CampaignStatus, OutboxMessage
from services import outbox
from services.errors import DomainError
from services.markdown_telegram import telegram_length


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


async def test_empty_messages_are_refused_and_oversized_ones_split_by_the_one_splitter(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="broadcast", title="Test")
            with pytest.raises(DomainError):
                await outbox.enqueue(session, campaign, [outbox.Outgoing(1, [outbox.Part("  ")])])
            # issue 13: every long message goes through one splitter (counted as Telegram counts), buttons last
            markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
            long_text = "<b>" + "Canicule : buvez de l'eau & restez au frais. " * 100 + "</b>"
            assert await outbox.enqueue(session, campaign, [outbox.Outgoing(1, [outbox.Part(long_text, markup)])]) == 1
            row = (await session.execute(select(OutboxMessage))).scalar_one()
            assert len(row.parts) == 2 and [part["reply_markup"] for part in row.parts] == [None, markup]
            assert all(telegram_length(part["text"]) <= 4096 and part["text"].startswith("<b>")
                       and part["text"].endswith("</b>") for part in row.parts)
    finally:
        await engine.dispose()
