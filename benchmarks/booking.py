"""The seat race: 200 simultaneous booking taps for 20 seats, each in its own transaction, per engine.

Ours is `services.training.book_seat` (conditional UPDATE … WHERE booked_count < capacity, wait list by
the training's sequence). The baseline, measured in the same run on the same database, is the usual
read-check-write ("SELECT booked_count, then UPDATE to that + 1"): as fast or faster, but on PostgreSQL it
loses updates and overbooks. Prints one JSON line.

    python -m benchmarks.booking [--taps 200] [--seats 20] [--rounds 3]
    (PostgreSQL too when TEST_POSTGRES_URL is set)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker, upgrade_database
from models.base import utcnow
from models.training import Booking, BookingStatus, Training
from models.user import User
from services.training import sessions as trainings
from tests.databases import postgres_schema, postgres_url


async def _naive_book(session: AsyncSession, training_id: int, user: User) -> None:
    """What many bots do: read the count, decide in Python, write the count back."""
    booked = (await session.execute(
        select(Training.booked_count).where(col(Training.id) == training_id))).scalar_one()
    capacity = (await session.execute(select(Training.capacity).where(col(Training.id) == training_id))).scalar_one()
    status = BookingStatus.BOOKED if booked < capacity else BookingStatus.WAITLISTED
    if status == BookingStatus.BOOKED:
        await session.execute(update(Training).where(col(Training.id) == training_id).values(booked_count=booked + 1))
    assert user.id is not None
    session.add(Booking(training_id=training_id, user_id=user.id, status=status, seq=0))
    await session.flush()


async def _race(sessions: async_sessionmaker[AsyncSession], people: list[User], seats: int,
                naive: bool) -> dict[str, Any]:
    async with sessions.begin() as session:
        now = utcnow()
        training = await trainings.create_training(
            session, networks=["climate"], theme="Canicule", title_fr="Course", title_en="Race",
            description_fr="", description_en="", starts_at=now.replace(year=now.year + 1, hour=17, minute=0),
            duration_minutes=120, place="Hôtel de Ville", online_url=None, capacity=seats, now=now)
    training_id = training.id
    assert training_id is not None
    served: list[int] = []
    errors = 0

    async def tap(person: User) -> None:
        nonlocal errors
        try:
            async with sessions.begin() as session:
                if naive:
                    await _naive_book(session, training_id, person)
                else:
                    await trainings.book_seat(session, training_id, person, utcnow())
                served.append(person.id or 0)
        except Exception:  # the baseline may hit serialization or lock errors; count them
            errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(tap(person) for person in people))
    seconds = time.perf_counter() - started
    async with sessions() as session:
        rows = list((await session.execute(select(Booking).where(col(Booking.training_id) == training_id)
                                           .order_by(col(Booking.seq), col(Booking.id)))).scalars())
        counter = (await session.execute(
            select(Training.booked_count).where(col(Training.id) == training_id))).scalar_one()
        booked = (await session.execute(select(func.count()).where(
            col(Booking.training_id) == training_id, col(Booking.status) == BookingStatus.BOOKED))).scalar_one()
    waiting = [row.user_id for row in rows if row.status == BookingStatus.WAITLISTED]
    result: dict[str, Any] = {"seconds": round(seconds, 4), "taps_per_s": round(len(people) / seconds, 1),
                              "booked": booked, "counter": counter, "waitlisted": len(waiting),
                              "overbooked": max(booked - seats, 0), "errors": errors}
    if not naive:
        result["waitlist_in_tap_order"] = waiting == [user for user in served if user in set(waiting)]
    return result


@contextlib.asynccontextmanager
async def _database(engine_name: str) -> AsyncIterator[str]:
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            engine = create_engine(url)
            await upgrade_database(engine)
            await engine.dispose()
            yield url
        return
    base = postgres_url()
    assert base is not None
    async with postgres_schema(base) as url:
        yield url


async def _engine_run(engine_name: str, taps: int, seats: int, rounds: int) -> dict[str, Any]:
    async with _database(engine_name) as url:
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        try:
            async with sessions.begin() as session:
                people = []
                for n in range(taps):
                    person = User(telegram_id=10_000 + n, full_name=f"V{n}", climate_volunteer=True,
                                  consent_at=utcnow(), signed_up_at=utcnow())
                    session.add(person)
                    people.append(person)
                await session.flush()
            ours = [await _race(sessions, people, seats, naive=False) for _ in range(rounds)]
            baseline = [await _race(sessions, people, seats, naive=True) for _ in range(rounds)]
        finally:
            await engine.dispose()

    def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
        merged = dict(runs[-1])
        merged["seconds"] = round(statistics.median(r["seconds"] for r in runs), 4)
        merged["taps_per_s"] = round(taps / merged["seconds"], 1)
        merged["overbooked"] = max(r["overbooked"] for r in runs)
        merged["exact_every_round"] = all(r["booked"] == seats and r["waitlisted"] == taps - seats for r in runs)
        return merged

    return {"book_seat": summary(ours), "baseline_read_check_write": summary(baseline)}


async def main(taps: int, seats: int, rounds: int) -> dict[str, Any]:
    engines = ["sqlite"] + (["postgresql"] if postgres_url() else [])
    return {"benchmark": "booking_race", "taps": taps, "seats": seats, "rounds": rounds,
            "results": {name: await _engine_run(name, taps, seats, rounds) for name in engines}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=200)
    parser.add_argument("--seats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.taps, arguments.seats, arguments.rounds)), separators=(",", ":")))
