"""Issue 17: the coordinator's desk. Find a volunteer and grant the role, export every list and read it back,
a combined segment's count and delivery, the audit trail, and nobody else getting in."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditEntry
from models.base import utcnow
from models.heatwave import Alert, AlertAnswer, AlertRecipient
from models.missions import Mission, MissionSignup
from models.newsletter import NewsletterSubscription
from models.night import NightAssignment, NightEdition, NightSector
from models.outbox import Campaign, OutboxMessage
from models.training import Booking, Training
from models.user import User
from services import broadcast, exports, outbox, segments
from tests.factories import sme_subscription, volunteer
from tests.harness import COORDINATOR_ID, BotHarness

WORDS = {
    "fr": {"found": "1 volontaire(s)", "grant": "Nommer coordinateur", "sure": "✅ Oui, nommer coordinateur",
           "now": "est maintenant coordinateur", "told": "Vous êtes maintenant coordinateur",
           "skill": "Premiers secours",
           "exports": "📤 Exports", "audit": "🧾 Journal", "granted": "rôle de coordinateur donné",
           "sending": "envoi (broadcast)", "refused": "réservée aux coordinateurs", "who": "Qui cherchez-vous",
           "name": "Nom", "volunteers": "Volontaires", "export_list": "📤 Exporter cette liste"},
    "en": {"found": "1 volunteer(s)", "grant": "Make coordinator", "sure": "✅ Yes, make coordinator",
           "now": "is now a coordinator", "told": "You are now a coordinator", "skill": "First aid",
           "exports": "📤 Exports", "audit": "🧾 Log", "granted": "coordinator role given",
           "sending": "sending (broadcast)", "refused": "for coordinators only", "who": "Who are you looking for",
           "name": "Name", "volunteers": "Volunteers", "export_list": "📤 Export this list"},
}


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


async def _crowd(session: AsyncSession, language: str) -> dict[str, User]:
    people = {
        "jose": await volunteer(session, 401, name="José Núñez", locale=language, arrondissement=11),
        "josee": await volunteer(session, 402, name="Josée Martin", locale="fr", arrondissement=12, solidarity=True,
                                 climate=False),
        "paul": await volunteer(session, 403, name="Paul Durand", locale="en", arrondissement=14),
        "lina": await volunteer(session, 404, name="Lina Haddad", locale="en", arrondissement=20),
    }
    people["jose"].skills, people["jose"].languages = ["first_aid"], ["es"]
    people["paul"].skills = ["first_aid", "driving"]
    await session.flush()
    return people


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_find_by_name_without_accents_and_grant(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    async with harness.session() as session:
        await _crowd(session, language)
        await session.commit()
    coordinator = harness.coordinator(language)
    await coordinator.send("/people")
    assert words["who"] in (await coordinator.expect_message()).text
    await coordinator.send("JOSE nunez")  # no accents, other case: still José Núñez, and not Josée
    results = await coordinator.expect_message()
    assert words["found"] in results.visible_text and "José Núñez · 11" in results.button_labels
    await coordinator.tap("José Núñez · 11")
    await coordinator.expect_callback_answer()
    profile = await coordinator.expect_message()
    assert "José Núñez" in profile.visible_text and words["skill"] in profile.visible_text
    await coordinator.tap(words["grant"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()  # the question
    await coordinator.tap(words["sure"])
    assert words["now"] in ((await coordinator.expect_callback_answer()).text or "")
    jose = harness.user(401, "José", language)
    assert words["told"] in (await jose.expect_message()).text  # the person is told, in their language
    own_list = harness.emu.commands(scope={"type": "chat", "chat_id": 401})
    assert "people" in {command["command"] for command in own_list}  # their command list follows the role
    await coordinator.send("/audit")
    trail = await coordinator.expect_message()
    assert words["granted"] in trail.visible_text and "José Núñez" in trail.visible_text


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_combined_search_is_exported_and_reads_back(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    async with harness.session() as session:
        await _crowd(session, language)
        await session.commit()
    coordinator = harness.coordinator(language)
    await coordinator.send("/people 11-14 premiers secours" if language == "fr" else "/people 11-14 first aid")
    results = await coordinator.expect_message()
    assert "2" in results.visible_text.split()[0]
    await coordinator.tap(words["export_list"])
    await coordinator.expect_callback_answer()
    document = (await coordinator.expect_message()).document
    assert document is not None and document.name.endswith(".csv")
    rows = read_csv(document.data)
    assert rows[0][0] == words["name"] and len(rows[0]) == len(exports.LISTS["volunteers"].columns)
    assert sorted(row[0] for row in rows[1:]) == ["José Núñez", "Paul Durand"]


async def _every_list(session: AsyncSession, coordinator_id: int | None) -> dict[str, int]:
    """One row or more in every table an export reads; returns the rows each export should have."""
    now = utcnow()
    people = await _crowd(session, "fr")
    training = Training(for_climate=True, theme="Canicule", title_fr="Gestes qui sauvent", title_en="Life-saving",
                        starts_at=now + timedelta(days=3), capacity=10, booked_count=1, last_seq=2)
    session.add(training)
    await session.flush()
    session.add_all([Booking(training_id=training.id, user_id=people["jose"].id, seq=1),
                     Booking(training_id=training.id, user_id=people["paul"].id, seq=2, status="waitlisted")])
    edition = NightEdition(name="Nuit 2027", night_date=date(2027, 1, 21), registration_deadline=now)
    session.add(edition)
    await session.flush()
    sector = NightSector(edition_id=edition.id, code="S11", arrondissement=11, meeting_point="Mairie",
                         meeting_address="12 place Léon-Blum", meeting_at=now + timedelta(days=50))
    session.add(sector)
    await session.flush()
    session.add_all([NightAssignment(edition_id=edition.id, user_id=people["jose"].id, sector_id=sector.id,
                                     role="leader", present_at=now),
                     NightAssignment(edition_id=edition.id, user_id=people["josee"].id, sector_id=sector.id)])
    alert = Alert(level=3, networks=["climate"])
    session.add(alert)
    await session.flush()
    session.add_all([AlertRecipient(alert_id=alert.id, user_id=people["jose"].id, arrondissement=11),
                     AlertRecipient(alert_id=alert.id, user_id=people["paul"].id, arrondissement=14),
                     AlertAnswer(alert_id=alert.id, user_id=people["jose"].id, kind="help")])
    campaign = Campaign(kind="broadcast", title="Canicule", created_by=coordinator_id)
    session.add(campaign)
    await session.flush()
    session.add_all([OutboxMessage(campaign_id=campaign.id, user_id=people["jose"].id, chat_id=401,
                                   parts=[{"text": "x"}], status="sent"),
                     OutboxMessage(campaign_id=campaign.id, user_id=people["paul"].id, chat_id=403,
                                   parts=[{"text": "x"}], status="unreachable",
                                   last_error="Forbidden: bot was blocked")])
    session.add_all([NewsletterSubscription(user_id=people["jose"].id, locale="fr"),
                     NewsletterSubscription(user_id=people["josee"].id, locale="fr"),
                     NewsletterSubscription(user_id=people["paul"].id, locale="en")])
    await sme_subscription(session, 405, cpv_prefixes=["45"], places=["75"])
    mission = Mission(association="Restos du Cœur", title="Distribution", arrondissement=11,
                      starts_at=now + timedelta(days=4), seats=3, booked_count=1)
    session.add(mission)
    await session.flush()
    session.add_all([MissionSignup(mission_id=mission.id, user_id=people["jose"].id),
                     MissionSignup(mission_id=mission.id, user_id=people["paul"].id, status="cancelled")])
    await session.flush()
    return {"volunteers": 5, "alert_answers": 2, "night_teams": 2, "night_presence": 1, "night_feedback": 0,
            "campaigns": 2, "training_participants": 2,
            "newsletter_readers": 2, "procurement_subscriptions": 1, "mission_signups": 1,
            "audit": len(exports.LISTS)}  # the campaign, and the exports made before it (it comes last)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_list_exports_from_the_bot_and_reads_back(harness: BotHarness, language: str) -> None:
    async with harness.session() as session:
        coordinator_row = await volunteer(session, COORDINATOR_ID, name="Claire Coord", locale=language)
        expected = await _every_list(session, coordinator_row.id or 0)
        await session.commit()
    assert set(expected) == set(exports.LISTS)
    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap(WORDS[language]["exports"])
    await coordinator.expect_callback_answer()
    menu = await coordinator.expect_message()
    for key, spec in exports.LISTS.items():
        title = exports.describe_lists(language)[list(exports.LISTS).index(key)][1]
        await coordinator.tap(title, message=menu)
        await coordinator.expect_callback_answer()
        document = (await coordinator.expect_message()).document
        assert document is not None
        rows = read_csv(document.data)
        assert len(rows[0]) == len(spec.columns), key
        assert all(len(row) == len(spec.columns) for row in rows), key
        assert len(rows) - 1 == expected[key], key
    async with harness.session() as session:
        logged = (await session.execute(select(AuditEntry).where(AuditEntry.action == "export"))).scalars().all()
        assert sorted(entry.subject or "" for entry in logged) == sorted(exports.LISTS)  # every export logged


async def test_exports_speak_the_readers_language_and_paris_time(harness: BotHarness) -> None:
    async with harness.session() as session:
        await _every_list(session, None)
        await session.commit()
        now = utcnow()
        french = await exports.run(session, None, "training_participants", locale="fr", now=now)
        english = await exports.run(session, None, "training_participants", locale="en", now=now)
    assert french.filename.startswith("participants-formations-") and english.filename.startswith("training-")
    fr_rows, en_rows = read_csv(french.data), read_csv(english.data)
    assert fr_rows[0][:3] == ["Formation", "Date", "Nom"] and en_rows[0][:3] == ["Training", "Date", "Name"]
    assert fr_rows[1][0] == "Gestes qui sauvent" and en_rows[1][0] == "Life-saving"
    assert {row[3] for row in fr_rows[1:]} == {"place réservée", "liste d'attente"}


async def test_a_name_typed_as_a_formula_stays_text(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 410, name="Camille Martin")
        person = (await session.execute(select(User).where(User.telegram_id == 410))).scalar_one()
        person.full_name = "=HYPERLINK(\"http://x\")"
        await session.flush()
        export = await exports.run(session, None, "volunteers", locale="fr", now=utcnow())
    assert read_csv(export.data)[1][0].startswith("'=")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_combined_segment_counts_exactly_and_is_delivered(harness: BotHarness, language: str) -> None:
    async with harness.session() as session:
        people = await _crowd(session, language)
        await volunteer(session, 406, name="Ana Blocked", locale="en", arrondissement=12)
        blocked = (await session.execute(select(User).where(User.telegram_id == 406))).scalar_one()
        blocked.skills, blocked.blocked_at = ["first_aid"], utcnow()
        await session.commit()
        segment = segments.Segment(networks=frozenset({"climate"}),
                                   arrondissements=frozenset(segments.parse_arrondissements("11, 12-14")),
                                   skills=frozenset({"first_aid"}))
        count = await segments.count(session, segment)
        members = await segments.members(session, segment)
        locales = await segments.locales_present(session, segment)
        english_only = segments.Segment(arrondissements=segment.arrondissements, locales=frozenset({"en"}))
        assert await segments.locales_present(session, english_only) == ["en"]  # only English asked for
        readers = {401: harness.user(401, "José", language), 403: harness.user(403, "Paul", "en")}
        campaign, _new = await outbox.create_campaign(session, kind="broadcast", title="segment")
        enqueued = await outbox.enqueue(session, campaign, [
            outbox.Outgoing(person.telegram_id or 0, [outbox.Part(f"hello {person.locale}")], person.id)
            for person in members])
        await session.commit()
    assert count == enqueued == 2  # José and Paul; not Josée (solidarity), Lina (20th), Ana (blocked)
    assert {person.telegram_id for person in members} == {401, 403}
    assert locales == sorted({language, "en"}, key=["fr", "en"].index)
    await harness.drain_outbox()
    assert (await readers[401].expect_message()).text == f"hello {language}"
    assert (await readers[403].expect_message()).text == "hello en"
    del people


@pytest.mark.parametrize(("text", "expected"), [
    ("11, 12-14", {11, 12, 13, 14}), ("11e 12 - 13", {11, 12, 13}), ("18th", {18}), ("tout", set(range(1, 21))),
])
def test_segments_read_arrondissements_as_the_alert_wizard_does(text: str, expected: set[int]) -> None:
    parsed = segments.parse_search(text) if text != "tout" else segments.Segment(
        arrondissements=frozenset(segments.parse_arrondissements(text)))
    assert parsed.arrondissements == expected and parsed.name == ""


def test_a_search_line_combines_every_dimension() -> None:
    parsed = segments.parse_search("Camille climat 11-12 anglais premiers secours")
    assert parsed.networks == {"climate"} and parsed.arrondissements == {11, 12}
    assert parsed.languages == {"en"} and parsed.skills == {"first_aid"} and parsed.name == "camille"
    with pytest.raises(Exception, match="20"):
        segments.parse_search("21-25")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_audit_trail_after_a_broadcast_and_a_grant(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    async with harness.session() as session:
        coordinator_row = await volunteer(session, COORDINATOR_ID, name="Claire Coord", locale=language,
                                          arrondissement=None, postal_code="93100")
        await _crowd(session, language)
        await broadcast.start_broadcast(session, segment=broadcast.Segment(arrondissements=(11, 12)),
                                        texts={"fr": "Bonjour", "en": "Hello"}, title="Canicule",
                                        created_by=coordinator_row.id)
        await session.commit()
    coordinator = harness.coordinator(language)
    await coordinator.send("/grant 403")
    await coordinator.expect_message()
    await coordinator.send("/coord")
    await coordinator.tap(words["audit"], message=await coordinator.expect_message())
    await coordinator.expect_callback_answer()
    trail = await coordinator.expect_message()
    lines = trail.visible_text.splitlines()
    assert words["granted"] in lines[1] and "Paul Durand" in lines[1]  # newest first
    assert words["sending"] in lines[2] and lines[2].rstrip().split(" · ")[-2].endswith("2")  # two people
    assert "Claire Coord" in lines[1] and "Claire Coord" in lines[2]
    assert "Bonjour" not in trail.visible_text  # never a message text


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_nobody_else_reaches_the_desk(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    async with harness.session() as session:
        eve = await volunteer(session, 420, name="Eve Curieuse", locale=language)
        await _crowd(session, "fr")
        await session.commit()
        eve_id = eve.id
    person = harness.user(420, "Eve", language)
    for command in ("/people", "/people José", "/audit", "/grant 420", "/revoke 900001"):
        await person.send(command)
        assert words["refused"] in (await person.expect_message()).text, command
    for forged in ("co:people", "co:exports", "co:audit", "co:roles", f"pp:show:{eve_id}", f"pp:grant:{eve_id}",
                   f"pp:confirm_grant:{eve_id}", f"pp:message:{eve_id}", f"pp:why:{eve_id}", "pl:page:0",
                   "pl:export:0", "ex:volunteers", "ex:audit", "cr:900001"):
        await person.tap_data(forged)
        assert words["refused"] in ((await person.expect_callback_answer()).text or ""), forged
    await person.expect_no_message()
    async with harness.session() as session:
        assert not (await session.execute(select(User).where(User.telegram_id == 420))).scalar_one().is_coordinator
        assert (await session.execute(select(AuditEntry))).first() is None
