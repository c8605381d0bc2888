"""Fixtures for the scale tests: a PostgreSQL schema, a Redis key prefix of our own, webhook workers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from emulator import Emulator
from tests.databases import postgres_schema, postgres_url
from tests.scale.processes import Worker, bot_env

# db 7 is this suite's; every test also uses a key prefix of its own and deletes its keys afterwards
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")

StartWorkers = Callable[..., Awaitable[list[Worker]]]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A migrated PostgreSQL schema of its own. These tests are about PostgreSQL: they fail, never skip."""
    base = postgres_url()
    if base is None:
        pytest.fail("set TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    async with postgres_schema(base) as url:
        yield url


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"test-scale-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    async for key in client.scan_iter(match=f"{prefix}:*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
async def start_workers(emu: Emulator, pg_url: str, redis_prefix: str) -> AsyncIterator[StartWorkers]:
    """`await start_workers(2, UPDATE_LEASE_SECONDS="1")`: real worker processes on PostgreSQL and Redis."""
    started: list[Worker] = []

    async def _start(count: int, **settings: str) -> list[Worker]:
        env = bot_env(pg_url, api_url=emu.base_url, token=emu.token, redis_url=REDIS_URL,
                      redis_prefix=redis_prefix, **settings)
        workers = [Worker(env) for _ in range(count)]
        for worker in workers:
            await worker.start()
        started.extend(workers)
        return workers

    yield _start
    for worker in started:
        await worker.stop()
