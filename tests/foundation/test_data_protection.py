"""Issue 17: /mydata people can read (with the conversation in progress), retention with a controlled clock,
no personal data in any log line (a forced database error in the webhook path), and the DPO's command line."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlmodel import col
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from bot.config import get_settings
from bot.db import create_engine, create_sessionmaker
from bot.jobs.foundation import drop_old_texts
from bot.logs import configure_logging
from bot.scheduler import set_job_context
from bot.webhook import UpdateProcessor, create_web_app
from models.audit import AuditEntry
from models.base import utcnow
from models.inbox import ReceivedUpdate, UpdateStatus
from models.outbox import Campaign, OutboxMessage
from models.user import User
from tests.factories import volunteer
from tests.harness import BotHarness

PHONE = "06 12 34 56 78"
runner = CliRunner()


@pytest.mark.parametrize(("language", "words"), [
    ("fr", {"file": "mes-donnees.json", "summary": "Ce que le bot garde sur vous",
            "conversation": "Conversation en cours",
            "profile": "Profil", "language": "Langue du bot", "answers": "Réponses déjà données",
            "french": "✅ J'accepte", "ongoing": "conversation en cours"}),
    ("en", {"file": "my-data.json", "summary": "What the bot keeps about you",
            "conversation": "Conversation in progress",
            "profile": "Profile", "language": "Bot language", "answers": "Answers given so far",
            "french": "✅ I agree", "ongoing": "conversation in progress"}),
])
async def test_mydata_is_readable_and_holds_the_conversation_in_progress(harness: BotHarness, language: str,
                                                                        words: dict[str, str]) -> None:
    lou = harness.user(501, "Lou", language)
    await lou.send("/start")
    await lou.expect_message()
    await lou.tap("🇫🇷 Français" if language == "fr" else "🇬🇧 English")
    await lou.expect_message()
    await lou.tap(words["french"])
    await lou.expect_message()
    await lou.send("Lou Secret")  # signup not finished: the name is only in the conversation
    await lou.expect_message()
    await lou.send("/mydata")
    summary = await lou.expect_message()
    assert words["summary"] in summary.visible_text and words["ongoing"] in summary.visible_text
    document = (await lou.expect_message()).document
    assert document is not None and document.name == words["file"]
    data = json.loads(document.data)
    assert data[words["profile"]][words["language"]] == ("Français" if language == "fr" else "English")
    ongoing = data[words["conversation"]][0][words["answers"]]
    assert "Lou Secret" in json.dumps(ongoing, ensure_ascii=False)
    assert "lease_until" not in document.data.decode() and "attempts" not in document.data.decode()


async def test_retention_drops_texts_and_payloads_but_keeps_the_counts(harness: BotHarness) -> None:
    # Rows a day old by the wall clock (the update store's own purge forgets finished updates after 2 days),
    # and the retention job told it is 30 days later.
    start = utcnow() - timedelta(days=1)
    later = start + timedelta(days=30, hours=12)
    async with harness.session() as session:
        person = await volunteer(session, 502)
        old = Campaign(kind="broadcast", title="ancienne", created_at=start)
        recent = Campaign(kind="broadcast", title="récente", created_at=start + timedelta(days=2))
        session.add_all([old, recent])
        await session.flush()
        session.add_all([
            OutboxMessage(campaign_id=old.id, user_id=person.id, chat_id=502, parts=[{"text": PHONE}], status="sent"),
            OutboxMessage(campaign_id=recent.id, user_id=person.id, chat_id=502, parts=[{"text": PHONE}],
                          status="sent"),
            ReceivedUpdate(update_id=1, payload={"text": PHONE}, status=UpdateStatus.FAILED,
                           received_at=start),
            ReceivedUpdate(update_id=2, payload={"text": PHONE}, status=UpdateStatus.FAILED,
                           received_at=start + timedelta(days=2)),
        ])
        await session.commit()
    set_job_context(harness.app)
    assert await drop_old_texts(now=later) == (1, 1)
    assert await drop_old_texts(now=later) == (0, 0)  # nothing left to drop: the job is idempotent
    async with harness.session() as session:
        outbox = {row.campaign_id: row.parts for row in (await session.execute(select(OutboxMessage))).scalars()}
        assert outbox == {old.id: [], recent.id: [{"text": PHONE}]}
        rows = await session.execute(select(col(ReceivedUpdate.update_id), col(ReceivedUpdate.payload)))
        payloads: dict[int, object] = dict(rows.all())
        assert payloads == {1: None, 2: {"text": PHONE}}
        assert (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one() == 2
    assert await drop_old_texts(now=later + timedelta(days=2)) == (1, 1)  # two days later, the recent ones go too


async def test_a_database_error_in_the_webhook_path_logs_no_personal_data(
        harness: BotHarness, capsys: pytest.CaptureFixture[str]) -> None:
    settings = harness.settings.model_copy(update={"webhook_secret": SecretStr("s3cret")})
    app = create_app(settings)
    async with harness.session() as session:  # the database refuses the write that stores the update
        await session.execute(text("DROP TABLE received_updates"))
        await session.commit()
    configure_logging("INFO")
    payload = {"update_id": 77, "message": {
        "message_id": 1, "date": 1_700_000_000, "chat": {"id": 503, "type": "private"},
        "from": {"id": 503, "is_bot": False, "first_name": "Jeanne", "last_name": "Secrète", "username": "jeanne75"},
        "text": f"J'habite 3 rue des Lilas, appelez-moi au {PHONE}"}}
    try:
        async with TestClient(TestServer(create_web_app(app, UpdateProcessor(app, "test")))) as client:
            response = await client.post(settings.webhook_path, json=payload,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert response.status == 500
    finally:
        await app.close()
        logging.getLogger().handlers.clear()
    logged = capsys.readouterr().err
    assert "OperationalError" in logged  # the error is there, its class and where it happened
    for secret in (PHONE, "Lilas", "Secrète", "jeanne75", "INSERT INTO"):
        assert secret not in logged


# -- the data-protection officer's command line --------------------------------------------------------------

@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _run(url: str, work):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()
    return asyncio.run(go())


def test_the_dpo_exports_and_erases_one_person(database: str, tmp_path: Path) -> None:
    async def seed(session):  # type: ignore[no-untyped-def]
        await volunteer(session, 504, name="Zoé Petit", locale="en", arrondissement=20)
    _run(database, seed)
    out = tmp_path / "zoe.json"
    result = runner.invoke(cli, ["privacy", "export", "504", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["Profile"]["Name"] == "Zoé Petit"
    french = runner.invoke(cli, ["privacy", "export", "504", "--language", "fr"])
    assert json.loads(french.output)["Profil"]["Nom"] == "Zoé Petit"
    unwritable = runner.invoke(cli, ["privacy", "export", "504", "--out", str(tmp_path / "missing" / "x.json")])
    assert unwritable.exit_code == 1 and "Traceback" not in unwritable.output
    assert runner.invoke(cli, ["privacy", "erase", "504"]).exit_code == 1  # --yes is required
    assert runner.invoke(cli, ["privacy", "erase", "504", "--yes"]).exit_code == 0
    assert runner.invoke(cli, ["privacy", "erase", "999"]).exit_code == 1

    async def check(session):  # type: ignore[no-untyped-def]
        erased = (await session.execute(select(User).where(User.erased_at.is_not(None)))).scalar_one()
        actions = (await session.execute(select(col(AuditEntry.action)).order_by(AuditEntry.id))).scalars().all()
        return erased.full_name, erased.arrondissement, actions
    assert _run(database, check) == (None, 20, ["privacy_export", "privacy_export", "erase"])


def test_the_desk_from_the_command_line(database: str, tmp_path: Path) -> None:
    async def seed(session):  # type: ignore[no-untyped-def]
        await volunteer(session, 505, name="José Núñez", arrondissement=11)
        await volunteer(session, 506, name="Josée Martin", arrondissement=12)
    _run(database, seed)
    found = runner.invoke(cli, ["people", "search", "jose 11"])
    assert found.exit_code == 0 and "José Núñez" in found.output and "Josée" not in found.output
    shown = runner.invoke(cli, ["people", "show", "jose nunez"])
    assert shown.exit_code == 0 and "Reachable: yes" in shown.output and "<b>" not in shown.output
    assert runner.invoke(cli, ["people", "show", "jose"]).exit_code == 1  # two match: refused, no traceback
    granted = runner.invoke(cli, ["people", "grant", "505"])
    assert granted.exit_code == 0 and "505 is now a coordinator" in granted.output
    assert runner.invoke(cli, ["people", "grant", "505"]).exit_code == 1  # nothing to change
    assert runner.invoke(cli, ["people", "revoke", "jose nunez"]).exit_code == 0
    out = tmp_path / "v.csv"
    exported = runner.invoke(cli, ["exports", "run", "volunteers", "--out", str(out), "--segment", "11-12"])
    assert exported.exit_code == 0 and "2 row(s)" in exported.output
    assert out.read_bytes().startswith("\ufeff".encode())
    assert runner.invoke(cli, ["exports", "run", "nope", "--out", str(out)]).exit_code == 1
    assert runner.invoke(cli, ["exports", "run", "audit", "--out", str(tmp_path / "no" / "a.csv")]).exit_code == 1
