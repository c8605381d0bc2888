"""Erasing your data gives your seat to the next person waiting, at once."""

from __future__ import annotations

from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.training import Booking, BookingStatus
from services import privacy
from services.training import sessions as trainings
from tests.factories import volunteer
from tests.training.helpers import session_in


async def test_erasure_promotes_the_first_waiting(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            held = await session_in(session, capacity=1)
            first = await volunteer(session, 801)
            second = await volunteer(session, 802)
            await trainings.book_seat(session, held.id, first, utcnow())
            await trainings.book_seat(session, held.id, second, utcnow())
        async with sessions.begin() as session:
            await privacy.erase_user(session, await session.get(type(first), first.id))
        async with sessions.begin() as session:
            statuses = dict((await session.execute(
                select(Booking.user_id, Booking.status).where(Booking.training_id == held.id))).all())
            assert statuses[second.id] == BookingStatus.BOOKED
            assert statuses[first.id] == BookingStatus.CANCELLED
    finally:
        await engine.dispose()
