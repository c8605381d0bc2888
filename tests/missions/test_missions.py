"""The solidarity chain: a coordinator posts an association's mission through the form; Solidarity Volunteers
living in or next to its arrondissement see it, sign up and cancel; seats are never overbooked. With the bad
inputs: an arrondissement out of range, a date in the past, seats in words, typed text on the summary, a full
mission, double taps, forged buttons, a Climate-only volunteer, a volunteer at the desk."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.missions import Mission, MissionSignup, SignupStatus
from models.user import User
from services import missions
from services.errors import DomainError
from services.timing import to_paris
from tests import factories
from tests.harness import BotHarness

WORDS = {
    "fr": {"desk": "🤝 Missions", "new": "➕ Nouvelle mission", "publish": "✅ Publier la mission",
           "published": "Mission publiée", "area_refused": "20 arrondissements", "past": "déjà passée",
           "seats_refused": "nombre de places", "list": "Missions des associations", "none": "Aucune mission",
           "book": "✋ Je m'inscris", "booked": "Vous êtes inscrit", "again": "déjà inscrit",
           "cancel": "❌ Annuler mon inscription", "cancelled": "Inscription annulée", "full": "complète",
           "left_2": "Places libres : 2 sur 2", "left_0": "Places libres : 0 sur 2", "climate": "Solidarité",
           "stale": "plus valable", "coord_only": "réservée aux coordinateurs", "not_signed": "pas encore inscrit",
           "tell": "📣 Prévenir 3 volontaires", "on_its_way": "C'est parti : 3", "nearby": "Une association cherche",
           "see": "👀 Voir la mission", "already": "déjà été annoncée", "export": "📄 Export CSV des inscrits",
           "columns": "Association;Mission;Date;Arrondissement;Nom", "reminder": "Rappel : vous êtes inscrit"},
    "en": {"desk": "🤝 Missions", "new": "➕ New mission", "publish": "✅ Publish the mission",
           "published": "Mission published", "area_refused": "20 arrondissements", "past": "already gone by",
           "seats_refused": "number of seats", "list": "Associations' missions", "none": "No mission",
           "book": "✋ Sign me up", "booked": "You are signed up", "again": "already signed up",
           "cancel": "❌ Cancel my sign-up", "cancelled": "Sign-up cancelled", "full": "full",
           "left_2": "Seats left: 2 of 2", "left_0": "Seats left: 0 of 2", "climate": "Solidarity",
           "stale": "no longer valid", "coord_only": "for coordinators only", "not_signed": "not signed up yet",
           "tell": "📣 Tell 3 volunteers", "on_its_way": "On its way: 3", "nearby": "An association is looking",
           "see": "👀 See the mission", "already": "already announced", "export": "📄 CSV export of sign-ups",
           "columns": "Association;Mission;Date;Arrondissement;Name", "reminder": "Reminder: you are signed up"},
}


def _a_month_ahead() -> str:
    """A date a month ahead at 18:30 Paris time (never in the 02:00-03:00 hour), as a coordinator types it."""
    return (to_paris(utcnow()) + timedelta(days=30)).strftime("%d/%m/%Y 18:30")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_post_a_mission_then_volunteers_near_it_sign_up_and_cancel(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    ids = {"near": 311, "next_door": 312, "far": 313, "climate": 314, "suburb": 315}
    people = {key: harness.user(telegram_id, key.title(), language) for key, telegram_id in ids.items()}
    async with harness.session() as session:
        await factories.volunteer(session, ids["near"], name="Alix Near", locale=language, arrondissement=11,
                                  climate=False, solidarity=True)
        await factories.volunteer(session, ids["next_door"], name="Bao Next", locale=language, arrondissement=12,
                                  climate=False, solidarity=True)
        await factories.volunteer(session, ids["far"], name="Cyd Far", locale=language, arrondissement=16,
                                  climate=False, solidarity=True)
        await factories.volunteer(session, ids["climate"], name="Dee Climate", locale=language, arrondissement=11)
        await factories.volunteer(session, ids["suburb"], name="Eli Suburb", locale=language, arrondissement=None,
                                  postal_code="93100", climate=False, solidarity=True)
        await session.commit()

    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap(words["desk"])
    await coordinator.expect_message()
    await coordinator.tap(words["new"])
    for answer in ("Les Restos du Cœur", "Distribution de repas", "Apporter des gants."):
        await coordinator.expect_message()
        await coordinator.send(answer)
    await coordinator.expect_message()  # which arrondissement?
    await coordinator.send("25")
    assert words["area_refused"] in (await coordinator.expect_message()).text
    await coordinator.send("11e")
    await coordinator.expect_message()  # when?
    await coordinator.send("01/01/2020 10:00")
    assert words["past"] in (await coordinator.expect_message()).text
    await coordinator.send(_a_month_ahead())
    await coordinator.expect_message()  # how long?
    await coordinator.send("2h")
    await coordinator.expect_message()  # how many?
    await coordinator.send("deux")
    assert words["seats_refused"] in (await coordinator.expect_message()).text
    await coordinator.send("2")
    summary = await coordinator.expect_message()
    assert "Les Restos du Cœur" in summary.text and words["publish"] in summary.button_labels
    await coordinator.send("oui")  # typed on the summary: told to use the buttons, asked again, nothing published
    await coordinator.expect_message()
    summary = await coordinator.expect_message()
    async with harness.session() as session:
        assert (await session.execute(select(Mission))).first() is None
    await coordinator.tap(words["publish"], message=summary)
    assert words["published"] in (await coordinator.expect_message()).text
    offer = await coordinator.expect_message()  # the 11th, the 12th next door, the suburb: not the 16th
    tell_data = offer.inline_keyboard[0][0]["callback_data"]
    await coordinator.tap(words["tell"], message=offer)
    assert words["on_its_way"] in (await coordinator.expect_message()).text
    await harness.drain_outbox()
    near, next_door, far = people["near"], people["next_door"], people["far"]
    told = [await person.expect_message() for person in (near, next_door, people["suburb"])]
    assert all(words["nearby"] in m.text and "Les Restos du Cœur" in m.text for m in told)
    await far.expect_no_message()
    await people["climate"].expect_no_message()
    replayed = await coordinator.tap_data(tell_data, message=offer)  # the confirmation replayed: refused
    assert words["already"] in ((await coordinator.expect_answer_to(replayed)).text or "")

    await near.send("/missions")
    listing = await near.expect_message()
    assert words["list"] in listing.text and any("Distribution de repas" in b for b in listing.button_labels)
    await near.tap(words["see"], message=told[0])  # from the announcement
    await near.expect_callback_answer()
    view = await near.expect_edit()
    assert words["left_2"] in view.text and "Les Restos du Cœur" in view.text and "gants" in view.text
    book_data = view.inline_keyboard[0][0]["callback_data"]
    await near.tap(words["book"], message=view)
    assert words["booked"] in ((await near.expect_callback_answer()).text or "")
    assert words["cancel"] in (await near.expect_edit()).button_labels
    await near.tap_data(book_data)  # a double tap changes nothing
    assert words["again"] in ((await near.expect_callback_answer()).text or "")

    await next_door.send("/missions")  # the 12th borders the 11th
    listing = await next_door.expect_message()
    await next_door.tap(next(b for b in listing.button_labels if "Distribution de repas" in b))
    await next_door.expect_callback_answer()
    await next_door.expect_edit()
    await next_door.tap(words["book"])
    assert words["booked"] in ((await next_door.expect_callback_answer()).text or "")

    await far.send("/missions")  # the 16th is far from the 11th
    assert words["none"] in (await far.expect_message()).text
    await people["climate"].send("/missions")
    assert words["climate"] in (await people["climate"].expect_message()).text

    suburb = people["suburb"]  # living outside Paris: every mission is offered
    await suburb.send("/missions")
    listing = await suburb.expect_message()
    await suburb.tap(next(b for b in listing.button_labels if "Distribution de repas" in b))
    await suburb.expect_callback_answer()
    full = await suburb.expect_edit()
    assert words["left_0"] in full.text and words["book"] not in full.button_labels
    await suburb.tap_data(book_data)  # the button of someone else's screen, replayed: the mission is full
    assert words["full"] in ((await suburb.expect_callback_answer()).text or "")

    await near.tap(words["cancel"])
    assert words["cancelled"] in ((await near.expect_callback_answer()).text or "")
    await near.expect_edit()
    await suburb.tap_data(book_data)
    assert words["booked"] in ((await suburb.expect_callback_answer()).text or "")

    async with harness.session() as session:
        mission = (await session.execute(select(Mission))).scalar_one()
        names = [person.full_name for person in await missions.signed_up(session, mission.id or 0)]
    assert mission.booked_count == 2 and names == ["Bao Next", "Eli Suburb"]
    await coordinator.send("/coord")
    menu = await coordinator.expect_message()
    while words["desk"] not in menu.button_labels:  # the announcement's progress report may come first
        menu = await coordinator.expect_message()
    await coordinator.tap(words["desk"], message=menu)
    desk = await coordinator.expect_message()
    await coordinator.tap(words["export"], message=desk)
    document = (await coordinator.expect_message()).document
    assert document is not None
    lines = document.data.decode("utf-8-sig").splitlines()
    assert lines[0] == words["columns"] and [line.split(";")[-1] for line in lines[1:]] == ["Bao Next", "Eli Suburb"]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_day_before_reminder_once_on_a_controlled_clock(harness: BotHarness, language: str) -> None:
    from bot.jobs.missions import send_mission_reminders
    from bot.scheduler import set_job_context

    words = WORDS[language]
    alix, bao = harness.user(331, "Alix", language), harness.user(332, "Bao", language)
    now = utcnow()
    async with harness.session() as session:
        people = [await factories.volunteer(session, telegram_id, locale=language, arrondissement=11,
                                            climate=False, solidarity=True) for telegram_id in (331, 332)]
        mission = await missions.post_mission(
            session, association="Emmaüs", title="Tri de vêtements", description="", arrondissement=11,
            starts_at=now + timedelta(days=3), duration_minutes=120, seats=5, now=now, created_by=None)
        for person in people:
            assert await missions.book(session, mission.id or 0, person, now)
        await session.commit()
    starts = mission.starts_at
    set_job_context(harness.app)
    try:
        assert await send_mission_reminders(now=starts - timedelta(hours=25)) == 0  # too early
        assert await send_mission_reminders(now=starts - timedelta(hours=23)) == 2
        assert await send_mission_reminders(now=starts - timedelta(hours=22)) == 0  # once each
    finally:
        set_job_context(None)
    await harness.drain_outbox()
    for chat in (alix, bao):
        reminder = await chat.expect_message()
        assert words["reminder"] in reminder.text and "Tri de vêtements" in reminder.text
        assert reminder.button_labels == [words["see"]]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_forged_buttons_and_people_who_may_not(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    volunteer, stranger = harness.user(321, "Lou", language), harness.user(322, "Max", language)
    async with harness.session() as session:
        await factories.volunteer(session, 321, locale=language, solidarity=True)
        await session.commit()
    await volunteer.send("/missions")
    listing = await volunteer.expect_message()
    for forged in ("mk:new:0", "mk:view:1"):
        await volunteer.tap_data(forged, message=listing)
        assert words["coord_only"] in ((await volunteer.expect_callback_answer()).text or ""), forged
    for forged in ("ms:view:999999:0", "ms:book:abc:0", "ms:explode:1:0", "ms:book:-1:0"):
        await volunteer.tap_data(forged, message=listing)
        assert words["stale"] in ((await volunteer.expect_callback_answer()).text or ""), forged
    await stranger.send("/missions")
    assert words["not_signed"] in (await stranger.expect_message()).text
    async with harness.session() as session:
        assert (await session.execute(select(MissionSignup))).first() is None


TAPS = 60
SEATS = 5


async def test_sixty_taps_for_five_seats(any_db_url: str) -> None:
    """Each tap in its own transaction, all at once: exactly five seats taken, on SQLite and PostgreSQL; a
    mission in the past and one out of Paris are refused."""
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    try:
        async with sessions.begin() as session:
            mission = await missions.post_mission(
                session, association="Emmaüs", title="Tri de vêtements", description="", arrondissement=18,
                starts_at=now + timedelta(days=3), duration_minutes=120, seats=SEATS, now=now, created_by=None)
            people = [await factories.volunteer(session, 7000 + i, arrondissement=18, climate=False, solidarity=True)
                      for i in range(TAPS)]
            for wrong in ({"arrondissement": 21}, {"starts_at": now - timedelta(hours=1)}):
                with pytest.raises(DomainError):
                    await missions.post_mission(session, **({
                        "association": "A", "title": "T", "description": "", "arrondissement": 18,
                        "starts_at": now + timedelta(days=1), "duration_minutes": 60, "seats": 1, "now": now,
                        "created_by": None} | wrong))
        mission_id = mission.id or 0

        async def tap(person: User) -> str:
            try:
                async with sessions.begin() as session:
                    return "took" if await missions.book(session, mission_id, person, now) else "again"
            except DomainError as refused:
                return refused.message

        results = await asyncio.gather(*(tap(person) for person in people), tap(people[0]), tap(people[1]))
        assert results.count("took") == SEATS and results.count(missions.FULL) == TAPS + 2 - SEATS - \
            results.count("again")
        async with sessions() as session:
            stored = await session.get(Mission, mission_id)
            booked = (await session.execute(select(MissionSignup).where(
                col(MissionSignup.status) == SignupStatus.BOOKED))).scalars().all()
        assert stored is not None and stored.booked_count == SEATS and len(booked) == SEATS
    finally:
        await engine.dispose()


async def test_the_seat_of_someone_who_erased_their_data_is_given_back(any_db_url: str) -> None:
    """Erasure keeps an anonymous user row: its sign-up must not hold a seat nobody will use."""
    from services.privacy import erase_user

    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    now = utcnow()
    try:
        async with sessions.begin() as session:
            mission = await missions.post_mission(
                session, association="Emmaüs", title="Tri", description="", arrondissement=18,
                starts_at=now + timedelta(days=3), duration_minutes=60, seats=1, now=now, created_by=None)
            leaver = await factories.volunteer(session, 7101, arrondissement=18, climate=False, solidarity=True)
            waiting = await factories.volunteer(session, 7102, arrondissement=18, climate=False, solidarity=True)
            assert await missions.book(session, mission.id or 0, leaver, now)
            with pytest.raises(DomainError, match="complète"):
                await missions.book(session, mission.id or 0, waiting, now)
        async with sessions.begin() as session:  # /delete gives the seat back at once
            await erase_user(session, await session.get(User, leaver.id) or leaver)
        async with sessions.begin() as session:
            assert await missions.release_erased(session, now) == 0  # and the job finds nothing more
            assert await missions.book(session, mission.id or 0, waiting, now)  # the seat is free again
            stored = await session.get(Mission, mission.id)
            assert stored is not None and stored.booked_count == 1
    finally:
        await engine.dispose()
