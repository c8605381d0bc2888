"""Issue 16, told as stories with a controlled clock (the reminder job takes `now`), in French and English:
late bookers reminded, a session created 3 h ahead, the day before ("I can't come any more" promotes the first
waiting), promotion and move with calendar files that follow, announcements with opt-out, feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.jobs.training import send_training_reminders
from bot.scheduler import set_job_context
from emulator.client import TestUser
from emulator.state import RecordedMessage
from models.base import utcnow
from models.training import Booking, BookingStatus, Training, TrainingReminder
from models.user import User
from services.timing import PARIS
from services.training import sessions as trainings
from tests import factories
from tests.harness import BotHarness
from tests.training.test_volunteer_stories import press

W = {
    "fr": {"book": "✅ Réserver une place", "booked": "C'est réservé !", "day_before": "Rappel : vous êtes inscrit",
           "soon": "commence dans 2 heures", "coming": "✅ Je viens", "not_coming": "❌ Je ne peux plus venir",
           "freed": "est libérée et donnée", "promoted": "Une place s'est libérée", "ics": "📅 Fichier agenda à jour",
           "moved": "a changé", "cancel_ics": "Fichier d'annulation", "thanks": "À bientôt",
           "announce": "Nouvelle formation pour vous", "announce_many": "Nouvelles formations pour vous",
           "off": "🔕 Annonces : non", "on": "🔔 Annonces : oui", "feedback": "Merci d'être venu",
           "useful": "👍 Utile", "rated": "Merci pour votre avis", "menu": "/trainings",
           "wait": "⏳ Rejoindre la liste d'attente"},
    "en": {"book": "✅ Book a seat", "booked": "Booked!", "day_before": "Reminder: you are booked",
           "soon": "starts in 2 hours", "coming": "✅ I'm coming", "not_coming": "❌ I can't come any more",
           "freed": "is free and goes to", "promoted": "A seat came free", "ics": "📅 Updated calendar file",
           "moved": "has changed", "cancel_ics": "Cancellation file", "thanks": "See you",
           "announce": "A new training for you", "announce_many": "New trainings for you",
           "off": "🔕 Announcements: off", "on": "🔔 Announcements: on", "feedback": "Thank you for coming",
           "useful": "👍 Useful", "rated": "Thank you for your feedback", "menu": "/trainings",
           "wait": "⏳ Join the wait list"},
}


def _start_in(hours: float, now: datetime | None = None) -> datetime:
    """A start `hours` from now, on the minute, never inside the 02:00-03:00 Paris hour (refused)."""
    start = (now or utcnow()) + timedelta(hours=hours)
    start = start.replace(second=0, microsecond=0)
    while start.astimezone(PARIS).hour == 2:
        start += timedelta(hours=1)
    return start


async def _session_at(harness: BotHarness, start: datetime, *, capacity: int = 10,
                      now: datetime | None = None) -> Training:
    async with harness.session() as session:
        training = await trainings.create_training(
            session, networks=["climate"], theme="Canicule", title_fr="Le Volontaire et la canicule",
            title_en="The volunteer and the heat wave", description_fr="", description_en="", starts_at=start,
            duration_minutes=120, place="Hôtel de Ville, 75004 Paris", online_url=None, capacity=capacity,
            now=now or utcnow())
        await session.commit()
        return training


async def _volunteers(harness: BotHarness, language: str, *ids: int) -> list[TestUser]:
    async with harness.session() as session:
        for telegram_id in ids:
            await factories.volunteer(session, telegram_id, name=f"Person {telegram_id}", locale=language)
        await session.commit()
    return [harness.user(telegram_id, f"Person {telegram_id}", language) for telegram_id in ids]


async def _book_through_the_bot(person: TestUser, words: dict[str, str]) -> None:
    await person.send(words["menu"])
    listing = await person.expect_message()
    await press(person, listing.button_labels[0])
    detail = await person.expect_edit()
    assert detail.button_labels[0] in (words["book"], words["wait"])
    await person.tap(detail.button_labels[0])
    await person.expect_callback_answer()
    await person.expect_message()  # the confirmation (with its .ics) or the wait-list position


async def _reminders_of(harness: BotHarness, training_id: int) -> list[tuple[int, str]]:
    async with harness.session() as session:
        rows = (await session.execute(select(Booking.user_id, TrainingReminder.kind).join(
            TrainingReminder, col(TrainingReminder.booking_id) == col(Booking.id))
            .where(col(Booking.training_id) == training_id))).all()
    return sorted((user_id, kind) for user_id, kind in rows)


async def _user(session: AsyncSession, telegram_id: int) -> User:
    return (await session.execute(select(User).where(col(User.telegram_id) == telegram_id))).scalar_one()


@pytest.fixture
def jobs(harness: BotHarness) -> Iterator[None]:
    set_job_context(harness.app)
    yield None
    set_job_context(None)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_late_booker_gets_the_24h_and_the_2h_reminders_once(harness: BotHarness, jobs: None,
                                                                     language: str) -> None:
    words = W[language]
    early, late = await _volunteers(harness, language, 901, 902)
    now = utcnow()
    training = await _session_at(harness, _start_in(20, now), now=now)  # the 24 h window is already open
    start = training.starts_at
    await _book_through_the_bot(early, words)
    assert await send_training_reminders(now) == 1  # the early booker's day-before reminder
    await _book_through_the_bot(late, words)  # booked after that reminder went out
    assert await send_training_reminders(now + timedelta(minutes=1)) == 1  # the late booker gets it too
    assert await send_training_reminders(now + timedelta(minutes=2)) == 0  # and nobody twice…
    await harness.restart()
    set_job_context(harness.app)
    assert await send_training_reminders(now + timedelta(minutes=3)) == 0  # …even after a restart
    assert await send_training_reminders(start - timedelta(hours=1, minutes=59)) == 2  # then the 2 h one
    assert await send_training_reminders(start - timedelta(hours=1)) == 0
    await harness.drain_outbox()
    for person in (early, late):
        day_before = await person.expect_message()
        assert words["day_before"] in day_before.text
        assert words["coming"] in day_before.button_labels and words["not_coming"] in day_before.button_labels
        assert words["soon"] in (await person.expect_message()).text
        await person.expect_no_message()
    async with harness.session() as session:
        early_id, late_id = [(await _user(session, chat)).id for chat in (901, 902)]
    assert await _reminders_of(harness, training.id or 0) == [  # one promise kept per booking and kind
        (early_id, "24h"), (early_id, "2h"), (late_id, "24h"), (late_id, "2h")]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_session_created_3h_ahead_gets_the_2h_reminder(harness: BotHarness, jobs: None,
                                                               language: str) -> None:
    words = W[language]
    [person] = await _volunteers(harness, language, 911)
    now = utcnow()
    training = await _session_at(harness, _start_in(3, now), now=now)
    await _book_through_the_bot(person, words)
    assert await send_training_reminders(now + timedelta(minutes=1)) == 0  # no day-before question 3 h ahead
    assert await send_training_reminders(training.starts_at - timedelta(hours=2)) == 1
    await harness.drain_outbox()
    assert words["soon"] in (await person.expect_message()).text
    await person.expect_no_message()


async def _ics(person: TestUser, message: RecordedMessage, label: str) -> Calendar:
    await press(person, label, message=message)
    document = await person.expect_message()
    assert document.document is not None and document.document.name.endswith(".ics")
    return Calendar.from_ical(document.document.data)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_day_before_cant_come_promotes_the_first_waiting_with_a_calendar_file(
        harness: BotHarness, jobs: None, language: str) -> None:
    words = W[language]
    seated, waiting, second = await _volunteers(harness, language, 921, 922, 923)
    now = utcnow()
    training = await _session_at(harness, _start_in(20, now), capacity=1, now=now)
    for person in (seated, waiting, second):
        await _book_through_the_bot(person, words)
    assert await send_training_reminders(now) == 1  # only the seated person is reminded
    await harness.drain_outbox()
    question = await seated.expect_message()
    assert words["day_before"] in question.text
    await seated.tap_data("ty:notcoming:999999")  # a forged session: refused, nothing changes
    await seated.expect_callback_answer()
    await press(seated, words["not_coming"], message=question)
    assert words["freed"] in (await seated.expect_message()).text
    await seated.tap_data(f"ty:notcoming:{training.id}")  # the same answer again (a double tap): refused
    assert (await seated.expect_callback_answer()).text
    async with harness.session() as session:
        statuses = [b.status for b in (await session.execute(
            select(Booking).where(col(Booking.training_id) == training.id).order_by(col(Booking.seq)))).scalars()]
    assert statuses == [BookingStatus.CANCELLED, BookingStatus.BOOKED, BookingStatus.WAITLISTED]
    await harness.drain_outbox()
    promotion = await waiting.expect_message()
    assert words["promoted"] in promotion.text and words["ics"] in promotion.button_labels
    event = (await _ics(waiting, promotion, words["ics"])).walk("VEVENT")[0]
    assert str(event["UID"]) == f"training-{training.id}@volontaires.paris.fr" and event.decoded("DTSTART") == \
        training.starts_at
    # the promoted person is owed the day-before reminder too, at the next tick
    assert await send_training_reminders(now + timedelta(minutes=1)) == 1
    await harness.drain_outbox()
    again = await waiting.expect_message()
    assert words["day_before"] in again.text
    await press(waiting, words["coming"], message=again)
    assert words["thanks"] in (await waiting.expect_message()).text
    async with harness.session() as session:
        booking = (await session.execute(select(Booking).where(
            col(Booking.training_id) == training.id, col(Booking.status) == BookingStatus.BOOKED))).scalar_one()
    assert booking.confirmed_at is not None
    await second.expect_no_message()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_move_sends_an_updated_calendar_file_and_a_cancellation_a_cancelling_one(
        harness: BotHarness, language: str) -> None:
    words = W[language]
    [person] = await _volunteers(harness, language, 931)
    training = await _session_at(harness, _start_in(24 * 5))
    await _book_through_the_bot(person, words)
    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    menu = await coordinator.expect_message()
    await press(coordinator, next(label for label in menu.button_labels if label.startswith("📚")))
    listing = await coordinator.expect_message()
    await press(coordinator, listing.button_labels[0])
    card = await coordinator.expect_message()
    await press(coordinator, card.button_labels[1])  # ✏️ edit
    await coordinator.expect_message()
    await press(coordinator, "Date et heure" if language == "fr" else "Date and time")
    await coordinator.expect_message()
    moved_to = (training.starts_at + timedelta(days=1)).astimezone(PARIS)
    await coordinator.send(moved_to.strftime("%d/%m/%Y %H:%M"))
    summary = await coordinator.expect_message()
    save = next(label for label in summary.button_labels if label.endswith(" 1"))  # "… tell 1": the count
    await press(coordinator, save)
    await coordinator.expect_message()
    await coordinator.expect_message()  # the card
    await harness.drain_outbox()
    notice = await person.expect_message()
    assert words["moved"] in notice.text
    event = (await _ics(person, notice, words["ics"])).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == moved_to and int(event["SEQUENCE"]) == 1  # same UID, higher SEQUENCE
    assert str(event["UID"]) == f"training-{training.id}@volontaires.paris.fr"

    async with harness.session() as session:
        await trainings.cancel_training(session, training.id or 0, utcnow())
        await session.commit()
    await harness.drain_outbox()
    cancelled = await person.expect_message()
    calendar = await _ics(person, cancelled, words["ics"])
    assert str(calendar["METHOD"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_new_sessions_are_announced_except_to_those_who_opted_out(harness: BotHarness,
                                                                       language: str) -> None:
    words = W[language]
    keen, quiet = await _volunteers(harness, language, 941, 942)
    async with harness.session() as session:
        await factories.volunteer(session, 943, locale=language, climate=False, solidarity=True)
        await session.commit()
    other_network = harness.user(943, "Solidarity", language)
    await quiet.send(words["menu"])
    listing = await quiet.expect_message()
    await press(quiet, words["on"], message=listing)  # on by default; one tap turns it off
    assert words["off"] in (await quiet.expect_edit()).button_labels

    # one session from the bot's form
    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    menu = await coordinator.expect_message()
    await press(coordinator, next(label for label in menu.button_labels if label.startswith("📚")))
    listing = await coordinator.expect_message()
    await press(coordinator, next(label for label in listing.button_labels if "➕" in label))
    await coordinator.expect_message()
    await press(coordinator, "🌳 Volontaires du Climat" if language == "fr" else "🌳 Climate Volunteers")
    for answer in ("Canicule", "Le Volontaire et la canicule", "The volunteer and the heat wave", "-", "-",
                   "12/12/2030 18:30", "2h", "Hôtel de Ville", "20"):
        await coordinator.expect_message()
        await coordinator.send(answer)
    await coordinator.expect_message()
    await press(coordinator, "✅ Publier" if language == "fr" else "✅ Publish")
    published = await coordinator.expect_message()
    assert ("Annoncée à 1 volontaire." if language == "fr" else "Announced to 1 volunteer.") in published.text
    await harness.drain_outbox()
    announcement = await keen.expect_message()
    assert words["announce"] in announcement.text and "12" in announcement.text
    book = next(label for label in announcement.button_labels if label.startswith("✅"))
    assert (await press(keen, book, message=announcement)).text == words["booked"]
    await keen.expect_message()  # the booking confirmation, straight from the announcement
    async with harness.session() as session:
        assert (await session.execute(select(Booking))).scalar_one().status == BookingStatus.BOOKED
    await quiet.expect_no_message()
    await other_network.expect_no_message()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_one_tap_feedback_after_the_session_for_those_who_came(harness: BotHarness, jobs: None,
                                                                     language: str) -> None:
    words = W[language]
    came, absent = await _volunteers(harness, language, 951, 952)
    now = utcnow()
    training = await _session_at(harness, _start_in(30, now), now=now)
    async with harness.session() as session:
        for chat, attended in ((951, True), (952, False)):
            person = await _user(session, chat)
            booked = await trainings.book_seat(session, training.id or 0, person, now)
            assert booked.booking_id is not None
            await trainings.set_attendance(session, training.id or 0, booked.booking_id, attended,
                                           training.starts_at + timedelta(minutes=30))
        await session.commit()
    after = training.ends_at + timedelta(minutes=5)
    assert await send_training_reminders(after) == 1
    assert await send_training_reminders(after + timedelta(hours=1)) == 0
    await harness.drain_outbox()
    ask = await came.expect_message()
    assert words["feedback"] in ask.text
    assert words["rated"] in (await press(came, words["useful"], message=ask)).text
    async with harness.session() as session:
        ratings = {b.user_id: b.rating for b in (await session.execute(select(Booking))).scalars()}
    assert sorted(ratings.values(), key=str) == [3, None]
    await absent.expect_no_message()
    await absent.send(words["menu"])
    await absent.expect_message()
    await absent.tap_data(f"ty:3:{training.id}")  # a forged rating from someone who did not come
    assert ("Seules les personnes venues" if language == "fr" else "Only people who came") in (
        (await absent.expect_callback_answer()).text or "")
