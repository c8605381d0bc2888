"""Exactly one scheduler per database: a second one refuses to start, on PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest

from bot.singleton import AlreadyRunningError, SingletonLock
from tests.scale.processes import BotProcess, bot_env


async def test_second_scheduler_refuses_to_start_on_postgresql(pg_url: str) -> None:
    env = bot_env(pg_url, api_url="http://127.0.0.1:9", token="123:ABC")
    first = BotProcess(["scheduler"], env)
    await first.start()
    try:
        await first.expect_output(b"scheduler running")
        second = BotProcess(["scheduler"], env)
        await second.start()
        assert await second.wait() == 3
        assert b"Refusing to start: another scheduler already runs against this database" in second.output
        # the embedded bot's scheduler takes the same lock
        lock = SingletonLock("scheduler", pg_url)
        with pytest.raises(AlreadyRunningError):
            await lock.acquire()
    finally:
        await first.stop()
    assert first.process is not None and first.process.returncode == 0
    # the lock went with the process: the next scheduler starts
    after = SingletonLock("scheduler", pg_url)
    await after.acquire()
    await after.release()


async def test_scheduler_lock_on_sqlite_and_other_schemas(any_db_url: str, tmp_path: object) -> None:
    holder = SingletonLock("scheduler", any_db_url)
    await holder.acquire()
    try:
        with pytest.raises(AlreadyRunningError):
            await SingletonLock("scheduler", any_db_url).acquire()
        other = SingletonLock("sender", any_db_url)  # another name is another lock
        await other.acquire()
        await other.release()
        await holder.check()
    finally:
        await holder.release()
    again = SingletonLock("scheduler", any_db_url)
    await again.acquire()
    await again.release()
