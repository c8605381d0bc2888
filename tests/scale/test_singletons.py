"""Exactly one scheduler per database: a second one refuses to start, on PostgreSQL and on SQLite."""

from __future__ import annotations

from pathlib import Path

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


async def test_one_scheduler_per_database_however_the_url_is_spelled(pg_url: str) -> None:
    """`?search_path=public` once ran a second scheduler on the same tables: the key came from the URL."""
    base, _, query = pg_url.partition("?")
    schema = query.removeprefix("search_path=")
    name = f"scheduler-{schema}"  # a lock of this test's own: other test runs may share the public schema
    spellings = {
        "public": [base, f"{base}?search_path=public", base.replace("127.0.0.1", "localhost"),
                   f"{base}?search_path=public,{schema}"],
        schema: [pg_url, f"{base}?search_path={schema},public", pg_url.replace("127.0.0.1", "localhost")],
    }
    for where, urls in spellings.items():
        holder = SingletonLock(name, urls[0])
        await holder.acquire()
        try:
            for url in urls[1:]:
                with pytest.raises(AlreadyRunningError):
                    await SingletonLock(name, url).acquire()
            # another schema is another bot's tables: its own scheduler may run
            other = SingletonLock(name, spellings["public" if where == schema else schema][0])
            await other.acquire()
            await other.release()
        finally:
            await holder.release()


async def test_one_scheduler_per_sqlite_file_however_the_path_is_spelled(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "data")
    holder = SingletonLock("scheduler", f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}")
    await holder.acquire()
    try:
        for url in ("sqlite+aiosqlite:///bot.db", "sqlite+aiosqlite:///./bot.db", "sqlite:///../data/bot.db"):
            with pytest.raises(AlreadyRunningError):
                await SingletonLock("scheduler", url).acquire()
    finally:
        await holder.release()
