"""Coordinators create, edit, cancel, follow and close trainings through the real bot and the emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from emulator.client import TestUser
from emulator.state import RecordedMessage
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, BookingStatus, Training, TrainingStatus
from services.callbacks.training import AdminCb
from services.training import sessions as trainings
from tests import factories
from tests.harness import BotHarness
from tests.training.helpers import session_in
from tests.training.test_volunteer_stories import press


async def test_create_a_training_with_the_guided_form_in_french(harness: BotHarness) -> None:
    coordinator = harness.coordinator("fr")
    await coordinator.send("/coord")
    assert "📚 Formations" in (await coordinator.expect_message()).button_labels
    await press(coordinator, "📚 Formations")
    assert "Aucune formation" in (await coordinator.expect_message()).text
    await press(coordinator, "➕ Nouvelle formation")
    assert "Pour quel réseau" in (await coordinator.expect_message()).text
    await coordinator.send("bonjour")  # text where a button is expected: the reason, with the buttons again
    assert "Touchez un des boutons" in (await coordinator.expect_message()).text
    await press(coordinator, "Les deux")
    assert "Thème" in (await coordinator.expect_message()).text
    await coordinator.send("Aller vers")
    await coordinator.expect_message()
    await coordinator.send("Aller vers les personnes sans abri")
    await coordinator.expect_message()
    await coordinator.send("Reaching out to homeless people")
    await coordinator.expect_message()
    await coordinator.send("Avec la Fabrique de la Solidarité.")
    await coordinator.expect_message()
    await coordinator.send("-")
    assert "Date et heure" in (await coordinator.expect_message()).text
    for typed, refusal in (("31/02/2027 18:30", "pas compris cette date"), ("12/12/2020 18:30", "déjà passée"),
                           ("28/03/2027 02:30", "changement d'heure")):
        await coordinator.send(typed)
        assert refusal in (await coordinator.expect_message()).text
    await coordinator.send("12/12/2027 18:30")
    assert "Durée" in (await coordinator.expect_message()).text
    await coordinator.send_sticker()
    assert "Je n'attends pas cela ici" in (await coordinator.expect_message()).text
    await coordinator.expect_message()
    await press(coordinator, "1 h 30")
    await coordinator.expect_message()
    await coordinator.send("https://visio.paris.fr/aller-vers")
    await coordinator.expect_message()
    await coordinator.send("zéro")
    assert "nombre de places" in (await coordinator.expect_message()).text
    await coordinator.send("25")
    summary = await coordinator.expect_message()
    assert "Aller vers les personnes sans abri / Reaching out to homeless people" in summary.visible_text
    assert "dimanche 12 décembre 2027 à 18:30" in summary.visible_text
    await coordinator.tap("✅ Publier", message=summary)
    await coordinator.tap("✅ Publier", message=summary)  # a double tap publishes once
    answers = [(await coordinator.expect_callback_answer()).text, (await coordinator.expect_callback_answer()).text]
    assert any("plus valable" in (answer or "") for answer in answers)
    assert "Formation publiée." in (await coordinator.expect_message()).text
    card = await coordinator.expect_message()
    assert "Réservées : 0/25" in card.visible_text and "❌ Annuler la formation" in card.button_labels

    await coordinator.expect_no_message()
    async with harness.session() as session:
        stored = (await session.execute(select(Training))).scalar_one()
    assert stored.starts_at == datetime(2027, 12, 12, 17, 30, tzinfo=UTC)  # 18:30 in Paris, winter time
    assert (stored.for_climate, stored.for_solidarity, stored.duration_minutes, stored.capacity) == (True, True, 90, 25)
    assert stored.online_url == "https://visio.paris.fr/aller-vers" and stored.place is None
    assert stored.description_en == "" and stored.theme == "Aller vers"


async def test_abandoning_the_form_and_cancel_command_store_nothing(harness: BotHarness) -> None:
    coordinator = harness.coordinator("fr")
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await press(coordinator, "📚 Formations")
    await coordinator.expect_message()
    await press(coordinator, "➕ Nouvelle formation")
    networks = await coordinator.expect_message()
    await press(coordinator, "✖ Annuler")
    assert "rien n'a été enregistré" in (await coordinator.expect_message()).text
    await press(coordinator, "➕ Nouvelle formation", message=(await _list(coordinator)))
    await coordinator.expect_message()
    await press(coordinator, "Les deux")
    await coordinator.expect_message()
    await coordinator.send("/cancel")
    assert "C'est annulé" in (await coordinator.expect_message()).text
    await coordinator.expect_message()  # the main menu
    # the first question's buttons, tapped after abandoning, do nothing
    answer = await press(coordinator, "Les deux", message=networks)
    assert "plus valable" in (answer.text or "")
    async with harness.session() as session:
        assert list((await session.execute(select(Training))).scalars()) == []


async def _list(coordinator: TestUser) -> RecordedMessage:
    """The coordinator's list of sessions, opened from /coord in either language."""
    await coordinator.send("/coord")
    menu = await coordinator.expect_message()
    await press(coordinator, next(label for label in menu.button_labels if label in ("📚 Formations", "📚 Trainings")))
    return await coordinator.expect_message()


async def test_people_csv_export_and_one_tap_attendance(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        camille = await factories.volunteer(session, 401, name="Camille Martin")
        sam = await factories.volunteer(session, 402, name="Sam Jones", locale="en")
        lou = await factories.volunteer(session, 403, name="Lou Bernard")
        # announced three weeks ago for yesterday evening: it has taken place
        past = await session_in(session, now=now - timedelta(days=21), days=20, capacity=2)
        for person in (camille, sam, lou):
            await trainings.book_seat(session, past.id, person, now - timedelta(days=19))  # type: ignore[arg-type]
        future = await session_in(session, days=3)
        await session.commit()
    coordinator = harness.coordinator("fr")
    listing = await _list(coordinator)
    await press(coordinator, next(label for label in listing.button_labels if "canicule" in label), message=listing)
    card = await coordinator.expect_message()
    assert "✅ Présences" in card.button_labels and "✏️ Modifier" not in card.button_labels
    await press(coordinator, "👥 Inscrits et attente")
    people = await coordinator.expect_message()
    assert "1. Camille Martin\n2. Sam Jones" in people.visible_text and "1. Lou Bernard" in people.visible_text

    await press(coordinator, "📄 Export CSV")
    export = await coordinator.expect_message()
    # in the coordinator's language, as a French spreadsheet opens it: `;` and a BOM
    assert export.document.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.document.data.decode("utf-8-sig")), delimiter=";"))
    assert [(row["Nom"], row["Statut"], row["Position en attente"]) for row in rows] == [
        ("Camille Martin", "inscrit", ""), ("Sam Jones", "inscrit", ""), ("Lou Bernard", "en attente", "1")]

    await press(coordinator, "✅ Présences")
    sheet = await coordinator.expect_message()
    assert sheet.button_labels[:2] == ["⬜ Camille Martin", "⬜ Sam Jones"]
    assert (await press(coordinator, "⬜ Camille Martin")).text == "Camille Martin : présent"
    assert (await coordinator.expect_edit()).button_labels[0] == "✅ Camille Martin"
    await press(coordinator, "⬜ Sam Jones")
    await coordinator.expect_edit()
    assert (await press(coordinator, "✅ Sam Jones")).text == "Sam Jones : absent"
    assert (await coordinator.expect_edit()).button_labels[:2] == ["✅ Camille Martin", "❌ Sam Jones"]
    async with harness.session() as session:
        assert await trainings.trainings_attended(session, camille.id) == 1  # type: ignore[arg-type]
        assert await trainings.trainings_attended(session, sam.id) == 0  # type: ignore[arg-type]

    # the volunteer's history shows it
    volunteer = harness.user(401, "Camille", "fr")
    await volunteer.send("/trainings")
    await volunteer.expect_message()
    await press(volunteer, "🎟 Mes réservations")
    assert "Formations suivies : 1" in (await volunteer.expect_message()).visible_text

    # attendance of a session that has not started, or of someone not booked, is refused
    await coordinator.tap_data(AdminCb(action="presence", id=future.id).pack())
    assert "une fois la formation commencée" in ((await coordinator.expect_callback_answer()).text or "")
    async with harness.session() as session:
        lou_booking = await trainings.get_booking(session, past.id, lou.id)  # type: ignore[arg-type]
        assert lou_booking is not None and lou_booking.id is not None
    await coordinator.tap_data(AdminCb(action="mark", id=past.id, booking=lou_booking.id).pack())
    assert "n'est pas inscrite" in ((await coordinator.expect_callback_answer()).text or "")


async def test_edit_capacity_and_cancel_in_english(harness: BotHarness) -> None:
    async with harness.session() as session:
        people = [await factories.volunteer(session, 410 + i, name=f"Person {i}", locale="en" if i % 2 else "fr")
                  for i in range(4)]
        training = await session_in(session, capacity=3)
        for person in people:
            await trainings.book_seat(session, training.id, person, utcnow())  # type: ignore[arg-type]
        await session.commit()
    chats = [harness.user(410 + i, f"Person {i}", "en" if i % 2 else "fr") for i in range(4)]
    coordinator = harness.coordinator("en")
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await press(coordinator, "📚 Trainings")
    listing = await coordinator.expect_message()
    await press(coordinator, listing.button_labels[0])
    card = await coordinator.expect_message()
    await press(coordinator, next(label for label in card.button_labels if label.startswith("✏️")))
    await coordinator.expect_message()
    await press(coordinator, "Seats")
    assert "New value" in (await coordinator.expect_message()).text
    await coordinator.send("2")
    refusal = await coordinator.expect_message()
    assert "3 people have already booked" in refusal.text
    await coordinator.send("4")
    await coordinator.expect_message()  # the summary, with the new seats
    await press(coordinator, "✅ Save")
    assert "Changed. 1 person will be told." in (await coordinator.expect_message()).text  # the promoted one
    assert "Booked: 4/4" in (await coordinator.expect_message()).visible_text
    async with harness.session() as session:
        statuses = [b.status for b in (await session.execute(select(Booking).order_by(col(Booking.seq)))).scalars()]
        assert statuses == [BookingStatus.BOOKED] * 4  # the person waiting got the new seat
        promoted = (await session.execute(select(OutboxMessage).join(Campaign).where(
            col(Campaign.source_key).like("training:%:promoted:%")))).scalar_one()
        assert promoted.chat_id == 413
    await harness.drain_outbox()
    assert "A seat came free" in (await chats[3].expect_message()).text

    # Person 2 blocks the bot before the session is cancelled: everyone else is told, in their language
    await chats[2].block()
    await harness.emu.wait_idle()

    await press(coordinator, "❌ Cancel the training")
    assert "4 people booked or waiting will be told" in (await coordinator.expect_message()).text
    await press(coordinator, "Yes, cancel the training")
    assert "4 people will be told" in (await coordinator.expect_message()).text
    async with harness.session() as session:
        stored = await session.get(Training, training.id)
        assert stored is not None and stored.status == TrainingStatus.CANCELLED
        notices = {row.chat_id: row.parts[0]["text"] for row in (await session.execute(
            select(OutboxMessage).join(Campaign).where(
                col(Campaign.source_key) == f"training:{training.id}:cancelled"))).scalars()}
    assert sorted(notices) == [410, 411, 412, 413]
    assert "is cancelled" in notices[411] and "est annulée" in notices[410]
    await harness.drain_outbox()
    assert "est annulée" in (await chats[0].expect_message()).text
    assert "is cancelled" in (await chats[1].expect_message()).text
    assert "is cancelled" in (await chats[3].expect_message()).text
    await chats[2].expect_no_message()
    async with harness.session() as session:
        sent = (await session.execute(select(OutboxMessage).join(Campaign).where(
            col(Campaign.source_key) == f"training:{training.id}:cancelled"))).scalars()
        delivery = {row.chat_id: row.status for row in sent}
    assert delivery == {410: "sent", 411: "sent", 412: "unreachable", 413: "sent"}
    # cancelling twice (an old button) is refused and tells nobody again
    await coordinator.tap_data(AdminCb(action="kill", id=training.id).pack())
    assert "already cancelled" in ((await coordinator.expect_callback_answer()).text or "")


async def test_moving_a_session_tells_the_people_booked(harness: BotHarness) -> None:
    async with harness.session() as session:
        sam = await factories.volunteer(session, 430, name="Sam Jones", locale="en")
        training = await session_in(session)
        await trainings.book_seat(session, training.id, sam, utcnow())  # type: ignore[arg-type]
        await session.commit()
    volunteer = harness.user(430, "Sam", "en")
    coordinator = harness.coordinator("fr")
    listing = await _list(coordinator)
    await press(coordinator, listing.button_labels[0])
    await coordinator.expect_message()
    await press(coordinator, "✏️ Modifier")
    await coordinator.expect_message()
    await press(coordinator, "Lieu ou lien")
    await coordinator.expect_message()
    await coordinator.send_sticker()
    assert "Je n'attends pas cela ici" in (await coordinator.expect_message()).text
    await coordinator.expect_message()  # the question again
    await coordinator.send("Mairie du 11e, 12 place Léon-Blum")
    summary = await coordinator.expect_message()
    assert "1 personne inscrite ou en attente sera prévenue" in summary.visible_text
    await press(coordinator, "✅ Enregistrer et prévenir 1")  # the count, and a confirmation
    assert "C'est modifié. 1 personne va être prévenue." in (await coordinator.expect_message()).text
    await harness.drain_outbox()
    notice = await volunteer.expect_message()
    assert "“The volunteer and the heat wave” has changed" in notice.text and "place Léon-Blum" in notice.text


async def test_a_volunteer_cannot_use_coordinator_buttons(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 420)
        training = await session_in(session)
        await session.commit()
    mallory = harness.user(420, "Mallory", "fr")
    await mallory.send("/menu")
    assert "🛠 Menu coordinateur" not in (await mallory.expect_message()).button_labels
    forgeries = [AdminCb(action=action, id=training.id).pack()  # type: ignore[arg-type]
                 for action in ("kill", "export", "new", "edit")]
    for forged in ("co:trainings", *forgeries):
        await mallory.tap_data(forged)
        assert "réservée aux coordinateurs" in ((await mallory.expect_callback_answer()).text or "")
    await mallory.expect_no_message()
    async with harness.session() as session:
        stored = await session.get(Training, training.id)
        assert stored is not None and stored.status == TrainingStatus.SCHEDULED and stored.capacity == 20


async def test_the_coordinator_list_pages_by_ten(harness: BotHarness) -> None:
    async with harness.session() as session:
        for day in range(1, 13):
            await session_in(session, days=day, title_fr=f"Séance {day:02d}", title_en=f"Session {day:02d}")
        await session.commit()
    coordinator = harness.coordinator("en")
    first = await _list(coordinator)
    assert "1/2" in first.visible_text and "Session 10" in first.visible_text and "Session 11" not in first.visible_text
    await press(coordinator, "›")
    second = await coordinator.expect_edit()
    assert "2/2" in second.visible_text and "Session 12" in second.visible_text and "‹" in second.button_labels


async def test_a_large_session_fits_telegram_limits(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        past = await session_in(session, now=now - timedelta(days=21), days=20, capacity=60)
        for n in range(70):  # 60 seats and 10 waiting, with long names
            person = await factories.volunteer(session, 700 + n, name=f"Marie-Antoinette Dupont-Lajoie {n:02d}")
            await trainings.book_seat(session, past.id, person, now - timedelta(days=19))  # type: ignore[arg-type]
        await session.commit()
    coordinator = harness.coordinator("fr")
    listing = await _list(coordinator)
    await press(coordinator, listing.button_labels[0])
    await coordinator.expect_message()
    await press(coordinator, "👥 Inscrits et attente")
    people = await coordinator.expect_message()
    assert len(people.visible_text) < 4096 and "Inscrits (60/60)" in people.visible_text
    assert "Liste d'attente (10)" in people.visible_text and "…" in people.visible_text
    await press(coordinator, "✅ Présences")
    sheet = await coordinator.expect_message()
    names = [label for label in sheet.button_labels if label.startswith("⬜")]
    assert len(names) == 25 and "›" in sheet.button_labels
    await press(coordinator, "›")
    await coordinator.expect_edit()
    await press(coordinator, "›")
    third = await coordinator.expect_edit()
    assert next(label for label in third.button_labels if label.startswith("⬜")).endswith("Dupont-Lajoie 50")
    await press(coordinator, "⬜ Marie-Antoinette Dupont-Lajoie 55")
    marked = await coordinator.expect_edit()
    assert "✅ Marie-Antoinette Dupont-Lajoie 55" in marked.button_labels  # still on the third page
    assert "« Formation" in marked.button_labels
