"""The seat race: 200 simultaneous taps for 20 seats, on SQLite and PostgreSQL, each in its own transaction."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, BookingStatus, Training
from models.user import User
from services.training import sessions as trainings
from tests import factories
from tests.training.helpers import session_in

TAPS = 200
SEATS = 20


async def test_200_taps_for_20_seats_then_cancellations_promote_in_order(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            training = await session_in(session, capacity=SEATS)
            people = [await factories.volunteer(session, 5000 + i, name=f"Volontaire {i}",
                                                locale="en" if i % 2 else "fr") for i in range(TAPS)]
        training_id = training.id
        assert training_id is not None
        # Users in the order their tap was served. Every tap updates the training row and holds that row's
        # lock (PostgreSQL) or the database's write lock (SQLite) until it commits, so appending before the
        # commit records the true serving order.
        served: list[int] = []

        async def tap(person: User) -> trainings.BookingResult:
            async with sessions.begin() as session:
                result = await trainings.book_seat(session, training_id, person, utcnow())
                assert person.id is not None
                served.append(person.id)
            return result

        results = await asyncio.gather(*(tap(person) for person in people))

        assert sum(r.status == BookingStatus.BOOKED for r in results) == SEATS
        assert sum(r.status == BookingStatus.WAITLISTED for r in results) == TAPS - SEATS
        async with sessions() as session:
            stored = await session.get(Training, training_id)
            assert stored is not None and stored.booked_count == SEATS and stored.last_seq == TAPS
            rows = list((await session.execute(
                select(Booking).where(col(Booking.training_id) == training_id).order_by(col(Booking.seq)))).scalars())
        assert len(rows) == TAPS and [row.seq for row in rows] == list(range(1, TAPS + 1))
        # the first 20 taps served got the seats; everyone after waits, in the order they were served
        assert all(row.status == BookingStatus.BOOKED for row in rows[:SEATS])
        assert all(row.status == BookingStatus.WAITLISTED for row in rows[SEATS:])
        assert [row.user_id for row in rows] == served
        told = {person.id: result.position for person, result in zip(people, results, strict=True)}
        waiting = [row.user_id for row in rows[SEATS:]]
        assert [told[user_id] for user_id in waiting] == list(range(1, TAPS - SEATS + 1))

        # five seats freed at once: the first five waiting get them, in order, and are told (outbox)
        leavers = [next(p for p in people if p.id == row.user_id) for row in rows[:5]]

        async def leave(person: User) -> None:
            async with sessions.begin() as session:
                await trainings.cancel_booking(session, training_id, person, utcnow())

        await asyncio.gather(*(leave(person) for person in leavers))
        async with sessions() as session:
            stored = await session.get(Training, training_id, populate_existing=True)
            assert stored is not None and stored.booked_count == SEATS
            booked = set((await session.execute(select(Booking.user_id).where(
                col(Booking.training_id) == training_id, col(Booking.status) == BookingStatus.BOOKED))).scalars())
            assert booked == {row.user_id for row in rows[5:SEATS]} | set(waiting[:5])
            still = list((await session.execute(select(Booking).where(
                col(Booking.training_id) == training_id, col(Booking.status) == BookingStatus.WAITLISTED)
                .order_by(col(Booking.seq)))).scalars())
            assert [row.user_id for row in still] == waiting[5:]
            assert await trainings.waitlist_position(session, still[0]) == 1
            notices = list((await session.execute(
                select(OutboxMessage.user_id).join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
                .where(col(Campaign.source_key).like(f"training:{training_id}:promoted:%")))).scalars())
            assert sorted(notices) == sorted(waiting[:5])
    finally:
        await engine.dispose()


async def test_a_double_tap_books_once(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            training = await session_in(session, capacity=3)
            person = await factories.volunteer(session, 7001)
        assert training.id is not None

        async def tap() -> trainings.BookingResult:
            async with sessions.begin() as session:
                return await trainings.book_seat(session, training.id, person, utcnow())  # type: ignore[arg-type]

        results = await asyncio.gather(*(tap() for _ in range(5)))
        assert [r.status for r in results] == [BookingStatus.BOOKED] * 5
        assert sum(not r.already for r in results) == 1
        async with sessions() as session:
            stored = await session.get(Training, training.id)
            assert stored is not None and stored.booked_count == 1
            count = len(list((await session.execute(select(Booking))).scalars()))
            assert count == 1
    finally:
        await engine.dispose()
