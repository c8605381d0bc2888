"""The reminder promise on both engines: two job runs at once (two scheduler processes, a restart in the
middle of a tick) queue each reminder once; the UNIQUE (booking, kind, start) constraint decides."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, func, select

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import TrainingReminder
from services.training import reminders
from services.training import sessions as trainings
from tests import factories
from tests.training.helpers import session_in


async def test_two_runs_at_once_queue_each_reminder_once(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    try:
        async with sessions.begin() as session:
            training = await session_in(session, days=3, capacity=30, now=now)
            for n in range(20):
                person = await factories.volunteer(session, 1200 + n, locale="en" if n % 2 else "fr")
                await trainings.book_seat(session, training.id, person, now)  # type: ignore[arg-type]
        tick = training.starts_at - timedelta(hours=20)

        async def run() -> int:
            async with sessions.begin() as session:
                return await reminders.enqueue_reminders(session, tick)

        results = await asyncio.gather(*(run() for _ in range(4)), return_exceptions=True)
        queued = [result for result in results if isinstance(result, int)]
        assert sum(queued) == 20, results  # a run that lost a race either queued nothing or failed whole
        assert await run() == 0
        async with sessions() as session:
            promises = (await session.execute(select(func.count()).select_from(TrainingReminder))).scalar_one()
            messages = (await session.execute(select(func.count()).select_from(OutboxMessage).join(Campaign).where(
                col(Campaign.source_key).like(f"training:{training.id}:reminder:24h:%")))).scalar_one()
        assert (promises, messages) == (20, 20)
    finally:
        await engine.dispose()
