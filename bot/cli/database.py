"""How a command works on DATABASE_URL: one engine for the command, one transaction, refusals printed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings, get_settings
from locales import N_
from services.errors import DomainError

T = TypeVar("T")
# Operators read the CLI in English, like the rest of `volunteer-bot`; refusals come from the catalogs.
CLI_LOCALE = "en"


def with_sessions(work: Callable[[async_sessionmaker[AsyncSession], Settings], Awaitable[T]]) -> T:
    """Run `work` with a session factory on DATABASE_URL (for commands that open several transactions)."""
    from bot.db import create_engine, create_sessionmaker

    settings = get_settings()

    async def _run() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(create_sessionmaker(engine), settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_run())
    except DomainError as error:
        typer.echo(f"Refused: {error.render(CLI_LOCALE)}", err=True)
        raise typer.Exit(1) from None


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction: all of it happens, or (a broken rule: exit status 1) none of it."""

    async def _one(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> T:
        async with sessions.begin() as session:
            return await work(session)

    return with_sessions(_one)


def write_file(path: Path, data: bytes) -> None:
    """Write a command's output file; a path that cannot be written is a refusal, not a traceback."""
    try:
        path.write_bytes(data)
    except OSError as error:
        raise DomainError(N_("Impossible d'écrire {path} : {reason}."), path=str(path),
                          reason=error.strerror or type(error).__name__) from None
