"""Operator-facing pieces: readiness reasons, JSON logs, and the embedded bot's share of the scheduler lock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import create_app
from bot.config import Settings
from bot.db import create_engine
from bot.health import readiness
from bot.logs import JsonFormatter
from bot.runner import start_background
from bot.scheduler import set_job_context
from bot.singleton import AlreadyRunningError
from emulator import Emulator
from tests.scale.conftest import REDIS_URL


async def test_readiness_names_what_is_missing(tmp_path: Path, sqlite_url: str) -> None:
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    migrated = create_engine(sqlite_url)
    try:
        not_ready = await readiness(empty, "redis://127.0.0.1:1/0")
        assert not_ready["database"].startswith("migrations pending: ")
        assert "scale_0001" in not_ready["database"]
        assert not_ready["redis"].startswith("unreachable (")
        assert await readiness(migrated, REDIS_URL) == {"database": "ok", "redis": "ok"}
        assert await readiness(migrated, None) == {"database": "ok"}
    finally:
        await empty.dispose()
        await migrated.dispose()


def test_json_logs_are_one_object_per_line_with_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("bot.webhook", logging.ERROR, __file__, 1, "update %s failed", (42,),
                                   sys.exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["level"], entry["logger"], entry["message"]) == ("ERROR", "bot.webhook", "update 42 failed")
    assert "ValueError: boom" in entry["exc"] and entry["ts"].endswith("+00:00")


async def test_embedded_bot_refuses_to_run_a_second_scheduler(emu: Emulator, sqlite_url: str) -> None:
    settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                        database_url=sqlite_url)
    first, second = create_app(settings), create_app(settings)
    tasks = await start_background(first)
    try:
        with pytest.raises(AlreadyRunningError):
            await start_background(second)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        set_job_context(None)
        await first.close()
        await second.close()
    third = create_app(settings)  # the lock left with the first bot
    tasks = await start_background(third)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    set_job_context(None)
    await third.close()
