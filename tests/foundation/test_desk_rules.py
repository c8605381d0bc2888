"""The desk's SQL on both engines: segments read JSON lists, retention blanks JSON columns, the trail joins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.inbox import ReceivedUpdate, UpdateStatus
from models.outbox import Campaign, OutboxMessage
from services import audit, exports, privacy, segments
from tests.factories import volunteer


async def test_segments_retention_and_trail_on_both_engines(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    now = utcnow()
    try:
        async with create_sessionmaker(engine).begin() as session:
            first = await volunteer(session, 601, name="Élise Aïd", arrondissement=11, locale="en")
            first.skills, first.languages = ["first_aid", "health"], ["ar"]
            second = await volunteer(session, 602, name="Marc Noël", arrondissement=13, solidarity=True)
            second.skills = ["health"]
            await volunteer(session, 603, name="Eva Sans", arrondissement=12)
            await session.flush()
            search = segments.parse_search("elise 11-13 premiers secours arabe")
            assert [user.telegram_id for user in await segments.members(session, search)] == [601]
            health = segments.Segment(skills=frozenset({"health"}), arrondissements=frozenset({11, 12, 13}))
            assert await segments.count(session, health) == 2
            assert await segments.locales_present(session, health) == ["fr", "en"]
            climate_en = segments.Segment(networks=frozenset({"climate"}), locales=frozenset({"en"}))
            assert await segments.count(session, climate_en) == 1

            campaign = Campaign(kind="broadcast", title="t", created_by=first.id, created_at=now - timedelta(days=40))
            session.add(campaign)
            await session.flush()
            session.add_all([
                OutboxMessage(campaign_id=campaign.id, user_id=second.id, chat_id=602, parts=[{"text": "a"}],
                              status="sent"),
                OutboxMessage(campaign_id=campaign.id, user_id=first.id, chat_id=601, parts=[{"text": "b"}],
                              status="pending"),  # not sent yet: its text stays whatever its age
                ReceivedUpdate(update_id=9, payload={"text": "x"}, status=UpdateStatus.FAILED,
                               received_at=now - timedelta(days=40)),
            ])
            await session.flush()
            assert await privacy.drop_old_texts(session, now=now, days=30) == (1, 1)
            assert await privacy.drop_old_texts(session, now=now, days=30) == (0, 0)
            parts = (await session.execute(select(col(OutboxMessage.parts)).order_by(col(OutboxMessage.id)))).scalars()
            assert list(parts) == [[], [{"text": "b"}]]

            await audit.record(session, actor=first, action="grant", now=now, count=1, target=second)
            trail = await audit.trail(session)
            assert [(line.action, line.count) for line in trail] == [("grant", 1), ("campaign:broadcast", 2)]
            export = await exports.run(session, None, "campaigns", locale="en", now=now)
            assert export.rows == 2
    finally:
        await engine.dispose()
