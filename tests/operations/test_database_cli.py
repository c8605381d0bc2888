"""`volunteer-bot db current` and `db downgrade`: an operator sees where the schema is and can step back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings


@pytest.fixture
def empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_current_then_downgrade_one_feature_then_upgrade_again(empty_database: str) -> None:
    runner = CliRunner()
    fresh = runner.invoke(app, ["db", "current"])
    assert fresh.exit_code == 0 and fresh.output.startswith("pending: 0001_foundation, ")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(app, ["db", "current"])
    assert "at delivery_0002\n" in current.output and current.output.endswith("up to date (every head applied)\n")

    refused = runner.invoke(app, ["db", "downgrade", "delivery@-1"], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert runner.invoke(app, ["db", "current"]).output == current.output  # nothing happened

    down = runner.invoke(app, ["db", "downgrade", "delivery@-1", "--yes"])
    assert down.exit_code == 0, down.output
    after = runner.invoke(app, ["db", "current"]).output
    assert "at delivery_0002" not in after and after.endswith("pending: delivery_0002\n")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "current"]).output == current.output
