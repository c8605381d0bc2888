"""Volunteers find, book and cancel trainings through the real bot and the Bot API emulator."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlmodel import col, select

from emulator.client import TestUser
from emulator.state import CallbackAnswer, RecordedMessage
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, BookingStatus, Training, TrainingStatus
from services.training import sessions as trainings
from tests import factories
from tests.harness import BotHarness
from tests.training.helpers import session_in


async def press(user: TestUser, label: str, message: RecordedMessage | None = None) -> CallbackAnswer:
    """Tap a button and return the bot's answer to that tap."""
    await user.tap(label, message=message)
    return await user.expect_callback_answer()


async def _training(harness: BotHarness, training_id: int) -> Training:
    async with harness.session() as session:
        found = await session.get(Training, training_id)
        assert found is not None
        return found


async def _bookings(harness: BotHarness, training_id: int) -> list[Booking]:
    async with harness.session() as session:
        return list((await session.execute(
            select(Booking).where(col(Booking.training_id) == training_id).order_by(col(Booking.seq)))).scalars())


async def test_book_get_a_calendar_file_and_cancel_in_french(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 301, name="Camille Martin", climate=True)
        heat = await session_in(session, days=5, capacity=12)
        await session_in(session, days=6, title_fr="Gestes de premiers secours", title_en="First aid")
        await session_in(session, days=4, networks=("solidarity",), title_fr="Aller vers les personnes sans abri",
                         title_en="Reaching out to homeless people")
        await session.commit()
    camille = harness.user(301, "Camille", "fr")
    await camille.send("/menu")
    assert "📚 Formations" in (await camille.expect_message()).button_labels
    await press(camille, "📚 Formations")
    listing = await camille.expect_message()
    assert "Formations à venir" in listing.visible_text and "11 places restantes" not in listing.visible_text
    assert "12 places restantes" in listing.visible_text
    assert "Aller vers" not in listing.visible_text  # a Solidarity session is not offered to a Climate volunteer
    assert listing.button_labels[0].endswith("Le Volontaire et la canicule")  # soonest first
    await press(camille, listing.button_labels[0])
    detail = await camille.expect_edit()
    assert "Hôtel de Ville" in detail.visible_text and "2 h" in detail.visible_text
    assert (await press(camille, "✅ Réserver une place")).text == "C'est réservé !"
    confirmation = await camille.expect_message()
    assert confirmation.document is not None and confirmation.document.name == f"formation-{heat.id}.ics"
    assert "C'est réservé" in confirmation.caption
    event = Calendar.from_ical(confirmation.document.data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Le Volontaire et la canicule"
    assert event.decoded("DTSTART") == heat.starts_at and str(event["LOCATION"]) == "Hôtel de Ville, 75004 Paris"

    # a second tap on the same button (double tap) books nothing more
    assert (await press(camille, "✅ Réserver une place", message=detail)).text == "Vous avez déjà une place."
    assert (await _training(harness, heat.id)).booked_count == 1  # type: ignore[arg-type]

    await press(camille, "🎟 Mes réservations")
    mine = await camille.expect_message()
    assert "place réservée" in mine.visible_text and "Formations suivies : 0" in mine.visible_text
    await press(camille, mine.button_labels[0])
    await camille.expect_edit()
    await press(camille, "Annuler ma réservation")
    question = await camille.expect_message()
    assert "Annuler votre place" in question.text
    await press(camille, "Oui, annuler")
    assert "C'est annulé" in (await camille.expect_message()).text
    stored = await _bookings(harness, heat.id)  # type: ignore[arg-type]
    assert [b.status for b in stored] == [BookingStatus.CANCELLED]
    assert (await _training(harness, heat.id)).booked_count == 0  # type: ignore[arg-type]
    # the confirmation tapped again (a double tap, or a copy of the old button): nothing is cancelled twice
    await camille.tap_data(f"tr:drop:{heat.id}:0")
    assert "pas de réservation" in ((await camille.expect_callback_answer()).text or "")
    assert (await _training(harness, heat.id)).booked_count == 0  # type: ignore[arg-type]


async def test_full_session_wait_list_and_promotion_in_english(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 311, name="Léa Petit", locale="fr")
        await factories.volunteer(session, 312, name="Sam Jones", locale="en")
        full = await session_in(session, capacity=1)
        await session.commit()
    lea, sam = harness.user(311, "Léa", "fr"), harness.user(312, "Sam", "en")
    await lea.send("/trainings")
    await press(lea, (await lea.expect_message()).button_labels[0])
    await lea.expect_edit()
    await press(lea, "✅ Réserver une place")
    await lea.expect_message()

    await sam.send("/trainings")
    listing = await sam.expect_message()
    assert "Upcoming trainings" in listing.visible_text and "Full (wait list open)" in listing.visible_text
    await press(sam, listing.button_labels[0])
    detail = await sam.expect_edit()
    assert "The volunteer and the heat wave" in detail.visible_text
    assert "number 1" in ((await press(sam, "⏳ Join the wait list")).text or "")
    assert "number 1 on the wait list" in (await sam.expect_message()).text
    await press(sam, "🎟 My bookings")
    assert "wait list, number 1" in (await sam.expect_message()).visible_text

    # Léa gives her seat up: Sam gets it at once, and is told in English through the outbox
    await lea.send("/trainings")
    await press(lea, (await lea.expect_message()).button_labels[0])
    await lea.expect_edit()
    await press(lea, "Annuler ma réservation")
    await lea.expect_message()
    await press(lea, "Oui, annuler")
    await lea.expect_message()
    stored = {b.user_id: b.status for b in await _bookings(harness, full.id)}  # type: ignore[arg-type]
    assert sorted(stored.values()) == [BookingStatus.BOOKED, BookingStatus.CANCELLED]
    async with harness.session() as session:
        rows = list((await session.execute(
            select(OutboxMessage).join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
            .where(col(Campaign.source_key).like(f"training:{full.id}:promoted:%")))).scalars())
    assert [row.chat_id for row in rows] == [312]
    await harness.drain_outbox()
    notice = await sam.expect_message()
    assert "A seat came free: you are booked on “The volunteer and the heat wave”" in notice.text
    await sam.expect_no_message()


async def test_forged_old_and_closed_buttons_change_nothing(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        await factories.volunteer(session, 321, locale="fr", climate=True, solidarity=False)
        other_network = await session_in(session, networks=("solidarity",))
        past = await session_in(session, now=now - timedelta(days=20), days=10)
        cancelled = await session_in(session)
        cancelled.status = TrainingStatus.CANCELLED
        await session.commit()
    noa = harness.user(321, "Noa", "fr")
    await noa.send("/trainings")
    await noa.expect_message()
    for forged, expected in ((f"tr:book:{other_network.id}:0", "pas ouverte à vos réseaux"),
                             ("tr:book:999999:0", "n'existe pas"),
                             (f"tr:book:{past.id}:0", "déjà eu lieu"),
                             (f"tr:book:{cancelled.id}:0", "annulée"),
                             (f"tr:show:{other_network.id}:0", "pas ouverte à vos réseaux"),
                             (f"tr:drop:{cancelled.id}:0", "annulée"),
                             ("tr:book:abc:0", "plus valable"),
                             ("tr:zap:1:0", "plus valable")):
        await noa.tap_data(forged)
        answer = await noa.expect_callback_answer()
        assert expected in (answer.text or ""), (forged, answer.text)
    await noa.send("je veux réserver")  # free text outside any form
    assert "Je n'ai pas compris" in (await noa.expect_message()).text
    async with harness.session() as session:
        assert list((await session.execute(select(Booking))).scalars()) == []


async def test_a_newcomer_and_an_empty_list(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 331, locale="en", climate=False, solidarity=True)
        await session_in(session, networks=("climate",))
        await session.commit()
    stranger = harness.user(330, "Stranger", "fr")
    await stranger.send("/trainings")
    assert "pas encore inscrit" in (await stranger.expect_message()).text
    await stranger.tap_data("tr:book:1:0")
    assert "pas encore inscrit" in ((await stranger.expect_callback_answer()).text or "")
    ola = harness.user(331, "Ola", "en")
    await ola.send("/trainings")
    assert "No upcoming training" in (await ola.expect_message()).visible_text


async def test_pages_of_five(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 341)
        for day in range(1, 8):
            await session_in(session, days=day, title_fr=f"Session {day}", title_en=f"Session {day}")
        await session.commit()
    ines = harness.user(341, "Inès", "fr")
    await ines.send("/trainings")
    first = await ines.expect_message()
    assert "page 1/2" in first.visible_text and len([b for b in first.button_labels if "Session" in b]) == 5
    await press(ines, "›")  # the one pager of the bot: ‹ 1/2 ›
    second = await ines.expect_edit()
    assert "page 2/2" in second.visible_text and "Session 7" in second.visible_text
    assert "‹" in second.button_labels and "›" not in second.button_labels


async def test_two_quick_taps_book_once_and_send_one_calendar_file(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 351, locale="en")
        training = await session_in(session, capacity=5)
        await session.commit()
    ana = harness.user(351, "Ana", "en")
    await ana.send("/trainings")
    await press(ana, (await ana.expect_message()).button_labels[0])
    detail = await ana.expect_edit()
    await ana.tap("✅ Book a seat", message=detail)
    await ana.tap("✅ Book a seat", message=detail)  # the second tap before the first is answered
    answers = sorted([(await ana.expect_callback_answer()).text or "", (await ana.expect_callback_answer()).text or ""])
    assert answers == ["Booked!", "You already have a seat."]
    confirmation = await ana.expect_message()
    assert confirmation.document is not None and "You are booked" in confirmation.caption
    await ana.expect_no_message()
    stored = await _training(harness, training.id)  # type: ignore[arg-type]
    assert stored.booked_count == 1 and len(await _bookings(harness, training.id)) == 1  # type: ignore[arg-type]


async def test_leaving_the_network_still_lets_one_cancel(harness: BotHarness) -> None:
    async with harness.session() as session:
        person = await factories.volunteer(session, 361, climate=True)
        training = await session_in(session)
        await trainings.book_seat(session, training.id, person, utcnow())  # type: ignore[arg-type]
        person.climate_volunteer, person.solidarity_volunteer = False, True
        await session.commit()
    eli = harness.user(361, "Eli", "fr")
    await eli.send("/trainings")
    listing = await eli.expect_message()
    assert "Aucune formation" in listing.visible_text  # no longer offered…
    await press(eli, "🎟 Mes réservations")
    mine = await eli.expect_message()
    await press(eli, mine.button_labels[0])  # …but the booking can still be opened and cancelled
    await eli.expect_edit()
    await press(eli, "Annuler ma réservation")
    await eli.expect_message()
    await press(eli, "Oui, annuler")
    assert "C'est annulé" in (await eli.expect_message()).text
    assert (await _training(harness, training.id)).booked_count == 0  # type: ignore[arg-type]
    await eli.tap_data(f"tr:book:{training.id}:0")  # and booking again is refused
    assert "pas ouverte à vos réseaux" in ((await eli.expect_callback_answer()).text or "")
