"""Coordinators form the teams in one tap, read the summary, adjust and publish; volunteers get their team."""

from __future__ import annotations

from sqlmodel import select

from models.night import NightAssignment, NightRole
from models.outbox import OutboxMessage
from models.user import User
from services.night import rules
from tests.harness import BotHarness
from tests.night.helpers import AFTER_DEADLINE, edition, make_edition, registered, set_clock


async def _setup(harness: BotHarness) -> int:
    edition_id = await make_edition(harness, [("18-A", 18, 3, 4, "L1"), ("18-B", 18, 3, 4, None),
                                              ("19-A", 19, 3, 3, "L2")], leaders={"L1": "Karim", "L2": "Sophie"})
    people = [
        (301, [18], "fr", "Camille Martin", False, True, None),   # can lead: 18-B's leader
        (302, [18, 19], "en", "Sam Taylor", True, False, "DUO"),
        (303, [18], "fr", "Inès Haddad", True, False, "DUO"),
        (304, [19], "fr", "Louis Petit", False, False, None),
        (305, [19, 18], "en", "Ada Brown", True, False, None),
        (306, [18], "fr", "Noé Garcia", False, False, None),
        (307, [19], "fr", "Léon Roux", True, False, None),
        (308, [18], "fr", "Zoé Blanc", True, False, None),
        (309, [18], "fr", "Marc Noir", False, False, None),
        (310, [18], "fr", "Paul Vert", True, False, None),
    ]
    for telegram_id, prefs, locale, name, first, lead, group in people:
        harness.user(telegram_id, name.split()[0], locale)  # they have a chat with the bot
        await registered(harness, edition_id, telegram_id, prefs, locale=locale, name=name, first_time=first,
                         can_lead=lead, group=group)
    return edition_id


async def test_form_summarise_publish_in_french_and_english(harness: BotHarness) -> None:
    edition_id = await _setup(harness)
    set_clock(harness, AFTER_DEADLINE)
    coordinator = harness.coordinator("fr")
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap("🌙 Nuit de la Solidarité")
    dashboard = await coordinator.expect_message()
    assert "Inscrits : 10" in dashboard.visible_text and "Secteurs : 3" in dashboard.visible_text
    await coordinator.tap("⚙️ Former les équipes")
    summary = await coordinator.expect_message()
    assert "Équipes formées : 3 sur 3 secteurs" in summary.visible_text
    assert "Groupes gardés ensemble : 1 sur 1" in summary.visible_text
    async with harness.session() as session:
        rows = (await session.execute(select(NightAssignment, User.telegram_id).join(
            User, User.id == NightAssignment.user_id))).all()
    places = {telegram_id: place for place, telegram_id in rows}
    assert len(places) == 10 and len({p.sector_id for p in places.values()}) == 3
    # 18-B has no registered leader: Camille, the one who can lead, leads it
    assert [t for t, p in places.items() if p.role == NightRole.LEADER] == [301]
    assert places[302].sector_id == places[303].sector_id  # the DUO group stays together

    noe = harness.user(306, "Noé", "fr")
    await noe.block()  # blocked the bot before publication: everyone else still gets their team
    await coordinator.tap("📣 Publier")
    assert "10 volontaires" in (await coordinator.expect_message()).text  # the count, then a confirmation
    await coordinator.tap("📣 Publier et prévenir 10")
    assert "Publié : 10 volontaires" in (await coordinator.expect_message()).text
    await harness.drain_outbox()
    camille = await harness.user(301, "Camille", "fr").expect_message()
    assert "Vous êtes le responsable" in camille.text and "Équipe 18-B — rue, Paris 18" in camille.text
    assert "openstreetmap.org/search?query=18+rue+de+la+Mairie%2C+Paris" in str(camille.entities)
    sam = await harness.user(302, "Sam", "en").expect_message()
    assert "your team" in sam.text and "Meet on Thursday, 28 January 2027 at 19:00" in sam.text
    assert "Team 18-" in sam.text and "street" in sam.text
    louis = await harness.user(304, "Louis", "fr").expect_message()
    assert "Votre responsable : Sophie" in louis.text and "jeudi 28 janvier 2027 à 19:00" in louis.text
    assert not noe.chat.bot_messages
    async with harness.session() as session:
        statuses = sorted(row.status for row in (await session.execute(select(OutboxMessage))).scalars())
    assert statuses.count("sent") == 9 and statuses.count("unreachable") == 1
    # a second tap on an old "publish" button sends nothing twice
    coordinator.skip_seen()
    await coordinator.tap("📣 Publier", message=summary)
    assert "déjà publiées" in ((await coordinator.expect_callback_answer()).text or "")
    async with harness.session() as session:
        count = len(list((await session.execute(select(OutboxMessage))).scalars()))
    assert count == 10
    assert (await edition(harness, edition_id)).published_at is not None


async def test_non_coordinator_and_forged_buttons(harness: BotHarness) -> None:
    edition_id = await _setup(harness)
    set_clock(harness, AFTER_DEADLINE)
    camille = harness.user(301, "Camille", "fr")
    await camille.send("/night_new 2027-02-01 2027-01-25 Essai")
    assert "réservée aux coordinateurs" in (await camille.expect_message()).text
    await camille.send("/night_move 302 18-A")
    assert "réservée aux coordinateurs" in (await camille.expect_message()).text
    await camille.tap_data(f"nc:form:{edition_id}")
    assert "réservée aux coordinateurs" in ((await camille.expect_callback_answer()).text or "")
    sam = harness.user(302, "Sam", "en")
    await sam.send("/menu")
    await sam.expect_message()
    await sam.tap_data(f"nc:publish:{edition_id}")
    assert "for coordinators only" in ((await sam.expect_callback_answer()).text or "")
    coordinator = harness.coordinator("en")
    await coordinator.send("/night")
    await coordinator.expect_message()
    await coordinator.tap_data("nc:publish:999")  # no such edition
    assert "no longer valid" in ((await coordinator.expect_callback_answer()).text or "")
    await coordinator.tap_data(f"nc:publish:{edition_id}")  # before the teams are formed
    assert "Form the teams first" in ((await coordinator.expect_callback_answer()).text or "")
    async with harness.session() as session:
        assert not list((await session.execute(select(NightAssignment))).scalars())
        assert not list((await session.execute(select(OutboxMessage))).scalars())
    coordinator.skip_seen()
    await coordinator.send("/night")
    dashboard = await coordinator.expect_message()
    assert "Registered: 10" in dashboard.visible_text
    await coordinator.tap("⚙️ Form the teams", message=dashboard)
    summary = await coordinator.expect_message()
    assert "Teams formed: 3 of 3 sectors" in summary.visible_text and "Groups kept together: 1 of 1" in \
        summary.visible_text and "Choices met: 1st" in summary.visible_text


async def test_coordinator_creates_edition_sectors_and_moves_a_volunteer(harness: BotHarness) -> None:
    set_clock(harness, AFTER_DEADLINE)
    coordinator = harness.coordinator("fr")
    await coordinator.send("/night_new 2027-13-01 2027-01-25")
    assert "Date illisible" in (await coordinator.expect_message()).text
    await coordinator.send("/night_new 2027-02-04 2027-02-10")
    assert "doit précéder la nuit" in (await coordinator.expect_message()).text
    await coordinator.send("/night_new 2027-02-04 2027-01-30 Nuit test")
    assert "Édition créée : Nuit test" in (await coordinator.expect_message()).text
    await coordinator.send("/night_leader L9 Karim")
    assert "Karim" in (await coordinator.expect_message()).text
    await coordinator.send('/night_sector 10-A 10 gare 19:00 3 4 "Mairie du 10e" "72 rue du Faubourg Saint-Martin"')
    assert "Type de secteur inconnu" in (await coordinator.expect_message()).text
    await coordinator.send('/night_sector 10-A 10 station 19:00 3 4 "Mairie du 10e"')
    assert "Utilisation" in (await coordinator.expect_message()).text
    await coordinator.send('/night_sector 10-A 10 station 19:00 1 4 "Mairie du 10e" "72 rue du Faubourg Saint-Martin" '
                           'L9')
    assert "Secteur 10-A enregistré (Paris 10)" in (await coordinator.expect_message()).text
    await coordinator.send("/night_move 555 10-A")
    assert "pas inscrite" in (await coordinator.expect_message()).text
    async with harness.session() as session:
        current = await rules.current_edition(session, AFTER_DEADLINE)
        assert current is not None and current.name == "Nuit test"
        edition_id = current.id
    await registered(harness, edition_id, 311, [10], name="Rémi Bleu")  # type: ignore[arg-type]
    await coordinator.send("/night_move 311 10-A")
    assert "311 est maintenant dans l'équipe 10-A" in (await coordinator.expect_message()).text
    await coordinator.send("/night_move 311 10-A")
    assert "déjà dans cette équipe" in (await coordinator.expect_message()).text
    await coordinator.send("/night_move 311 99-Z")
    assert "Secteur inconnu : 99-Z" in (await coordinator.expect_message()).text
