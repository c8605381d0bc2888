"""After publication (withdrawal, late registration) and on the night itself: reminders, "I'm here",
presence per meeting point, one-tap reinforcement, thanks and feedback."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.scheduler import recurring_jobs
from models.night import NightAssignment, NightEdition, NightRegistration
from models.user import User
from services.night import publication, rules
from tests.harness import BotHarness
from tests.night.helpers import AFTER_DEADLINE, AT_MEETING, make_edition, registered, set_clock

AFTERNOON = datetime(2027, 1, 28, 13, 30, tzinfo=UTC)  # 14:30 Paris
NEXT_MORNING = datetime(2027, 1, 29, 10, 30, tzinfo=UTC)  # 11:30 Paris


async def _published(harness: BotHarness, people: list[tuple[int, str, str]], sectors: list[tuple[str, int, int]],
                     leader_telegram: int | None = None) -> int:
    """Sectors in the 18th (same meeting point), led by registered leaders; teams formed and published."""
    edition_id = await make_edition(harness, [(code, 18, low, high, f"L{i}") for i, (code, low, high) in
                                              enumerate(sectors)],
                                    leaders={f"L{i}": name for i, name in enumerate(("Karim", "Sophie"))})
    for telegram_id, name, locale in people:
        await registered(harness, edition_id, telegram_id, [18], name=name, locale=locale)
    async with harness.app.sessions.begin() as session:
        edition = await session.get(NightEdition, edition_id)
        assert edition is not None
        if leader_telegram is not None:
            harness.user(leader_telegram, "Karim", "fr")
            from tests import factories

            await factories.volunteer(session, leader_telegram, name="Karim Benali")
            await rules.add_leader(session, edition, code="L0", first_name="Karim", telegram_id=leader_telegram)
        await rules.form_teams(session, edition, AFTER_DEADLINE)
        await publication.publish(session, edition, AFTER_DEADLINE)
    await harness.drain_outbox()
    for telegram_id, _name, _locale in people:
        harness.user(telegram_id).skip_seen()
    return edition_id


async def _teams(harness: BotHarness) -> dict[int, int]:
    """Members only: an imported leader with a Telegram account has a place too (one person, one role)."""
    async with harness.session() as session:
        rows = (await session.execute(select(User.telegram_id, NightAssignment.sector_id).join(
            NightAssignment, NightAssignment.user_id == User.id).where(NightAssignment.role == "member"))).all()
    return {telegram_id: sector for telegram_id, sector in rows}


async def test_late_registration_and_withdrawal_change_only_who_is_affected(harness: BotHarness) -> None:
    people = [(401 + i, name, "fr") for i, name in enumerate(("Ana Roy", "Bo Lin", "Cy Dupré", "Dan Morel",
                                                              "Eva Klein", "Fay Simon"))]
    edition_id = await _published(harness, people, [("18-A", 3, 3), ("18-B", 3, 3)])
    before = await _teams(harness)
    assert len(before) == 6
    set_clock(harness, AFTER_DEADLINE)
    # a late registration (English) when every team is full: waiting list, nobody else moves
    sam = harness.user(420, "Sam", "en")
    async with harness.app.sessions.begin() as session:
        from tests import factories

        await factories.volunteer(session, 420, name="Sam Taylor", locale="en", solidarity=True)
    await sam.send("/menu")
    await sam.expect_message()
    await sam.tap("🌙 Night of Solidarity")
    await sam.expect_message()
    await sam.tap("✍️ Register")
    await sam.expect_message()
    await sam.send("18")
    await sam.expect_message()
    await sam.tap("I've done it before")
    await sam.expect_message()
    await sam.tap("I'd rather be a team member")
    await sam.expect_message()
    await sam.tap("Continue »")
    await sam.expect_message()
    await sam.tap("No group")
    await sam.expect_message()
    await sam.tap("None")
    await sam.expect_message()
    await sam.tap("✅ Confirm")
    await sam.expect_message()
    await harness.drain_outbox()
    assert "waiting list" in (await sam.expect_message()).text
    assert await _teams(harness) == before
    # a member withdraws: Sam fills the place, only Sam is told
    leaving = next(t for t in before if before[t] == before[401])
    ana = harness.user(leaving)
    await ana.send("/menu")
    await ana.expect_message()
    await ana.tap("🌙 Nuit de la Solidarité")
    card = await ana.expect_message()
    assert "votre équipe" in card.text
    await ana.tap("Me retirer")
    await ana.expect_message()
    await ana.tap("Oui, me retirer")
    assert "vous êtes retiré" in (await ana.expect_message()).text
    await harness.drain_outbox()
    told = await sam.expect_message()
    assert "your team" in told.text and "Your leader:" in told.text
    after = await _teams(harness)
    assert after[420] == before[leaving] and leaving not in after
    assert {t: s for t, s in after.items() if t != 420} == {t: s for t, s in before.items() if t != leaving}
    for telegram_id, _name, _locale in people:
        if telegram_id != leaving:
            await harness.user(telegram_id).expect_no_message()
    async with harness.session() as session:
        edition = await session.get(NightEdition, edition_id)
        assert edition is not None and edition.published_at is not None


async def test_the_night_reminder_check_in_presence_and_reinforcement(harness: BotHarness) -> None:
    people = [(501 + i, name, "fr" if i % 2 else "en") for i, name in enumerate(
        ("Ana Roy", "Bo Lin", "Cy Dupré", "Dan Morel", "Eva Klein"))]
    edition_id = await _published(harness, people, [("18-A", 2, 2), ("18-B", 2, 3)], leader_telegram=600)
    async with harness.app.sessions.begin() as session:
        sent = await publication.send_due_messages(session, AFTERNOON)
        assert sent == [f"night:{edition_id}:afternoon"]
        assert await publication.send_due_messages(session, AFTERNOON) == []  # idempotent
        edition = await session.get(NightEdition, edition_id)
        sector_a = next(s for s in await rules.list_sectors(session, edition) if s.code == "18-A")  # type: ignore[arg-type]
    await harness.drain_outbox()
    teams = await _teams(harness)
    reminders = {t: await harness.user(t).expect_message() for t, _n, _l in people}
    assert "It's tonight!" in reminders[501].text and "C'est ce soir" in reminders[502].text
    set_clock(harness, datetime(2027, 1, 28, 12, 0, tzinfo=UTC))
    await harness.user(501).tap("📍 I'm here", message=reminders[501])
    assert "Too early" in ((await harness.user(501).expect_callback_answer()).text or "")
    set_clock(harness, AT_MEETING)
    team_a = sorted(t for t in teams if teams[t] == sector_a.id)
    assert len(team_a) == 2
    absent = team_a[0]  # one of Karim's two members does not turn up; everyone else does
    for telegram_id, _name, _locale in people:
        if telegram_id == absent:
            continue
        user = harness.user(telegram_id)
        await user.tap(reminders[telegram_id].button_labels[0], message=reminders[telegram_id])
        answer = (await user.expect_callback_answer()).text or ""
        assert "marked present" in answer or "présence est notée" in answer
    await harness.user(team_a[1]).tap(reminders[team_a[1]].button_labels[0], message=reminders[team_a[1]])
    await harness.user(team_a[1]).expect_callback_answer()  # twice: nothing changes
    bo = harness.user(502)
    await bo.send("/night_presence")  # a volunteer may not see the board
    assert "Seuls les responsables" in (await bo.expect_message()).text
    karim = harness.user(600)
    karim.skip_seen()  # his leader's card and the afternoon reminder (tested in test_one_role.py)
    await karim.send("/night_presence")
    board = await karim.expect_message()
    assert "Équipe 18-A (Karim) : 1/2 présents" in board.text and "Équipe 18-B (Sophie) : 3/2 présents" in board.text
    assert board.button_labels == ["➕ Renforcer 18-A", "🔄 Actualiser"]
    await karim.tap("➕ Renforcer 18-A", message=board)
    assert "C'est fait" in ((await karim.expect_callback_answer()).text or "")
    refreshed = await karim.expect_message()
    assert "Équipe 18-A (Karim) : 2/2 présents" in refreshed.text and "Renforcer" not in str(refreshed.button_labels)
    await karim.tap("➕ Renforcer 18-A", message=board)  # the old button again: nothing more moves
    assert "déjà assez de présents" in ((await karim.expect_callback_answer()).text or "")
    await karim.tap_data("ng:reinforce:abc", message=board)  # forged
    assert "plus valable" in ((await karim.expect_callback_answer()).text or "")
    await harness.drain_outbox()
    moved = [t for t, s in (await _teams(harness)).items() if s == sector_a.id and t not in team_a]
    assert len(moved) == 1
    assert "18-A" in (await harness.user(moved[0]).expect_message()).text  # the moved volunteer is told
    async with harness.session() as session:
        present = [p for p in (await session.execute(select(NightAssignment))).scalars() if p.present_at]
    assert len(present) == 4


async def test_a_leader_withdraws_and_a_volunteer_who_can_lead_takes_over(harness: BotHarness) -> None:
    edition_id = await make_edition(harness, [("18-A", 18, 2, 2, None)])
    await registered(harness, edition_id, 901, [18], name="Lou Chef", can_lead=True)
    await registered(harness, edition_id, 902, [18], name="Max Un", locale="en")
    await registered(harness, edition_id, 903, [18], name="Nel Deux")
    async with harness.app.sessions.begin() as session:
        edition = await session.get(NightEdition, edition_id)
        assert edition is not None
        await rules.form_teams(session, edition, AFTER_DEADLINE)
        await publication.publish(session, edition, AFTER_DEADLINE)
    await harness.drain_outbox()
    for telegram_id in (901, 902, 903):
        harness.user(telegram_id).skip_seen()
    await registered(harness, edition_id, 904, [18], name="Olga Relais", can_lead=True)  # unplaced, can lead
    set_clock(harness, AFTER_DEADLINE)
    lou = harness.user(901)
    await lou.send("/menu")
    await lou.expect_message()
    await lou.tap("🌙 Nuit de la Solidarité")
    assert "Vous êtes le responsable" in (await lou.expect_message()).text
    await lou.tap("Me retirer")
    await lou.expect_message()
    await lou.tap("Oui, me retirer")
    await lou.expect_message()
    await harness.drain_outbox()
    assert "Vous êtes le responsable" in (await harness.user(904).expect_message()).text
    assert "Your leader: Olga" in (await harness.user(902).expect_message()).text
    assert "Votre responsable : Olga" in (await harness.user(903).expect_message()).text


async def test_thanks_and_feedback_store_nothing_about_people_met(harness: BotHarness) -> None:
    people = [(701 + i, name, "en" if i == 0 else "fr") for i, name in enumerate(("Ana Roy", "Bo Lin", "Cy Dupré"))]
    edition_id = await _published(harness, people, [("18-A", 3, 3)])
    async with harness.app.sessions.begin() as session:
        assert await publication.send_due_messages(session, NEXT_MORNING) == [f"night:{edition_id}:thanks"]
    await harness.drain_outbox()
    ana = harness.user(701)
    thanks = await ana.expect_message()
    assert "Thank you for taking part" in thanks.text and "anonymous" in thanks.text
    await ana.tap("😊 Good", message=thanks)
    assert "Thank you for your feedback" in ((await ana.expect_callback_answer()).text or "")
    await ana.tap_data(f"np:feedback:{edition_id}:9", message=thanks)  # forged score
    assert "no longer valid" in ((await ana.expect_callback_answer()).text or "")
    stranger = harness.user(799, "Zed", "fr")
    await stranger.send("/menu")
    await stranger.expect_message()
    await stranger.tap_data(f"np:feedback:{edition_id}:3")  # someone who was in no team
    assert "aucune équipe" in ((await stranger.expect_callback_answer()).text or "")
    async with harness.session() as session:
        scores = {r.user_id: r.feedback for r in (await session.execute(select(NightRegistration))).scalars()}
    assert sorted(v for v in scores.values() if v is not None) == [3]


async def test_registrants_are_reminded_before_the_deadline(harness: BotHarness) -> None:
    edition_id = await make_edition(harness, [("18-A", 18, 2, 2, None)])
    await registered(harness, edition_id, 951, [18], name="Eli Rappel", locale="en")
    await registered(harness, edition_id, 952, [18], name="Fan Rappel")
    early, due = datetime(2027, 1, 10, 12, 0, tzinfo=UTC), datetime(2027, 1, 19, 12, 0, tzinfo=UTC)
    async with harness.app.sessions.begin() as session:
        assert await publication.send_due_messages(session, early) == []
        assert await publication.send_due_messages(session, due) == [f"night:{edition_id}:deadline"]
        assert await publication.send_due_messages(session, due) == []
    await harness.drain_outbox()
    assert "until Wednesday, 20 January 2027" in (await harness.user(951).expect_message()).text
    assert "jusqu'au mercredi 20 janvier 2027" in (await harness.user(952).expect_message()).text


def test_the_reminder_job_is_registered() -> None:
    assert any(func == "bot.jobs.night:send_night_messages" for func, _trigger in recurring_jobs().values())


def test_a_city_wide_presence_board_fits_telegram_limits() -> None:
    from bot.i18n import create_i18n
    from handlers.night.volunteer import presence_text
    from models.night import NightSector

    sectors = [NightSector(id=i, edition_id=1, code=f"S-{i:03d}", arrondissement=1 + i % 20, meeting_point="Mairie",
                           meeting_address="1 rue X", meeting_at=AT_MEETING, min_volunteers=3, max_volunteers=4)
               for i in range(400)]
    points = [rules.MeetingPoint(f"Mairie {n}", f"{n} rue de la Mairie", [
        rules.TeamPresence(s, "Karim", ["Ana", "Bo"], ["Cy Dupré-Lefebvre"]) for s in sectors if s.arrondissement == n])
        for n in range(1, 21)]
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("fr"):
        texts, markup = presence_text(points)
    assert len(texts) > 1 and all(len(text) <= 4096 for text in texts)
    assert sum(text.count("Équipe S-") for text in texts) == 400
    assert len([b for row in markup.inline_keyboard for b in row]) <= 100
