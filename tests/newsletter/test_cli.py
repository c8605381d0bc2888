"""`volunteer-bot newsletter …` on a real database: import, schedule, send now, list; bad files change nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import col
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import get_settings
from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.newsletter import NewsletterIssue
from models.outbox import OutboxMessage
from services import newsletter
from tests import factories


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _run(*args: str, typed: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["newsletter", *args], input=typed)
    return result.exit_code, result.output


def _query(url: str, statement: object) -> list[object]:
    async def go() -> list[object]:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return list((await session.execute(statement)).all())  # type: ignore[call-overload]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _subscribe(url: str) -> None:
    async def go() -> None:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine).begin() as session:
                for telegram_id, locale in ((801, "fr"), (802, "en")):
                    await newsletter.subscribe(session, await factories.volunteer(session, telegram_id), locale)
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_import_schedule_send_and_list(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    month = newsletter.upcoming_months(utcnow())[1]
    (tmp_path / "fr.md").write_text("# Le froid arrive\n\nBonjour **à tous**.\n", encoding="utf-8")
    (tmp_path / "en.md").write_text("# Winter is coming\n\nHello **everyone**.\n", encoding="utf-8")
    code, output = _run("import", "--month", month, "--fr", str(tmp_path / "fr.md"))
    assert code == 0 and f"Issue {month} saved; missing: en." in output
    code, output = _run("schedule", "--month", month)  # English missing, no fallback
    assert code == 1 and "The EN version is missing" in output
    code, output = _run("import", "--month", month, "--en", str(tmp_path / "en.md"), "--send-at", f"{month}-05 10:00")
    assert code == 1 and "Nobody subscribes" in output  # and the English text was not kept either
    assert _query(database, select(col(NewsletterIssue.title_en))) == [("",)]
    _subscribe(database)
    code, output = _run("import", "--month", month, "--en", str(tmp_path / "en.md"), "--send-at", f"{month}-05 10:00")
    assert code == 0 and "scheduled for" in output and "10:00" in output
    code, output = _run("schedule", "--month", month)  # back to the default: first Tuesday, 10:00
    assert code == 0 and "Tuesday" in output and "10:00" in output
    monkeypatch.setenv("NEWSLETTER_WEEKDAY", "3")  # the operator's own default: first Thursday, 18:30
    monkeypatch.setenv("NEWSLETTER_TIME", "18:30")
    get_settings.cache_clear()
    code, output = _run("schedule", "--month", month)
    assert code == 0 and "Thursday" in output and "18:30" in output
    monkeypatch.setenv("NEWSLETTER_TIME", "02:30")  # inside the daylight-saving hour: refused at startup
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match="02:00-03:00"):
        get_settings()
    monkeypatch.delenv("NEWSLETTER_TIME")
    get_settings.cache_clear()
    code, output = _run("list")
    assert code == 0 and "Subscribers: 1 fr, 1 en" in output and f"{month}  [fr,en]  scheduled" in output
    code, output = _run("send-now", "--month", month, "--yes")
    assert code == 0 and "2 readers queued" in output
    code, output = _run("send-now", "--month", month, "--yes")  # twice: refused, nobody queued twice
    assert code == 1 and "already been sent" in output
    assert _query(database, select(func.count()).select_from(OutboxMessage)) == [(2,)]


def test_bad_files_and_dates_change_nothing(database: str, tmp_path: Path) -> None:
    month = newsletter.upcoming_months(utcnow())[1]
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "empty.md").write_text("# Only a title\n", encoding="utf-8")
    (tmp_path / "fr.md").write_text("# Titre\n\nCorps.\n", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    cases = [
        (["--month", month, "--fr", str(tmp_path / "binary.md")], "not readable text"),
        (["--month", month, "--fr", str(tmp_path / "empty.md")], "body of the newsletter is empty"),
        (["--month", month, "--fr", str(tmp_path / "notes.pdf")], "Markdown text file"),
        (["--month", month, "--fr", str(tmp_path / "missing.md")], "Cannot read"),
        (["--month", "2020-01", "--fr", str(tmp_path / "fr.md")], "is over"),
        (["--month", "December", "--fr", str(tmp_path / "fr.md")], "YYYY-MM"),
        (["--month", month, "--fr", str(tmp_path / "fr.md"), "--send-at", "2027-03-28 02:30"], "daylight saving"),
    ]
    for args, message in cases:
        code, output = _run("import", *args)
        assert code == 1 and message in output, (args, output)
    assert _query(database, select(NewsletterIssue)) == []


def test_send_now_asks_with_the_reader_count(database: str, tmp_path: Path) -> None:
    month = newsletter.upcoming_months(utcnow())[1]
    (tmp_path / "fr.md").write_text("# Le froid arrive\n\nBonjour.\n", encoding="utf-8")
    assert _run("import", "--month", month, "--fr", str(tmp_path / "fr.md"), "--fallback")[0] == 0
    code, output = _run("send-now", "--month", month, typed="n\n")  # nobody yet: refused before any question
    assert code == 1 and "Nobody subscribes" in output and "?" not in output
    _subscribe(database)
    code, output = _run("send-now", "--month", month, typed="n\n")
    assert code == 1 and f"Send the {month} newsletter now to 2 readers?" in output
    assert _query(database, select(func.count()).select_from(OutboxMessage)) == [(0,)]
    code, output = _run("send-now", "--month", month, typed="y\n")
    assert code == 0 and "to 2 readers?" in output and "2 readers queued" in output
