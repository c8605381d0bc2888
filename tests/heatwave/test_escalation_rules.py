"""Escalation at the database level, with a controlled clock: the re-ask cadence (never 02:00-03:00), the
widening to adjacent arrondissements and the other network after the delay, each volunteer asked at most
once per step, every step logged; coverage states; the CSV export. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker
from models.heatwave import AlertRecipient, AlertStep
from models.outbox import Campaign, OutboxMessage
from services.errors import DomainError
from services.heatwave import alerts, escalation
from services.heatwave.coverage import alert_coverage, answers_csv, coverage_text, silent_volunteers
from tests.factories import volunteer

LAUNCH = datetime(2026, 7, 22, 8, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture
async def sessions(any_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(any_db_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _asked(session: AsyncSession, kind: str) -> set[int]:
    rows = await session.execute(select(col(OutboxMessage.chat_id)).join(
        Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id)).where(col(Campaign.kind) == kind))
    return set(rows.scalars())


def test_reask_slots_are_paris_hours_and_never_in_the_dst_hour() -> None:
    assert escalation.next_reask(LAUNCH, 10, 24) == datetime(2026, 7, 23, 8, 0, tzinfo=UTC)  # tomorrow 10:00
    assert escalation.next_reask(LAUNCH - timedelta(hours=1), 10, 24) == LAUNCH  # 09:00 Paris: today 10:00
    # every 6 h from 08:00 would be 02:00, 08:00, 14:00, 20:00: the 02:00 slot is dropped
    night = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 01:00 in Paris, the night the clocks go back
    assert escalation.next_reask(night, 8, 6) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET
    slots = set()
    moment = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    for _ in range(20):
        moment = escalation.next_reask(moment, 8, 6)
        slots.add(moment.astimezone(escalation.PARIS).hour)
    assert slots == {8, 14, 20}


async def test_cadence_and_widening_with_a_controlled_clock(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        helper = await volunteer(session, 1, arrondissement=11)
        await volunteer(session, 2, locale="en", arrondissement=11)  # silent, but the 11th is covered
        await volunteer(session, 3, arrondissement=12)  # silent in the 12th
        await volunteer(session, 4, arrondissement=3)  # the 3rd touches the 11th only: never asked
        await volunteer(session, 5, locale="en", arrondissement=19)  # next to the 20th: asked for the 20th
        await volunteer(session, 6, arrondissement=20, climate=False, solidarity=True)  # the other network
        await volunteer(session, 7, arrondissement=13)  # next to the 12th: asked for the 12th
        alert, count = await alerts.launch_alert(session, alerts.AlertDraft(3, (11, 12, 20)), created_by=None,
                                                 now=LAUNCH)
        assert count == 3 and alert.id is not None and helper.id is not None
        alert_id = alert.id
        with pytest.raises(DomainError, match="entre 2 h et 3 h"):
            await escalation.set_escalation(session, alert_id, now=LAUNCH, reask_hour=2)
        with pytest.raises(DomainError, match="Objectif possible"):
            await escalation.set_escalation(session, alert_id, now=LAUNCH, target=7)
        settings = await escalation.set_escalation(session, alert_id, now=LAUNCH, target=1, enabled=True)
        assert settings.next_reask_at == datetime(2026, 7, 23, 8, 0, tzinfo=UTC)
        await alerts.record_answer(session, alert_id, helper.id, "help", now=LAUNCH + timedelta(minutes=5))
        coverage = await alert_coverage(session, alert_id)
        assert coverage.states == {11: "covered", 12: "uncovered", 20: "none"}

    async with sessions.begin() as session:
        assert await escalation.run_escalation(session, now=LAUNCH + timedelta(hours=1)) == {}  # not yet
        done = await escalation.run_escalation(session, now=LAUNCH + timedelta(hours=4))  # the delay: widen
        assert done == {alert_id: {"widen": 3}}
        assert await _asked(session, "alert_widen") == {5, 6, 7}
        widened = {row.user_id: (row.arrondissement, row.widened_from) for row in (await session.execute(
            select(AlertRecipient).where(col(AlertRecipient.widened_from).is_not(None)))).scalars()}
        assert sorted(widened.values()) == [(12, 13), (20, 19)]  # counted where they were called to
        assert await escalation.run_escalation(session, now=LAUNCH + timedelta(hours=5)) == {}  # widened once
        coverage = await alert_coverage(session, alert_id)
        assert coverage.states == {11: "covered", 12: "uncovered", 20: "uncovered"}  # volunteers now, no help yet

    async with sessions.begin() as session:
        due = datetime(2026, 7, 23, 8, 0, tzinfo=UTC)
        done = await escalation.run_escalation(session, now=due)
        # only where the target is not met, only those who have not answered: not the silent one in the 11th
        assert done == {alert_id: {"reask": 4}} and await _asked(session, "alert_reask") == {3, 5, 6, 7}
        assert await escalation.run_escalation(session, now=due + timedelta(minutes=1)) == {}  # once per round
        steps = (await session.execute(select(AlertStep).order_by(col(AlertStep.id)))).scalars().all()
        assert [(s.kind, s.round, s.areas, s.asked) for s in steps] == [("widen", 0, [12, 20], 3),
                                                                        ("reask", 1, [12, 20], 4)]
        text = coverage_text(await alert_coverage(session, alert_id), "en")
        assert "re-ask no. 1 (12th, 20th), 4 volunteers asked" in text
        assert "call widened to neighbours and the other network (12th, 20th), 3 volunteers asked" in text
        assert "Next re-ask: " in text

        silent = await silent_volunteers(session, alert_id, 20)
        assert [(person.locale, person.last_seen) for person in silent] == [("en", None), ("fr", None)]

        export = await answers_csv(session, alert_id, "fr")
        rows = list(csv.reader(io.StringIO(export.removeprefix("\ufeff")), delimiter=";"))
        assert rows[0][:3] == ["arrondissement", "couverture", "objectif"]
        assert rows[1][:3] == ["11", "couvert", "1"] and rows[1][6] == "peut aider"
        assert {row[0] for row in rows[1:]} == {"11", "12", "20"} and len(rows) == 1 + 6
        assert [row[5] for row in rows[1:] if row[0] == "20"].count("19") == 1  # called from the 19th

        await alerts.close_alert(session, alert_id, now=due + timedelta(hours=1))
        assert await escalation.run_escalation(session, now=due + timedelta(days=1)) == {}  # closed: stops
        assert "Alert closed" in coverage_text(await alert_coverage(session, alert_id), "en")


async def test_a_message_to_those_who_have_not_answered(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await volunteer(session, 1, arrondissement=12)
        await volunteer(session, 2, arrondissement=12, name="=HYPERLINK(1)")
        alert, _count = await alerts.launch_alert(session, alerts.AlertDraft(3, (12,)), created_by=None, now=LAUNCH)
        assert alert.id is not None
        assert await escalation.count_silent(session, alert.id, 12) == 2
        with pytest.raises(DomainError, match="a changé"):
            await escalation.message_silent(session, alert.id, 12, "Appelez-nous", expected=3, now=LAUNCH)
        assert await escalation.message_silent(session, alert.id, 12, "<b>Appelez</b>", expected=2, now=LAUNCH) == 2
        texts = (await session.execute(select(OutboxMessage).join(Campaign).where(
            col(Campaign.kind) == "alert_message"))).scalars().all()
        assert all("&lt;b&gt;Appelez&lt;/b&gt;" in row.parts[0]["text"] for row in texts)
        export = await answers_csv(session, alert.id, "en")
        assert "'=HYPERLINK(1)" in export  # a formula-like name is written as text
