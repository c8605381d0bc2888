"""The newsletter's rules on both engines: validation, scheduling, sending each issue once per reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker
from models.outbox import OutboxMessage
from services import newsletter, privacy
from services.errors import DomainError
from services.markdown_telegram import decode_upload
from tests.factories import volunteer

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FR = newsletter.IssueText("Le froid arrive", "Bonjour **à tous**.\n\n- isoler\n- ventiler")
EN = newsletter.IssueText("Winter is coming", "Hello **everyone**.\n\n- insulate\n- ventilate")


@pytest.fixture
async def sessions(any_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(any_db_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _readers(session: AsyncSession) -> None:
    for telegram_id, locale in ((1, "fr"), (2, "en"), (3, "fr")):
        await newsletter.subscribe(session, await volunteer(session, telegram_id, locale=locale), locale)
    blocked = await volunteer(session, 4, locale="fr")
    await newsletter.subscribe(session, blocked, "fr")
    blocked.blocked_at = NOW
    gone = await volunteer(session, 5, locale="en")
    await newsletter.subscribe(session, gone, "en")
    await newsletter.unsubscribe(session, gone)


async def _outbox(session: AsyncSession) -> list[OutboxMessage]:
    return list((await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.chat_id)))).scalars())


async def test_each_reader_gets_the_issue_once_in_their_language(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _readers(session)
        await newsletter.save_text(session, "2026-12", "fr", FR, now=NOW)
        await newsletter.save_text(session, "2026-12", "en", EN, now=NOW)
        send_at = newsletter.default_send_at("2026-12", NOW)
        assert send_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # first Tuesday, 10:00 in Paris (UTC+1)
        await newsletter.schedule(session, "2026-12", send_at, now=NOW, report_chat_id=77)
    async with sessions.begin() as session:
        assert await newsletter.send_due(session, send_at - timedelta(seconds=1)) == []
        assert await newsletter.send_due(session, send_at) == ["2026-12"]
    async with sessions.begin() as session:  # a double trigger, or the job running again after a restart
        assert await newsletter.send_due(session, send_at + timedelta(minutes=1)) == []
        issue = await newsletter.require_issue(session, "2026-12")
        campaign, added = await newsletter.send_issue(session, issue, now=send_at)
        assert added == 0 and campaign.report_chat_id == 77
        rows = await _outbox(session)
    assert [row.chat_id for row in rows] == [1, 2, 3]  # blocked and unsubscribed readers are left out
    by_chat = {row.chat_id: row.parts for row in rows}
    assert "Le froid arrive" in by_chat[1][0]["text"] and "Décembre" not in by_chat[1][0]["text"]
    assert "décembre 2026" in by_chat[1][0]["text"]
    assert "Winter is coming" in by_chat[2][0]["text"] and "December 2026" in by_chat[2][0]["text"]
    assert by_chat[2][-1]["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Unsubscribe", "callback_data": "nl:unsub:"}  # buttons already sent keep working


async def test_bad_input_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        with pytest.raises(DomainError, match="passé"):
            await newsletter.save_text(session, "2026-10", "fr", FR, now=NOW)
        await newsletter.save_text(session, "2026-12", "fr", FR, now=NOW)
        send_at = newsletter.default_send_at("2026-12", NOW)
        assert send_at is not None
        with pytest.raises(DomainError) as refused:  # English missing, no fallback chosen
            await newsletter.schedule(session, "2026-12", send_at, now=NOW)
        assert "Il manque la version EN" in refused.value.render("fr")
        assert "The EN version is missing" in refused.value.render("en")
        await newsletter.set_fallback(session, "2026-12", True)
        with pytest.raises(DomainError, match="abonné"):  # nobody to send to
            await newsletter.schedule(session, "2026-12", send_at, now=NOW)
        await _readers(session)
        with pytest.raises(DomainError, match="changement d'heure"):  # the clocks skip 02:00-03:00 that day
            newsletter.parse_send_at("28/03/2027 02:30", NOW)
        with pytest.raises(DomainError, match="changement d'heure"):  # and repeat it on this one
            newsletter.parse_send_at("31/10/2027 02:30", NOW)
        assert newsletter.parse_send_at("01/12/2026 02:30", NOW) == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
        assert newsletter.parse_send_at("2026-12-01 10:00", NOW) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        with pytest.raises(DomainError, match="passée"):
            await newsletter.schedule(session, "2026-12", NOW - timedelta(hours=1), now=NOW)
        issue = await newsletter.require_issue(session, "2026-12")
        assert issue.send_at is None
        await newsletter.schedule(session, "2026-12", send_at, now=NOW)
    for bad in ("", "# Titre seul\n\n   \n", "\n\n"):
        with pytest.raises(DomainError):
            newsletter.parse_document(bad)
    with pytest.raises(DomainError, match="Markdown"):
        decode_upload("lettre.pdf", b"%PDF-1.4")
    with pytest.raises(DomainError, match="UTF-8"):
        decode_upload("lettre.md", b"\xff\xfe\x00\x00binary")
    with pytest.raises(DomainError, match="AAAA-MM"):
        newsletter.parse_month("décembre")
    assert newsletter.parse_month("2026-1") == "2026-01"


async def test_fallback_sends_the_other_language(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _readers(session)
        await newsletter.save_text(session, "2026-12", "fr", FR, now=NOW)
        await newsletter.set_fallback(session, "2026-12", True)
        await newsletter.send_now(session, "2026-12", now=NOW)
        rows = await _outbox(session)
        # the English reader gets the French text, framed in English
        english = rows[1].parts[0]["text"]
        assert "Le froid arrive" in english and "Climate Newsletter" in english
        with pytest.raises(DomainError, match="déjà partie"):
            await newsletter.save_text(session, "2026-12", "en", EN, now=NOW)


async def test_a_run_missed_for_too_long_waits_for_the_coordinator(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _readers(session)
        await newsletter.save_text(session, "2026-12", "fr", FR, now=NOW)
        await newsletter.save_text(session, "2026-12", "en", EN, now=NOW)
        send_at = newsletter.default_send_at("2026-12", NOW)
        assert send_at is not None
        await newsletter.schedule(session, "2026-12", send_at, now=NOW)
    async with sessions.begin() as session:  # down for 11 hours: caught up
        late = send_at + newsletter.CATCH_UP - timedelta(hours=1)
        assert await newsletter.send_due(session, late) == ["2026-12"]
        await newsletter.save_text(session, "2027-01", "fr", FR, now=NOW)
        await newsletter.save_text(session, "2027-01", "en", EN, now=NOW)
        january = newsletter.default_send_at("2027-01", NOW)
        assert january == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
        await newsletter.schedule(session, "2027-01", january, now=NOW)
    async with sessions.begin() as session:  # down for two days: not sent behind the coordinator's back
        assert await newsletter.send_due(session, january + timedelta(days=2)) == []
        missed = await newsletter.missed_issues(session, january + timedelta(days=2))
        assert [issue.month for issue in missed] == ["2027-01"]


async def test_concurrent_triggers_send_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _readers(session)
        await newsletter.save_text(session, "2026-12", "fr", FR, now=NOW)
        await newsletter.save_text(session, "2026-12", "en", EN, now=NOW)
        send_at = newsletter.default_send_at("2026-12", NOW)
        assert send_at is not None
        await newsletter.schedule(session, "2026-12", send_at, now=NOW)

    async def trigger() -> list[str]:
        async with sessions.begin() as session:
            return await newsletter.send_due(session, send_at)

    results = await asyncio.gather(*(trigger() for _ in range(4)))  # four processes' ticks at once
    assert sorted(results) == [[], [], [], ["2026-12"]]
    async with sessions() as session:
        assert [row.chat_id for row in await _outbox(session)] == [1, 2, 3]


async def test_erasure_removes_the_subscription(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        reader = await volunteer(session, 9, locale="en")
        await newsletter.subscribe(session, reader, "en")
        exported = await privacy.export_user_data(session, reader)
        assert exported["records"]["newsletter_subscriptions"][0]["locale"] == "en"
        await privacy.erase_user(session, reader)
        assert reader.id is not None and await newsletter.get_subscription(session, reader.id) is None
