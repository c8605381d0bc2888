"""A lock that only one process per database can hold: how "exactly one scheduler" is enforced.

PostgreSQL: a session-level advisory lock on a connection held for the life of the process (the server
releases it if the process dies), keyed on what the server says this connection is working on (database
and schema), never on how DATABASE_URL spells it: `?search_path=public`, another host name for the same
server or a reordered query all land on one lock. SQLite: an OS file lock next to the database file,
found by its resolved path (SQLite is on one machine anyway; the kernel releases the lock if the process
dies). No lease to expire, no stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db import create_engine


class AlreadyRunningError(RuntimeError):
    """Another process holds the lock."""


# The tables' home as the server resolves it: the database, and the schema new tables go to (the first
# existing schema of the search path, where APScheduler's job store lives).
IDENTITY_SQL = "SELECT current_database() || '/' || coalesce(current_schema(), '')"


def advisory_key(name: str, identity: str) -> int:
    """A stable signed 64-bit key; the schema is part of it, so bots sharing a database in schemas don't clash."""
    digest = hashlib.blake2b(f"volunteer-bot:{name}:{identity}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SingletonLock:
    """`await lock.acquire()` or AlreadyRunningError; `await lock.check()` periodically; `await lock.release()`."""

    def __init__(self, name: str, database_url: str) -> None:
        self.name = name
        self.database_url = database_url
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._file: IO[str] | None = None

    async def acquire(self) -> None:
        if self.database_url.startswith("sqlite"):
            self._acquire_file()
            return
        self._engine = create_engine(self.database_url, pool_size=1, max_overflow=0)
        self._connection = await self._engine.connect()
        identity = await self._connection.scalar(text(IDENTITY_SQL))
        key = advisory_key(self.name, str(identity))
        got = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        await self._connection.commit()  # the lock is the session's; do not sit "idle in transaction"
        if not got:
            await self.release()
            raise AlreadyRunningError(f"another {self.name} already runs against this database")

    def _acquire_file(self) -> None:
        database = make_url(self.database_url).database or ""
        if database in ("", ":memory:"):
            return  # a private in-memory database: nobody else can share it
        path = Path(database).resolve().with_name(f"{Path(database).name}.{self.name}.lock")
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunningError(f"another {self.name} already runs against this database") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    async def check(self) -> None:
        """Raises if the connection that holds the PostgreSQL lock was lost (then the lock is lost too)."""
        if self._connection is not None:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
        if self._engine is not None:
            await self._engine.dispose()  # ends the session, which releases the advisory lock
            self._engine = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
