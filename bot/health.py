"""Readiness: is the database reachable and migrated to every head, and is Redis reachable if configured?"""

from __future__ import annotations

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import alembic_config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    """The migrations this code ships (read once: the code does not change while running)."""
    return ScriptDirectory.from_config(alembic_config())


async def missing_migrations(engine: AsyncEngine) -> set[str]:
    """Heads the database has not reached yet (empty: migrated). Raises if the database is unreachable."""

    def _applied(connection: Connection) -> set[str]:
        current = MigrationContext.configure(connection).get_current_heads()
        if not current:
            return set()
        # alembic_version lists only the tips; a branch's dependencies (0001_foundation) are applied too
        return {rev.revision for rev in _script().revision_map.iterate_revisions(current, "base") if rev}

    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        applied = await connection.run_sync(_applied)
    return set(_script().get_heads()) - applied


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
