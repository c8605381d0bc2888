"""Readiness: is the database reachable and migrated to every head, and is Redis reachable if configured?"""

from __future__ import annotations

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import alembic_config


@lru_cache(maxsize=1)
def expected_heads() -> frozenset[str]:
    """The head of every migration branch this code ships (read once: the code does not change while running)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def missing_migrations(engine: AsyncEngine) -> set[str]:
    """Heads the database has not reached yet (empty: migrated). Raises if the database is unreachable."""

    def _current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        current = await connection.run_sync(_current)
    return set(expected_heads()) - current


async def readiness(engine: AsyncEngine, redis_url: str | None) -> dict[str, str]:
    """One line per dependency: "ok" or what is wrong (no secrets, no personal data)."""
    checks: dict[str, str] = {}
    try:
        missing = await missing_migrations(engine)
        checks["database"] = "ok" if not missing else f"migrations pending: {', '.join(sorted(missing))}"
    except Exception as error:  # any driver error means "not ready", reported by class only
        checks["database"] = f"unreachable ({type(error).__name__})"
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"unreachable ({type(error).__name__})"
        finally:
            await client.aclose()
    return checks
