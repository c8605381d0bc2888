"""Shared fixtures: databases (SQLite always, PostgreSQL where TEST_POSTGRES_URL is set) and the bot harness."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import Emulator
from tests.databases import migrated_sqlite_template, postgres_schema, postgres_url, sqlite_copy
from tests.harness import BotHarness


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return asyncio.run(migrated_sqlite_template(tmp_path_factory.mktemp("template")))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


def _require_postgres() -> str:
    url = postgres_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL must be set in CI: PostgreSQL tests may not be skipped there")
        pytest.skip("TEST_POSTGRES_URL not set")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> AsyncIterator[str]:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_copy(sqlite_template, tmp_path)
        return
    async with postgres_schema(_require_postgres()) as url:
        yield url


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
async def harness(emu: Emulator, sqlite_url: str) -> AsyncIterator[BotHarness]:
    """The bot running against the emulator on a fresh SQLite database."""
    bot = BotHarness(emu, sqlite_url)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
