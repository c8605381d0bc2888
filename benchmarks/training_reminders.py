"""The reminder tick at scale: every minute the job looks for bookings owed a reminder.

Ours (`services.training.reminders.enqueue_reminders`) keeps a promise per booking (late bookers included);
it reads every booking of the sessions starting within 24 h, then the promises already kept, each minute.
The baseline, measured in the same run on the same database, is the tick it replaced: one campaign lookup
per session whose window is open (which never reminded late bookers). Prints one JSON line:
the first tick (queues every reminder), and the median idle tick (nothing owed) of each.

    python -m benchmarks.training_reminders [--sessions 200] [--per-session 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker, upgrade_database
from models.base import utcnow
from models.outbox import Campaign
from models.training import Booking, BookingStatus, Training, TrainingStatus
from models.user import User
from services.training import reminders


async def _baseline_tick(session: Any, now: Any) -> int:
    """The former tick: for each session in a window, is its campaign already there?"""
    found = 0
    due = (await session.execute(select(Training).where(
        col(Training.status) == TrainingStatus.SCHEDULED, col(Training.starts_at) > now,
        col(Training.starts_at) <= now + timedelta(hours=24)))).scalars().all()
    for training in due:
        kind = reminders.reminder_kind(training, now)
        if kind is None:
            continue
        key = f"training:{training.id}:reminder:{kind}:{training.starts_at:%Y%m%d%H%M}"
        found += (await session.execute(select(Campaign.id).where(col(Campaign.source_key) == key))).first() is not None
    return found


async def main(sessions_count: int, per_session: int, rounds: int) -> dict[str, Any]:
    now = utcnow()
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")
        await upgrade_database(engine)
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            people = [User(telegram_id=10_000 + n, full_name=f"P{n}", locale="fr", signed_up_at=now,
                           climate_volunteer=True) for n in range(per_session)]
            session.add_all(people)
            await session.flush()
            for s in range(sessions_count):
                training = Training(theme="T", title_fr=f"S{s}", title_en=f"S{s}", capacity=per_session,
                                    booked_count=per_session, for_climate=True, place="Ici",
                                    starts_at=now + timedelta(hours=8, minutes=s % 600))
                session.add(training)
                await session.flush()
                session.add_all(Booking(training_id=training.id or 0, user_id=person.id or 0, seq=n,
                                        status=BookingStatus.BOOKED) for n, person in enumerate(people))
            await session.flush()
        started = time.perf_counter()
        async with sessions.begin() as session:
            queued = await reminders.enqueue_reminders(session, now)
        first = time.perf_counter() - started
        ours, baseline = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            async with sessions.begin() as session:
                assert await reminders.enqueue_reminders(session, now + timedelta(minutes=1)) == 0
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with sessions.begin() as session:
                await _baseline_tick(session, now + timedelta(minutes=1))
            baseline.append(time.perf_counter() - started)
        await engine.dispose()
    return {"benchmark": "training_reminders", "engine": "sqlite", "sessions": sessions_count,
            "bookings": sessions_count * per_session, "queued_first_tick": queued,
            "first_tick_s": round(first, 3), "idle_tick_s": round(statistics.median(ours), 3),
            "baseline_idle_tick_s": round(statistics.median(baseline), 3)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--per-session", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.sessions, arguments.per_session, arguments.rounds)),
                     separators=(",", ":")))
