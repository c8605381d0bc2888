"""Reminders 24 h and 2 h before a session: once each, across restarts, with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.jobs.training import release_erased_seats, send_training_reminders
from bot.scheduler import create_scheduler, set_job_context
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, Training
from services.training import reminders as training_reminders
from services.training import sessions as trainings
from tests import factories
from tests.harness import BotHarness
from tests.training.helpers import session_in


async def _reminders(harness: BotHarness, training_id: int) -> dict[str, list[int]]:
    async with harness.session() as session:
        rows = (await session.execute(
            select(Campaign.source_key, OutboxMessage.chat_id).join(OutboxMessage)
            .where(col(Campaign.source_key).like(f"training:{training_id}:reminder:%")))).all()
    found: dict[str, list[int]] = {}
    for key, chat_id in rows:
        found.setdefault(key.split(":")[3], []).append(chat_id)
    return {kind: sorted(chats) for kind, chats in found.items()}


async def test_reminders_go_once_each_in_each_language_even_across_a_restart(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        fr = await factories.volunteer(session, 501, locale="fr")
        en = await factories.volunteer(session, 502, locale="en")
        waiting = await factories.volunteer(session, 503)
        gone = await factories.volunteer(session, 504)
        training = await session_in(session, days=3, capacity=2, now=now)
        for person in (fr, en, waiting):
            await trainings.book_seat(session, training.id, person, now)  # type: ignore[arg-type]
        other = await session_in(session, days=3, capacity=5, now=now, title_fr="Autre", title_en="Other")
        await trainings.book_seat(session, other.id, gone, now)  # type: ignore[arg-type]
        await trainings.cancel_training(session, other.id, now)  # type: ignore[arg-type]
        await session.commit()
    start = training.starts_at
    chats = {501: harness.user(501, "Fr", "fr"), 502: harness.user(502, "En", "en")}
    set_job_context(harness.app)
    try:
        assert await send_training_reminders(start - timedelta(hours=30)) == 0
        assert await send_training_reminders(start - timedelta(hours=23, minutes=59)) == 2
        assert await send_training_reminders(start - timedelta(hours=23)) == 0  # the next tick: nothing twice
        await harness.restart()
        set_job_context(harness.app)
        assert await send_training_reminders(start - timedelta(hours=20)) == 0  # nor after a restart
        assert await _reminders(harness, training.id) == {"24h": [501, 502]}  # type: ignore[arg-type]
        await harness.drain_outbox()
        french = await chats[501].expect_message()
        assert "Rappel : vous êtes inscrit à « Le Volontaire et la canicule »" in french.text
        english = await chats[502].expect_message()
        assert "Reminder: you are booked on “The volunteer and the heat wave”" in english.text
        assert "Hôtel de Ville" in english.text

        assert await send_training_reminders(start - timedelta(hours=1, minutes=59)) == 2
        assert await send_training_reminders(start - timedelta(minutes=5)) == 0
        assert await send_training_reminders(start + timedelta(minutes=1)) == 0
        await harness.drain_outbox()
        assert "commence dans 2 heures" in (await chats[501].expect_message()).text
        assert "starts in 2 hours" in (await chats[502].expect_message()).text
        assert await _reminders(harness, other.id) == {}  # type: ignore[arg-type]  # a cancelled session: none
    finally:
        set_job_context(None)


async def test_downtime_over_the_24h_mark_sends_only_the_2h_reminder(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        person = await factories.volunteer(session, 511)
        training = await session_in(session, days=3, now=now)
        await trainings.book_seat(session, training.id, person, now)  # type: ignore[arg-type]
        await session.commit()
    set_job_context(harness.app)
    try:
        assert await send_training_reminders(training.starts_at - timedelta(minutes=90)) == 1
        assert await _reminders(harness, training.id) == {"2h": [511]}  # type: ignore[arg-type]
    finally:
        set_job_context(None)


async def test_a_volunteer_who_blocked_the_bot_is_not_reminded(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        for telegram_id in (521, 522):
            volunteer = await factories.volunteer(session, telegram_id)
            if telegram_id == 521:
                training = await session_in(session, days=3, now=now)
            await trainings.book_seat(session, training.id, volunteer, now)  # type: ignore[arg-type]
        await session.commit()
    harness.user(521, "Stays", "fr")
    leaver = harness.user(522, "Leaves", "fr")
    await leaver.block()  # Telegram sends my_chat_member: the bot records it
    await harness.emu.wait_idle()
    set_job_context(harness.app)
    try:
        assert await send_training_reminders(training.starts_at - timedelta(hours=2)) == 1
        assert await _reminders(harness, training.id) == {"2h": [521]}  # type: ignore[arg-type]
    finally:
        set_job_context(None)


async def test_a_session_moved_after_its_reminder_is_reminded_again(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        person = await factories.volunteer(session, 531)
        training = await session_in(session, days=3, now=now)
        await trainings.book_seat(session, training.id, person, now)  # type: ignore[arg-type]
        await session.commit()
    set_job_context(harness.app)
    try:
        tick = training.starts_at - timedelta(hours=20)
        assert await send_training_reminders(tick) == 1
        moved = training.starts_at + timedelta(days=7)
        async with harness.session() as session:
            await trainings.update_training(session, training.id, {"starts_at": moved}, tick)  # type: ignore[arg-type]
            await session.commit()
        assert await send_training_reminders(tick + timedelta(minutes=1)) == 0
        assert await send_training_reminders(tick + timedelta(days=7)) == 1
    finally:
        set_job_context(None)


def test_the_reminder_job_is_registered(harness: BotHarness) -> None:
    scheduler = create_scheduler(harness.settings)
    job = scheduler.get_job("training.reminders")
    assert job is not None and job.func_ref == "bot.jobs.training:send_training_reminders"
    job = scheduler.get_job("training.erased_seats")
    assert job is not None and job.func_ref == "bot.jobs.training:release_erased_seats"


def test_the_reminder_window(sqlite_url: str) -> None:
    now = utcnow()
    training = Training(theme="t", title_fr="t", title_en="t", starts_at=now + timedelta(hours=10), capacity=1)
    assert training_reminders.reminder_kind(training, now) == "24h"
    assert training_reminders.reminder_kind(training, now + timedelta(hours=8, minutes=1)) == "2h"
    assert training_reminders.reminder_kind(training, now - timedelta(hours=15)) is None
    assert training_reminders.reminder_kind(training, now + timedelta(hours=10)) is None


async def test_a_volunteer_who_erases_their_data_gives_the_seat_to_the_next(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        first = await factories.volunteer(session, 541)
        second = await factories.volunteer(session, 542, locale="en")
        training = await session_in(session, capacity=1, now=now)
        for person in (first, second):
            await trainings.book_seat(session, training.id, person, now)  # type: ignore[arg-type]
        await session.commit()
    leaving, waiting = harness.user(541, "Leaving", "fr"), harness.user(542, "Waiting", "en")
    await leaving.send("/delete")
    await leaving.expect_message()
    await leaving.tap("Oui, tout effacer")
    assert "effacées" in (await leaving.expect_message()).text
    set_job_context(harness.app)
    try:
        assert await release_erased_seats() == 0  # erasure already gave the seat away; the job is a safety net
    finally:
        set_job_context(None)
    async with harness.session() as session:
        stored = await session.get(Training, training.id)
        assert stored is not None and stored.booked_count == 1
        statuses = {b.user_id: b.status for b in (await session.execute(select(Booking))).scalars()}
    assert statuses == {first.id: "cancelled", second.id: "booked"}
    await harness.drain_outbox()
    assert "A seat came free" in (await waiting.expect_message()).text
    await leaving.expect_no_message()
