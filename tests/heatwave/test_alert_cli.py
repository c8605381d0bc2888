"""`volunteer-bot heatwave status`: the coverage table on the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import get_settings
from bot.db import create_engine, create_sessionmaker
from services.heatwave import alerts
from tests.factories import volunteer


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["heatwave", "status", *args], env={"COLUMNS": "160"})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def _alert_with_one_helper(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            helper = await volunteer(session, 1, arrondissement=11)
            await volunteer(session, 2, arrondissement=12)
            alert, _count = await alerts.launch_alert(
                session, alerts.AlertDraft(4, (11, 12)), created_by=None, now=datetime(2026, 7, 1, tzinfo=UTC),
                markup_for=lambda _id, _locale: None)
            assert alert.id is not None and helper.id is not None
            await alerts.record_answer(session, alert.id, helper.id, "help", now=datetime(2026, 7, 1, tzinfo=UTC))
    finally:
        await engine.dispose()


def test_status_prints_coverage_weakest_first(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a plain test: the command runs its own event loop, as it does in a terminal
    assert _run(monkeypatch, sqlite_url) == (0, "Aucune alerte ouverte.\n")
    asyncio.run(_alert_with_one_helper(sqlite_url))
    code, output = _run(monkeypatch, sqlite_url)
    assert code == 0
    assert "Alerte n° 1 : vigilance 🔴 rouge, ouverte" in output and "Envoyés : 0 sur 2" in output
    assert output.index("⚠ 12e") < output.index("11e")  # nobody can help in the 12th: first
    code, output = _run(monkeypatch, sqlite_url, "1", "--language", "en")
    assert code == 0 and "Alert no. 1: 🔴 red vigilance, open" in output and "Can help" in output
    code, output = _run(monkeypatch, sqlite_url, "7")
    assert code == 1 and "n'existe pas" in output


def _export(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["heatwave", "export", *args], env={"COLUMNS": "160"})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_status_shows_coverage_states_and_export_writes_csv(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    asyncio.run(_alert_with_one_helper(sqlite_url))
    code, output = _run(monkeypatch, sqlite_url, "1", "--language", "en")
    assert code == 0 and "✖ not covered" in output and "✔ covered" in output and "No answer" in output
    code, output = _export(monkeypatch, sqlite_url, "1", "--language", "en")
    assert code == 0 and output.splitlines()[0].startswith("arrondissement,coverage,target,volunteer")
    assert "11,covered,1,Camille Martin,fr,,can help" in output
    target = tmp_path / "answers.csv"
    code, output = _export(monkeypatch, sqlite_url, "1", "--out", str(target))
    assert code == 0 and str(target) in output
    assert target.read_bytes().startswith(b"\xef\xbb\xbfarrondissement;couverture")  # BOM and ; for French
    for bad_args, message in ((["1", "--out", str(tmp_path)], "Impossible d'écrire"),  # a directory
                              (["7"], "n'existe pas"), ([str(2**63)], "n'existe pas"), (["0"], "n'existe pas")):
        code, output = _export(monkeypatch, sqlite_url, *bad_args)
        assert code == 1 and message in output and "Traceback" not in output, bad_args
