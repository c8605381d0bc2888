"""Reminders before a followed call's deadline go out exactly once, even when two runs race (both engines)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.outbox import OutboxMessage
from models.procurement import Notice, NoticeFollow
from models.user import User
from services.errors import DomainError
from services.procurement import deadlines

DEADLINE = datetime(2099, 2, 4, 8, 0, tzinfo=UTC)


async def test_two_racing_runs_send_each_reminder_once(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            people = [User(telegram_id=900 + i, locale="fr") for i in range(5)]
            notice = Notice(source="eforms", source_id="x", kind="call", title="Nettoyage", content_hash="h",
                            deadline=DEADLINE)
            session.add_all([*people, notice])
            await session.flush()
            for person in people:
                await deadlines.follow(session, person, notice.id or 0, DEADLINE - timedelta(days=10))
                await deadlines.follow(session, person, notice.id or 0, DEADLINE - timedelta(days=10))  # twice: once
            with pytest.raises(DomainError):
                await deadlines.follow(session, people[0], notice.id or 0, DEADLINE)  # closed

        async def run(moment: datetime) -> int:
            async with sessions.begin() as session:
                return await deadlines.send_reminders(session, moment)

        for moment in (DEADLINE - timedelta(days=3), DEADLINE - timedelta(hours=20)):
            if engine.dialect.name == "postgresql":
                sent = list(await asyncio.gather(run(moment), run(moment)))
            else:  # one connection: the runs queue for it
                sent = [await run(moment), await run(moment)]
            assert sorted(sent) == [0, 5]
        async with sessions() as session:
            assert len((await session.execute(select(OutboxMessage))).scalars().all()) == 10
            assert {f.reminded for f in (await session.execute(select(NoticeFollow))).scalars()} == {1}
    finally:
        await engine.dispose()
