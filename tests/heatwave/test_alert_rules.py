"""The alert rules at the database level, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, func, select

from bot.db import create_engine, create_sessionmaker
from models.heatwave import AlertAnswer, AlertAnswerEvent, AlertArea, AlertRecipient
from models.outbox import Campaign, OutboxMessage
from services.errors import DomainError
from services.heatwave import alerts
from services.heatwave.coverage import alert_coverage
from services.heatwave.vigilance import Vigilance, VigilanceFormatError, parse_vigilance, propose_alert
from tests.factories import volunteer

NOW = datetime(2026, 7, 23, 14, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vigilance"


def markup(alert_id: int, locale: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": f"{locale} ok", "callback_data": f"aa:{alert_id}:h"}]]}


def proposal(level: int, locale: str, alert_id: int | None) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": f"{locale} {alert_id}", "callback_data": f"av:{level}"}]]}


@pytest.fixture
async def sessions(any_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(any_db_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _outbox(session: AsyncSession, kind: str) -> dict[int, str]:
    rows = await session.execute(select(OutboxMessage)
                                 .join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
                                 .where(col(Campaign.kind) == kind))
    return {row.chat_id: row.parts[0]["text"] for row in rows.scalars()}


async def test_launch_targets_answers_remind_level_and_close(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        fr = await volunteer(session, 1, locale="fr", arrondissement=11)
        en = await volunteer(session, 2, locale="en", arrondissement=11, climate=False, solidarity=True)
        quiet = await volunteer(session, 3, locale="fr", arrondissement=12)
        await volunteer(session, 4, locale="fr", arrondissement=13)  # outside the alert
        draft = alerts.AlertDraft(level=3, arrondissements=(12, 11), networks=("climate", "solidarity"),
                                  note_fr="Note", note_en="Note EN")
        assert await alerts.count_recipients(session, draft) == 3
        alert, count = await alerts.launch_alert(session, draft, created_by=None, now=NOW, markup_for=markup)
        assert count == 3 and alert.id is not None
        sent = await _outbox(session, "alert")
        assert set(sent) == {1, 2, 3} and "Note EN" in sent[2] and "Note" in sent[1]
        assert "orange" in sent[1] and "🟠 orange vigilance" in sent[2]
    alert_id = alert.id
    assert fr.id and en.id and quiet.id

    async with sessions.begin() as session:
        late = await volunteer(session, 5, locale="fr", arrondissement=11)  # joins during the alert
        await alerts.record_answer(session, alert_id, fr.id, "help", now=NOW)
        await alerts.record_answer(session, alert_id, fr.id, "unavailable", now=NOW + timedelta(minutes=1))
        await alerts.record_people_checked(session, alert_id, en.id, 4, now=NOW)
        with pytest.raises(DomainError, match="pas été envoyée"):
            await alerts.record_answer(session, alert_id, late.id or 0, "help", now=NOW)
        with pytest.raises(DomainError):
            await alerts.record_people_checked(session, alert_id, en.id, 51, now=NOW)
    async with sessions.begin() as session:
        stored = (await session.execute(select(AlertAnswer))).scalars()
        answers = {a.user_id: (a.kind, a.people_checked) for a in stored}
        assert answers == {fr.id: ("unavailable", None), en.id: ("checked", 4)}
        assert (await session.execute(select(func.count()).select_from(AlertAnswerEvent))).scalar_one() == 3
        coverage = await alert_coverage(session, alert_id)
        # issue 15: "checked on my neighbours" counts, "not available" does not: the 11th is covered (one
        # volunteer checked on 4 people), the 12th, where nobody answered, is not and comes first
        assert [(area.arrondissement, area.state) for area in coverage.by_area] == [(12, "uncovered"), (11, "covered")]
        assert coverage.total("recipients") == 3 and coverage.total("people_checked") == 4

        # the reminder goes once, to those who have not answered, when due
        await alerts.schedule_reminder(session, alert_id, timedelta(hours=1), now=NOW)
        with pytest.raises(DomainError, match="un seul rappel"):
            await alerts.schedule_reminder(session, alert_id, timedelta(hours=2), now=NOW)
        assert await alerts.send_due_reminders(session, now=NOW + timedelta(minutes=30), markup_for=markup) == {}
        assert await alerts.send_due_reminders(session, now=NOW + timedelta(hours=1), markup_for=markup) == {
            alert_id: 1}
        assert await alerts.send_due_reminders(session, now=NOW + timedelta(hours=2), markup_for=markup) == {}
        assert set(await _outbox(session, "alert_reminder")) == {3}

        # the late joiner gets the alert only when the coordinator extends it
        assert await alerts.extend_alert(session, alert_id, markup_for=markup) == 1
        assert set(await _outbox(session, "alert")) == {1, 2, 3, 5}
        assert await alerts.extend_alert(session, alert_id, markup_for=markup) == 0

        _alert, told = await alerts.change_level(session, alert_id, 4, now=NOW, markup_for=markup)
        assert told == 4 and "passe au 🔴 rouge" in (await _outbox(session, "alert_level"))[1]
        with pytest.raises(DomainError):
            await alerts.change_level(session, alert_id, 4, now=NOW, markup_for=markup)

        _alert, thanked = await alerts.close_alert(session, alert_id, now=NOW)
        assert thanked == 4 and "Thank you" in (await _outbox(session, "alert_close"))[2]
    async with sessions.begin() as session:
        with pytest.raises(DomainError, match="terminée"):
            await alerts.record_answer(session, alert_id, fr.id, "help", now=NOW)
        with pytest.raises(DomainError, match="close"):
            await alerts.close_alert(session, alert_id, now=NOW)
        # the arrondissements are free again
        again, _count = await alerts.launch_alert(session, alerts.AlertDraft(2, (11,)), created_by=None, now=NOW,
                                                  markup_for=markup)
        assert again.id != alert_id


async def test_one_open_alert_per_arrondissement(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await volunteer(session, 1, arrondissement=11)
        await volunteer(session, 2, arrondissement=20)
        first, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, (11,)), created_by=None, now=NOW,
                                                  markup_for=markup)
        with pytest.raises(DomainError, match="déjà ouverte"):
            await alerts.launch_alert(session, alerts.AlertDraft(3, (20, 11)), created_by=None, now=NOW,
                                      markup_for=markup)
        with pytest.raises(DomainError, match="Aucun volontaire"):
            await alerts.launch_alert(session, alerts.AlertDraft(3, (5,)), created_by=None, now=NOW, markup_for=markup)
    # the partial unique index is the backstop when two launches race past the check
    async with sessions() as session:
        session.add(AlertArea(alert_id=first.id or 0, arrondissement=11, is_open=True))
        with pytest.raises(IntegrityError):
            await session.flush()
    async with sessions() as session:
        recipients = (await session.execute(select(func.count()).select_from(AlertRecipient))).scalar_one()
        assert recipients == 1


def test_bad_drafts_are_refused() -> None:
    for draft, message in ((alerts.AlertDraft(1, (11,)), "Niveau"), (alerts.AlertDraft(3, ()), "au moins un arr"),
                           (alerts.AlertDraft(3, (21,)), "20 arrondissements"),
                           (alerts.AlertDraft(3, (11,), ()), "réseau"),
                           (alerts.AlertDraft(3, (11,), ("pirates",)), "réseau"),
                           (alerts.AlertDraft(3, (11,), note_fr="x" * 1001), "trop longue")):
        with pytest.raises(DomainError, match=message):
            alerts.check_draft(draft)


def test_vigilance_parser_reads_paris_heatwave_and_rejects_malformed() -> None:
    vigilance = parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()))
    assert (vigilance.today, vigilance.levels) == (3, {"J": 3, "J1": 4})
    assert vigilance.update_time == datetime(2026, 7, 23, 14, 0, tzinfo=UTC)
    assert parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()), department="92").today == 4
    assert parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()), department="13").today == 1
    with pytest.raises(VigilanceFormatError, match="wrong type"):
        parse_vigilance(json.loads((FIXTURES / "malformed.json").read_text()))
    broken: Any
    for broken in ({}, {"product": {}}, {"product": {"update_time": "hier", "periods": []}},
                   {"product": {"update_time": "2026-07-23T14:00:00Z", "periods": []}}, [], "null"):
        with pytest.raises(VigilanceFormatError):
            parse_vigilance(broken)


async def test_vigilance_proposal_goes_to_coordinators_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    vigilance = parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()))
    async with sessions.begin() as session:
        coordinator = await volunteer(session, 9, locale="en", coordinator=True)
        await volunteer(session, 1, arrondissement=11)
        assert await propose_alert(session, vigilance, [coordinator], markup_for=proposal) == 1
        assert await propose_alert(session, vigilance, [coordinator], markup_for=proposal) == 0  # same day, level
        proposals = await _outbox(session, "alert_proposal")
        assert set(proposals) == {9} and "Nothing is sent to volunteers" in proposals[9]
        assert (await session.execute(select(func.count()).select_from(AlertRecipient))).scalar_one() == 0
        green = parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()), department="13")
        assert await propose_alert(session, green, [coordinator], markup_for=proposal) == 0

        # an orange alert is running and Paris turns red: the proposal is to raise it
        running, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, alerts.ALL_PARIS), created_by=None,
                                                    now=NOW, markup_for=markup)
        red = parse_vigilance(json.loads((FIXTURES / "encours.json").read_text()), department="92")
        red = Vigilance("75", red.update_time, red.levels)
        assert await propose_alert(session, red, [coordinator], markup_for=proposal) == 1
        rows = (await session.execute(select(OutboxMessage).join(Campaign).where(
            col(Campaign.source_key).like("vigilance:75:%:4")))).scalars().all()
        assert [row.parts[0]["reply_markup"]["inline_keyboard"][0][0]["text"] for row in rows] == [f"en {running.id}"]
        assert f"Alert no. {running.id} is at 🟠 orange vigilance: move it to 🔴 red?" in rows[0].parts[0]["text"]


async def test_answers_are_in_the_volunteers_export_and_stay_anonymous_after_erasure(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    from services.privacy import erase_user, export_user_data

    async with sessions.begin() as session:
        person = await volunteer(session, 1, arrondissement=11)
        alert, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, (11,)), created_by=None, now=NOW,
                                                  markup_for=markup)
        assert alert.id is not None and person.id is not None
        await alerts.record_people_checked(session, alert.id, person.id, 2, now=NOW)
        export = await export_user_data(session, person)
        assert export["records"]["alert_answers"][0]["people_checked"] == 2
        assert {"alert_recipients", "alert_answer_events", "outbox"} <= set(export["records"])
        await erase_user(session, person)
    async with sessions.begin() as session:
        coverage = await alert_coverage(session, alert.id)
        # the count stays, attached to the anonymous row: nothing says who gave it
        assert (coverage.total("checked"), coverage.total("people_checked")) == (1, 2)
