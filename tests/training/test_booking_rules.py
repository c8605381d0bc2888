"""Booking rules and their database backstops, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.training import Booking, BookingStatus
from services.errors import DomainError
from services.parsing import show_moment
from services.training import inputs as training_input
from services.training import sessions as trainings
from tests import factories
from tests.training.helpers import session_in


async def test_rules_and_backstops(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    try:
        async with sessions.begin() as session:
            a = await factories.volunteer(session, 801)
            b = await factories.volunteer(session, 802)
            c = await factories.volunteer(session, 803)
            training = await session_in(session, capacity=2, now=now)
            tid = training.id
            assert tid is not None
            assert (await trainings.book_seat(session, tid, a, now)).status == BookingStatus.BOOKED
            assert (await trainings.book_seat(session, tid, b, now)).status == BookingStatus.BOOKED
            with pytest.raises(DomainError, match="complète"):
                await trainings.book_seat(session, tid, c, now, waitlist=False)
            assert (await trainings.book_seat(session, tid, c, now)).position == 1
            with pytest.raises(DomainError, match="déjà réservé"):
                await trainings.update_training(session, tid, {"capacity": 1}, now)
            assert (await trainings.get_training(session, tid)).capacity == 2  # type: ignore[union-attr]
            raised, _told = await trainings.update_training(session, tid, {"capacity": 3}, now)
            assert (raised.capacity, raised.booked_count) == (3, 3)  # the person waiting got the new seat
            with pytest.raises(DomainError, match="déjà eu lieu"):
                await trainings.cancel_booking(session, tid, a, training.starts_at + timedelta(minutes=1))
            with pytest.raises(DomainError, match="déjà eu lieu"):
                await trainings.book_seat(session, tid, a, training.starts_at)
            with pytest.raises(DomainError, match="déjà commencé"):
                await trainings.update_training(session, tid, {"capacity": 10}, training.starts_at)

        # the database refuses what the services never do: more bookings than seats, a person twice
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                await session.execute(text("UPDATE trainings SET booked_count = capacity + 1 WHERE id = :id"),
                                      {"id": tid})
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                session.add(Booking(training_id=tid, user_id=a.id, status=BookingStatus.BOOKED, seq=99))  # type: ignore[arg-type]
                await session.flush()
        async with sessions() as session:
            stored = await trainings.get_training(session, tid)
            assert stored is not None and stored.booked_count == 3

        # attendance, once started, builds the history
        async with sessions.begin() as session:
            booking = await trainings.get_booking(session, tid, a.id)  # type: ignore[arg-type]
            assert booking is not None and booking.id is not None
            with pytest.raises(DomainError, match="une fois la formation commencée"):
                await trainings.set_attendance(session, tid, booking.id, True, now)
            await trainings.set_attendance(session, tid, booking.id, True, training.starts_at + timedelta(hours=3))
            assert await trainings.trainings_attended(session, a.id) == 1  # type: ignore[arg-type]
            assert await trainings.trainings_attended(session, b.id) == 0  # type: ignore[arg-type]
            assert await trainings.attended_counts(session, [a.id, b.id, c.id]) == {  # type: ignore[list-item]
                a.id: 1, b.id: 0, c.id: 0}
    finally:
        await engine.dispose()


def test_what_a_coordinator_types() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert training_input.parse_start("12/12/2026 18:30", now) == datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    assert training_input.parse_start("12/12/2026 à 18h30", now) == datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    assert training_input.parse_start("2027-06-01 18:30", now) == datetime(2027, 6, 1, 16, 30, tzinfo=UTC)  # summer
    # one date format typed across the bot: the common ones are accepted, and shown one way
    assert training_input.parse_start("12/12 18h30", now) == datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    assert training_input.parse_start("01/02 9h", now) == datetime(2027, 2, 1, 8, 0, tzinfo=UTC)  # the next one
    assert training_input.parse_start("12/12/26 18H30", now) == datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    assert show_moment(datetime(2026, 12, 12, 17, 30, tzinfo=UTC)) == "12/12/2026 18:30"
    for typed, reason in (("01/01/2020 10:00", "déjà passée"), ("28/03/2027 02:30", "changement d'heure"),
                          ("31/02/2027 10:00", "pas compris"), ("demain 18h", "pas compris"),
                          ("12/12/2026 25:00", "pas compris"), ("²/12 18h", "pas compris")):
        with pytest.raises(DomainError) as refused:
            training_input.parse_start(typed, now)
        assert reason in refused.value.render("fr")
    assert [training_input.parse_duration(v) for v in ("90", "1h30", "2h", "45 min", "1 h 15")] == [90, 90, 120, 45, 75]
    for bad in ("10", "13h", "beaucoup"):
        with pytest.raises(DomainError):
            training_input.parse_duration(bad)
    assert training_input.parse_location("https://visio.paris.fr/x") == (None, "https://visio.paris.fr/x")
    assert training_input.parse_location("  5 rue de Lobau ") == ("5 rue de Lobau", None)
    with pytest.raises(DomainError):
        training_input.parse_location("https://visio paris")
    with pytest.raises(DomainError):
        training_input.parse_capacity("-3")


async def test_the_same_form_published_twice_at_once_creates_one_session(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a controlled clock: 5 days later is 10:00 in Paris

    async def publish() -> int | None:
        async with sessions.begin() as session:
            created = await trainings.create_training(
                session, networks=["climate"], theme="Canicule", title_fr="Canicule", title_en="Heat wave",
                description_fr="", description_en="", starts_at=now + timedelta(days=5), duration_minutes=120,
                place="Hôtel de Ville", online_url=None, capacity=10, now=now, request_key="form-1")
            return created.id

    try:
        ids = await asyncio.gather(*(publish() for _ in range(5)))
        assert len(set(ids)) == 1
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM trainings"))).scalar_one() == 1
    finally:
        await engine.dispose()
