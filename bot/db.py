"""Database engine and sessions: SQLite (WAL, immediate write transactions) by default, PostgreSQL at scale."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.patches import sqlite_connection_class

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite every transaction is BEGIN IMMEDIATE so a read can never deadlock on upgrade."""
    if url.startswith("sqlite"):
        # SQLite has one writer. Queue transactions in asyncio on one connection rather than letting
        # several connections contend for the lock: SQLite's busy handler sleeps up to 100 ms per retry.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 30)  # a session held while awaiting the bot deadlocks: fail loudly
        path = make_url(url).database or ":memory:"

        async def connect() -> aiosqlite.Connection:
            # created on aiosqlite's thread, then used from the loop's: hence check_same_thread=False
            return await sqlite_connection_class()(
                partial(sqlite3.connect, path, timeout=30, check_same_thread=False), iter_chunk_size=64)

        engine = create_async_engine(url, async_creator=connect, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    parsed = make_url(url)
    schema = parsed.query.get("search_path")
    if isinstance(schema, str):
        # asyncpg takes no search_path argument: DATABASE_URL=...?search_path=s becomes a server setting
        parsed = parsed.difference_update_query(["search_path"])
        kwargs.setdefault("connect_args", {}).setdefault("server_settings", {})["search_path"] = schema
    return create_async_engine(parsed, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ_ONLY):
            return  # one SELECT with no transaction around it: SQLite runs it atomically, with no write lock
        # A deferred transaction that reads then writes fails with SQLITE_BUSY when another writer
        # committed in between, and busy_timeout does not help; IMMEDIATE takes the write lock up front.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "volunteer_bot_read_only"


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine for connections that only run single SELECTs (each one is atomic on its own): on
    SQLite they take no write lock, so they neither wait for a writer (a CLI import) nor make one wait.
    Measured: a conversation's first read was a write transaction of its own, on every person's first tap."""
    return engine.execution_options(**{_READ_ONLY: True})


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


async def upgrade_database(engine: AsyncEngine) -> None:
    """Apply every migration branch up to its head (idempotent)."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
