"""Calls for ideas: volunteers propose the quarter's theme, vote for one, and the winner becomes a training."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.app import create_app
from bot.config import Settings
from bot.jobs.programme import advance_theme_calls
from bot.scheduler import set_job_context
from locales.formatting import PARIS
from models.base import utcnow
from models.outbox import OutboxMessage
from models.programme import CallStatus, ThemeCall, ThemeProposal, ThemeVote
from models.training import Training
from services import programme
from services.errors import DomainError
from tests import factories
from tests.harness import BotHarness

WORDS = {
    "fr": {"desk": "💡 Appels à idées", "new": "➕ Nouvel appel", "climate": "🌳 Volontaires du Climat",
           "back": "« Retour", "open": "✅ Ouvrir et annoncer", "told": "2 volontaires prévenus",
           "propose": "💡 Proposer un thème",
           "send": "✅ Envoyer la proposition", "thanks": "Un coordinateur relira", "review": "📝 Relire (2)",
           "keep": "✅ Retenir", "decline": "✖ Écarter", "vote_now": "🗳 Ouvrir le vote maintenant",
           "to_two": "✅ Envoyer à 2", "recorded": "Vote enregistré", "closed": "Le vote est clos",
           "training": "📚 En faire une formation", "create": "✅ Créer la formation", "created": "Formation créée",
           "too_long": "120 caractères au plus", "edit_fr": "Modifier le titre français", "stale": "plus valable",
           "announced": "Annoncée à 2 volontaires"},
    "en": {"desk": "💡 Calls for ideas", "new": "➕ New call", "climate": "🌳 Climate Volunteers",
           "back": "« Back", "open": "✅ Open and announce", "told": "2 volunteers told",
           "propose": "💡 Propose a theme",
           "send": "✅ Send the proposal", "thanks": "A coordinator will review", "review": "📝 Review (2)",
           "keep": "✅ Shortlist", "decline": "✖ Decline", "vote_now": "🗳 Open the vote now",
           "to_two": "✅ Send to 2", "recorded": "Vote recorded", "closed": "The vote is closed",
           "training": "📚 Make it a training", "create": "✅ Create the training", "created": "Training created",
           "too_long": "120 characters at most", "edit_fr": "Edit the French title", "stale": "no longer valid",
           "announced": "Announced to 2 volunteers"},
}


def _paris(moment: object) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_call_from_opening_to_a_training(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    base = 700 if language == "fr" else 710
    async with harness.session() as session:
        for offset in (1, 2):
            await factories.volunteer(session, base + offset, locale=language)
        await factories.volunteer(session, base + 3, locale=language, climate=False, solidarity=True)
        await session.commit()
    ana, ben = harness.user(base + 1, "Ana", language), harness.user(base + 2, "Ben", language)
    solidarity_only = harness.user(base + 3, "Sol", language)
    coordinator = harness.coordinator(language)
    # noon, Paris time (the wall clock alone would sometimes land in 02:00-03:00 on a clock-change day)
    noon = datetime.combine(utcnow().astimezone(PARIS).date(), time(12), tzinfo=PARIS)
    soon, later = (noon + timedelta(days=7)).astimezone(UTC), (noon + timedelta(days=14)).astimezone(UTC)

    await coordinator.send("/coord")
    await coordinator.tap(words["desk"], message=await coordinator.expect_message())
    await coordinator.tap(words["new"], message=await coordinator.expect_message())
    await coordinator.expect_message()
    await coordinator.send("Thème du 1er trimestre")
    await coordinator.expect_message()
    await coordinator.tap(words["back"])  # back to the French title
    await coordinator.expect_message()
    await coordinator.send("Thème du 1er trimestre 2027")
    await coordinator.expect_message()
    await coordinator.send("First quarter 2027 theme")
    await coordinator.tap(words["climate"], message=await coordinator.expect_message())
    await coordinator.expect_message()
    await coordinator.send("31/02/2027 10:00")  # no such day: asked again with the reason
    retry = await coordinator.expect_message()
    assert retry.button_labels
    await coordinator.send(_paris(soon))
    await coordinator.expect_message()
    await coordinator.send(_paris(later))
    summary = await coordinator.expect_message()
    assert "Thème du 1er trimestre 2027" in summary.visible_text and words["edit_fr"] in summary.button_labels
    await coordinator.tap(words["open"], message=summary)
    assert words["told"] in (await coordinator.expect_message()).text
    await harness.drain_outbox()

    announcement = await ana.expect_message()
    assert "First quarter" in announcement.text or "1er trimestre" in announcement.text
    await solidarity_only.expect_no_message()  # another network's call
    await ana.tap(words["propose"], message=announcement)
    await ana.expect_message()
    await ana.send("x" * 121)
    assert words["too_long"] in (await ana.expect_message()).text
    await ana.send("Réparer plutôt que jeter")
    await ana.tap(words["send"], message=await ana.expect_message())
    assert words["thanks"] in (await ana.expect_message()).text
    await ben.tap(words["propose"], message=await ben.expect_message())
    await ben.expect_message()
    await ben.send("Manger local")
    await ben.tap(words["send"], message=await ben.expect_message())
    await ben.expect_message()

    async with harness.session() as session:
        call = (await session.execute(select(ThemeCall))).scalar_one()
    await coordinator.tap_data(f"tk:view:{call.id}:0")
    view = await coordinator.expect_edit()
    await coordinator.tap(words["review"], message=view)
    first = await coordinator.expect_edit()
    await coordinator.tap(words["keep"], message=first)
    second = await coordinator.expect_edit()
    await coordinator.tap(words["decline"], message=second)
    done = await coordinator.expect_edit()
    await coordinator.tap(words["vote_now"], message=done)
    confirm = await coordinator.expect_edit()
    assert words["to_two"] in confirm.button_labels  # the exact count before anything is sent
    await coordinator.tap(words["to_two"], message=confirm)
    await coordinator.expect_edit()
    await harness.drain_outbox()

    ballot = await ana.expect_message()
    assert ballot.button_labels == ["Réparer plutôt que jeter"]  # the declined theme is not on it
    await ana.tap("Réparer plutôt que jeter", message=ballot)
    assert "✅ Réparer plutôt que jeter" in (await ana.expect_edit()).button_labels
    await ana.tap("✅ Réparer plutôt que jeter", message=ballot)  # a second tap is the same one vote
    async with harness.session() as session:
        declined = (await session.execute(
            select(ThemeProposal).where(ThemeProposal.text == "Manger local"))).scalar_one()
        assert (await session.execute(select(func.count()).select_from(ThemeVote))).scalar_one() == 1
    forged = await ben.tap_data(f"th:vote:{call.id}:{declined.id}")  # forged: not on the shortlist
    assert words["stale"] in ((await ben.expect_answer_to(forged)).text or "")

    set_job_context(harness.app)
    try:
        assert await advance_theme_calls(later + timedelta(minutes=1)) == 1  # closes, reports to the coordinator
        assert await advance_theme_calls(later + timedelta(minutes=2)) == 0
    finally:
        set_job_context(None)
    late = await ana.tap("✅ Réparer plutôt que jeter", message=ballot)  # too late
    assert words["closed"] in ((await ana.expect_answer_to(late)).text or "")
    await harness.drain_outbox()
    report = await coordinator.expect_message()
    assert "Réparer plutôt que jeter : 1" in report.text
    await coordinator.tap(words["training"], message=report)
    await coordinator.expect_message()
    await coordinator.send(_paris(later + timedelta(days=10)))
    await coordinator.expect_message()
    await coordinator.send("2h")
    await coordinator.expect_message()
    await coordinator.send("Maison du Climat, 12 rue X")
    await coordinator.expect_message()
    await coordinator.send("²")  # a capacity written as a superscript is not a number
    await coordinator.expect_message()
    await coordinator.send("25")
    await coordinator.tap(words["create"], message=await coordinator.expect_message())
    created = (await coordinator.expect_message()).text
    assert words["created"] in created and words["announced"] in created
    async with harness.session() as session:
        training = (await session.execute(select(Training))).scalar_one()
        call = (await session.execute(select(ThemeCall))).scalar_one()
        assert (training.theme, training.capacity, call.training_id) == ("Réparer plutôt que jeter", 25, training.id)


async def test_a_volunteer_cannot_reach_the_desk(harness: BotHarness) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 720)
        await session.commit()
    eve = harness.user(720, "Eve", "fr")
    await eve.send("/menu")
    await eve.expect_message()
    for forged in ("tk:view:1:0", "tk:vote_now_ok:1:0", "tk:keep:1:1", "co:themes"):
        await eve.tap_data(forged)
        assert "réservée aux coordinateurs" in ((await eve.expect_callback_answer()).text or ""), forged
    await eve.tap_data("th:vote:99999999999999999999:1")  # out of range: stale, not a crash
    assert "plus valable" in ((await eve.expect_callback_answer()).text or "")


async def test_the_clock_opens_reminds_and_closes_each_once(harness: BotHarness) -> None:
    now = utcnow()
    async with harness.session() as session:
        people = [await factories.volunteer(session, 730 + n) for n in range(3)]
        call = await programme.open_call(session, title_fr="T", title_en="T", network="climate",
                                         proposals_until=now + timedelta(days=1),
                                         votes_until=now + timedelta(days=3), now=now)
        await programme.open_call(session, title_fr="Vide", title_en="Empty", network="climate",
                                          proposals_until=now + timedelta(days=1),
                                          votes_until=now + timedelta(days=3), now=now)
        proposal = await programme.propose(session, people[0], call.id, "Vélo", now)  # type: ignore[arg-type]
        await programme.moderate(session, proposal.id, keep=True)  # type: ignore[arg-type]
        await session.commit()
    set_job_context(harness.app)
    try:
        assert await advance_theme_calls(now + timedelta(hours=12)) == 0
        # proposals end: the vote opens (ballots to 3), the empty call closes (nothing shortlisted)
        assert await advance_theme_calls(now + timedelta(days=1, minutes=1)) == 2
        assert await advance_theme_calls(now + timedelta(days=1, minutes=2)) == 0
        async with harness.session() as session:
            await programme.vote(session, people[0], call.id, proposal.id, now + timedelta(days=1, hours=1))  # type: ignore[arg-type]
            await session.commit()
        # a day before the close: those who have not voted are reminded, once
        assert await advance_theme_calls(now + timedelta(days=2, hours=1)) == 1
        assert await advance_theme_calls(now + timedelta(days=2, hours=2)) == 0
        assert await advance_theme_calls(now + timedelta(days=3, minutes=1)) == 1
    finally:
        set_job_context(None)
    async with harness.session() as session:
        rows = list((await session.execute(select(col(OutboxMessage.chat_id)))).scalars())
        stored = {c.title_en: c for c in (await session.execute(select(ThemeCall))).scalars()}
    assert sorted(rows).count(731) == 2 and sorted(rows).count(730) == 1  # ballot + reminder; ballot only
    assert stored["T"].status == CallStatus.CLOSED and stored["T"].winner_id == proposal.id
    assert stored["Empty"].status == CallStatus.CLOSED and stored["Empty"].winner_id is None


async def test_five_hundred_votes_in_a_second_count_exactly(any_db_url: str) -> None:
    app = create_app(Settings(_env_file=None, database_url=any_db_url), with_bot=False)
    now = utcnow()
    try:
        async with app.sessions.begin() as session:
            people = [await factories.volunteer(session, 10_000 + n) for n in range(500)]
            call = await programme.open_call(session, title_fr="T", title_en="T", network="climate",
                                             proposals_until=now + timedelta(minutes=1),
                                             votes_until=now + timedelta(days=1), now=now)
            themes: list[int] = []
            for text in ("Vélo", "Compost", "Eau"):
                proposal = await programme.propose(session, people[len(themes)], call.id, text, now)  # type: ignore[arg-type]
                await programme.moderate(session, proposal.id, keep=True)  # type: ignore[arg-type]
                themes.append(proposal.id or 0)
            await programme.start_voting(session, call.id)  # type: ignore[arg-type]
            person_ids = [(person.id, person.telegram_id) for person in people]

        async def one_vote(index: int, telegram_id: int) -> None:
            async with app.sessions.begin() as session:
                voter = await programme_user(session, telegram_id)
                await programme.vote(session, voter, call.id, themes[index % 3], now)  # type: ignore[arg-type]
                if index % 10 == 0:  # some change their mind: still one vote each
                    await programme.vote(session, voter, call.id, themes[0], now)  # type: ignore[arg-type]

        await asyncio.gather(*(one_vote(index, telegram_id) for index, (_id, telegram_id) in enumerate(person_ids)))
        async with app.sessions() as session:
            results = {entry.text: entry.votes for entry in await programme.tally(session, call.id)}  # type: ignore[arg-type]
        expected = [0, 0, 0]
        for index in range(500):  # each person's last vote counts, once
            expected[0 if index % 10 == 0 else index % 3] += 1
        assert sum(results.values()) == 500
        assert results == {"Vélo": expected[0], "Compost": expected[1], "Eau": expected[2]}
        async with app.sessions.begin() as session:
            await programme.close_call(session, call.id, now)  # type: ignore[arg-type]
        async with app.sessions.begin() as session:
            late = await programme_user(session, person_ids[1][1])
            with pytest.raises(DomainError, match="clos"):
                await programme.vote(session, late, call.id, themes[1], now)  # type: ignore[arg-type]
    finally:
        await app.close()


async def programme_user(session, telegram_id):  # type: ignore[no-untyped-def]
    from services.users import get_user

    return await get_user(session, telegram_id)
