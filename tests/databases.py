"""Test databases: a migrated SQLite file per test, or a fresh PostgreSQL schema per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from bot.db import create_engine, upgrade_database

POSTGRES_URL_ENV = "TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV) or None


async def migrated_sqlite_template(directory: Path) -> Path:
    """Migrate once per test session; each test then copies the file (much faster than migrating)."""
    template = directory / "template.db"
    engine = create_engine(f"sqlite+aiosqlite:///{template}")
    await upgrade_database(engine)
    await engine.dispose()  # closing the last connection checkpoints the WAL into the file we copy
    return template


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@asynccontextmanager
async def postgres_schema(base_url: str) -> AsyncIterator[str]:
    """A migrated schema of its own for one test; the URL carries it as `?search_path=`."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, pool_size=1, max_overflow=0)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base_url}{'&' if '?' in base_url else '?'}search_path={schema}"
    engine = create_engine(url, pool_size=1, max_overflow=0)
    await upgrade_database(engine)
    await engine.dispose()
    try:
        yield url
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
