"""Issue 15 through the real bot, in French and English: the volunteer's own answer, counts in words and bad
counts, escalation set once from the live view, who has not answered and a message to them, the CSV export,
a closed alert's final live view, "get ready" for tomorrow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.scheduler import set_job_context
from emulator.client import TestUser
from models.base import utcnow
from models.heatwave import AlertAnswer, AlertEscalation
from services.callbacks.heatwave import GetReadyCb
from services.timing import to_paris
from tests.factories import volunteer
from tests.harness import BotHarness

W = {
    "fr": {"help": "🙋 Je peux aider", "checked": "✅ J'ai vérifié mes voisins", "mine": "👁 Ma réponse",
           "none_yet": "pas encore répondu", "yours": "Votre réponse : 🙋 Je peux aider", "three": "trois",
           "noted3": "C'est noté : 3 personnes", "range": "entre 0 et 50", "just": "seulement un nombre",
           "people3": "3 personnes vérifiées", "over": "terminée", "escalate": "📈 Escalade", "target2": "🎯 2",
           "on": "✅ Activer l'escalade", "active": "Escalade active", "goal2": "Objectif : 2 volontaires",
           "dst": "entre 2 h et 3 h", "silent": "👥 Sans réponse", "write": "✉️ Leur écrire (1)",
           "sent1": "Message envoyé à 1 volontaire", "confirm1": "✅ Envoyer à 1", "export": "📄 Export CSV",
           "close": "✖ Clôturer l'alerte", "yes": "✅ Oui, clôturer", "closed": "Alerte close",
           "refresh": "🔄 Actualiser", "never": "jamais", "coord_msg": "Message de la coordination",
           "esc_line": "📈 Escalade : relance chaque jour à 10 h", "uncovered": "non couvert",
           "ready_sent": "« Préparez-vous » envoyé à 2 volontaires", "ready_again": "déjà été envoyé",
           "ready_past": "proposition est passée", "ready_text": "Préparez-vous",
           "csv_head": "arrondissement;couverture"},
    "en": {"help": "🙋 I can help", "checked": "✅ I checked on my neighbours", "mine": "👁 My answer",
           "none_yet": "not answered this alert yet", "yours": "Your answer: 🙋 I can help", "three": "three",
           "noted3": "Noted: 3 people", "range": "from 0 to 50", "just": "just a number",
           "people3": "3 people checked on", "over": "over", "escalate": "📈 Escalation", "target2": "🎯 2",
           "on": "✅ Start escalation", "active": "Escalation on", "goal2": "Target: 2 volunteers",
           "dst": "between 2", "silent": "👥 No answer", "write": "✉️ Message them (1)",
           "sent1": "Message sent to 1 volunteer", "confirm1": "✅ Send to 1", "export": "📄 CSV export",
           "close": "✖ Close the alert", "yes": "✅ Yes, close it", "closed": "Alert closed",
           "refresh": "🔄 Refresh", "never": "never", "coord_msg": "Message from the coordinators",
           "esc_line": "📈 Escalation: re-ask daily at 10:00", "uncovered": "not covered",
           "ready_sent": "“Get ready” sent to 2 volunteers", "ready_again": "already sent",
           "ready_past": "proposal is past", "ready_text": "Get ready", "csv_head": "arrondissement,coverage"},
}


@pytest.fixture
async def jobs(harness: BotHarness) -> AsyncIterator[BotHarness]:
    set_job_context(harness.app)
    try:
        yield harness
    finally:
        set_job_context(None)


async def _answer_to(person: TestUser, query_id: str) -> str:
    while (answer := await person.expect_callback_answer()).query_id != query_id:
        pass
    return answer.text or ""


async def _launched(harness: BotHarness, language: str) -> tuple[TestUser, TestUser, TestUser]:
    """An alert on the 11th and the 12th with one volunteer each (in `language`), launched by a coordinator."""
    harness.user(701, "Camille", language)
    harness.user(702, "Sam", language)
    async with harness.session() as session:
        await volunteer(session, 701, name="Camille Martin", locale=language, arrondissement=11)
        await volunteer(session, 702, name="Sam <Smith>", locale=language, arrondissement=12)
        await session.commit()
    coord = harness.coordinator(language)
    await coord.send("/alert")
    await coord.tap("➕ Nouvelle alerte" if language == "fr" else "➕ New alert", message=await coord.expect_message())
    await coord.expect_message()
    await coord.tap("🟠 orange")
    await coord.expect_message()
    await coord.send("11, 12")
    await coord.expect_message()
    await coord.tap("Continuer »" if language == "fr" else "Continue »")
    await coord.expect_message()
    await coord.tap("Pas de note »" if language == "fr" else "No note »")
    confirm = await coord.expect_message()
    await coord.tap(confirm.button_labels[0], message=confirm)
    await coord.expect_message()
    await harness.drain_outbox()
    return coord, harness.user(701), harness.user(702)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_my_answer_counts_in_words_and_bad_counts(harness: BotHarness, language: str) -> None:
    words = W[language]
    coord, camille, _sam = await _launched(harness, language)
    live = await coord.expect_message()
    alert = await camille.expect_message()
    assert words["mine"] in alert.button_labels
    tapped = await camille.tap(words["mine"], message=alert)  # before answering
    assert words["none_yet"] in await _answer_to(camille, tapped)
    tapped = await camille.tap(words["checked"], message=alert)
    await _answer_to(camille, tapped)
    await camille.expect_message()  # how many?
    for bad, reason in (("-2", "range"), ("99999", "range"), ("moins trois" if language == "fr" else "minus three",
                                                               "range"), ("beaucoup", "just"), ("²", "just")):
        await camille.send(bad)
        assert words[reason] in (await camille.expect_message()).text, bad
    await camille.send(f"{words['three']} personnes" if language == "fr" else f"{words['three']} people")
    assert words["noted3"] in (await camille.expect_message()).text
    tapped = await camille.tap(words["help"], message=alert)
    await _answer_to(camille, tapped)
    tapped = await camille.tap(words["mine"], message=alert)
    mine = await _answer_to(camille, tapped)
    assert words["yours"] in mine and words["people3"] in mine
    await camille.expect_no_message()  # the toast spends no message of the send budget

    await coord.tap(words["close"], message=live)
    await coord.tap(words["yes"], message=await coord.expect_message())
    await coord.expect_message()
    tapped = await camille.tap(words["checked"], message=alert)  # a stale answer button after closing
    assert words["over"] in await _answer_to(camille, tapped)
    tapped = await camille.tap(words["mine"], message=alert)  # their answer can still be read
    assert words["yours"] in await _answer_to(camille, tapped)
    async with harness.session() as session:
        answer = (await session.execute(select(AlertAnswer))).scalar_one()
        assert (answer.kind, answer.people_checked) == ("help", 3)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_escalation_silent_list_message_export_and_final_view(jobs: BotHarness, language: str) -> None:
    words = W[language]
    coord, camille, sam = await _launched(jobs, language)
    live = await coord.expect_message()
    await camille.tap(words["help"], message=await camille.expect_message())
    await sam.expect_message()

    await coord.tap(words["escalate"], message=live)
    screen = await coord.expect_message()
    assert words["goal2"] not in screen.visible_text
    await coord.tap(words["target2"], message=screen)
    assert words["goal2"] in (await coord.expect_edit()).visible_text
    tapped = await coord.tap_data("ao:esc_hour:1:2", message=screen)  # forged: 02:00 is never allowed
    assert words["dst"] in await _answer_to(coord, tapped)
    await coord.tap(words["on"], message=screen)
    await coord.expect_edit()
    async with jobs.session() as session:
        settings = (await session.execute(select(AlertEscalation))).scalar_one()
        assert (settings.enabled, settings.target, settings.reask_hour) == (True, 2, 10)
    outsider = jobs.user(702)
    tapped = await outsider.tap_data("ao:esc_on:1:0")
    assert "coordinat" in await _answer_to(outsider, tapped)

    await coord.tap(words["refresh"], message=live)
    view = await coord.expect_edit()
    assert words["esc_line"] in view.visible_text and words["uncovered"] in view.visible_text

    await coord.tap(words["silent"], message=live)
    areas = await coord.expect_message()
    await coord.tap(areas.button_labels[0], message=areas)  # the 12th: Sam has not answered
    people = await coord.expect_message()
    assert "Sam &lt;Smith&gt;" not in people.visible_text and "Sam <Smith>" in people.visible_text
    assert language.upper() in people.visible_text and words["never"] in people.visible_text
    await coord.tap(words["write"], message=people)
    await coord.expect_message()
    await coord.send("Pouvez-vous appeler Mme Roy ?")
    summary = await coord.expect_message()
    await coord.tap(words["confirm1"], message=summary)
    assert words["sent1"] in (await coord.expect_message()).text
    await jobs.drain_outbox()
    note = await sam.expect_message()
    assert words["coord_msg"] in note.visible_text and note.button_labels[0] == words["help"]

    await coord.tap(words["export"], message=live)
    document = await coord.expect_message()
    assert document.document is not None and document.document.data.decode("utf-8-sig").startswith(words["csv_head"])

    await coord.tap(words["close"], message=live)
    await coord.tap(words["yes"], message=await coord.expect_message())
    await coord.expect_message()
    assert (await coord.expect_edit()).button_labels == []  # the question, answered, loses its buttons
    final = await coord.expect_edit()
    assert final.message_id == live.message_id and words["closed"] in final.visible_text
    assert final.button_labels == [words["refresh"], "🗺 Carte" if language == "fr" else "🗺 Map", words["export"]]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_get_ready_for_tomorrow_in_one_tap(harness: BotHarness, language: str) -> None:
    words = W[language]
    for telegram_id in (801, 802):
        harness.user(telegram_id, "Lou", language)
    async with harness.session() as session:
        await volunteer(session, 801, locale=language, arrondissement=5)
        await volunteer(session, 802, locale=language, arrondissement=18)
        await volunteer(session, 803, locale=language, arrondissement=None, postal_code="93100")  # not in Paris
        await session.commit()
    coord = harness.coordinator(language)
    await coord.send("/kit")
    kit = await coord.expect_message()
    tomorrow = int((to_paris(utcnow()) + timedelta(days=1)).strftime("%Y%m%d"))
    tapped = await coord.tap_data(GetReadyCb(level=4, day=tomorrow).pack(), message=kit)
    await _answer_to(coord, tapped)
    assert words["ready_sent"] in (await coord.expect_message()).text
    tapped = await coord.tap_data(GetReadyCb(level=4, day=tomorrow).pack(), message=kit)
    assert words["ready_again"] in await _answer_to(coord, tapped)
    tapped = await coord.tap_data(GetReadyCb(level=4, day=20260101).pack(), message=kit)
    assert words["ready_past"] in await _answer_to(coord, tapped)
    await harness.drain_outbox()
    message = await harness.user(801).expect_message()
    assert words["ready_text"] in message.visible_text and "3975" in message.visible_text
    volunteer_tap = await harness.user(801).tap_data(GetReadyCb(level=4, day=tomorrow).pack())
    assert "coordinat" in await _answer_to(harness.user(801), volunteer_tap)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_escalation_reasks_then_widens_on_a_controlled_clock(jobs: BotHarness, language: str) -> None:
    """Set once from the live view; then the job, on a controlled clock: nothing before the delay, the call
    widened to a neighbour's volunteer after it, the non-answerers re-asked at the slot, each step in the view."""
    from bot.jobs.heatwave import escalate

    texts = {"fr": ("renfort demandé dans le 12e", "Il manque encore des volontaires", "appel élargi",
                    "relance n° 1"),
             "en": ("help needed in the 12th", "Volunteers are still lacking", "call widened",
                    "re-ask no. 1")}[language]
    coord, camille, sam = await _launched(jobs, language)
    live = await coord.expect_message()
    await camille.tap(W[language]["help"], message=await camille.expect_message())
    await sam.expect_message()  # Sam, in the 12th, does not answer
    jobs.user(703, "Zoé", language)
    async with jobs.session() as session:
        await volunteer(session, 703, locale=language, arrondissement=13)  # next to the 12th, not a recipient
        await session.commit()
    await coord.tap(W[language]["escalate"], message=live)
    screen = await coord.expect_message()
    await coord.tap(W[language]["on"], message=screen)
    await coord.expect_edit()
    async with jobs.session() as session:
        settings = (await session.execute(select(AlertEscalation))).scalar_one()
        start, slot = settings.set_at, settings.next_reask_at
    assert slot is not None and to_paris(slot).hour == 10

    widen_at = start + timedelta(hours=4)  # the default delay
    first, second = sorted([(widen_at, "widen"), (slot, "reask")])  # the slot is 10:00 Paris: before or after
    assert await escalate(now=first[0] - timedelta(minutes=1)) == {}  # nothing before its time
    steps = {}
    for at, step in (first, second):
        done = await escalate(now=at)
        assert list(done.get(1, {})) == [step], (step, done)
        steps.update(done[1])
    # widened first: Zoé is a recipient by the re-ask, so both silent volunteers are asked again
    assert steps == {"widen": 1, "reask": 2 if first[1] == "widen" else 1}
    assert await escalate(now=second[0] + timedelta(minutes=1)) == {}  # each step once
    await jobs.drain_outbox()
    zoe = jobs.user(703)
    messages = [(await zoe.expect_message()).visible_text for _ in range(steps["reask"])]
    assert any(texts[0] in text for text in messages)  # called to the 12th, with the answer buttons
    assert texts[1] in (await sam.expect_message()).visible_text  # asked again: no answer yet
    await camille.expect_no_message()  # answered: never asked again
    await coord.tap(W[language]["refresh"], message=live)
    view = await coord.expect_edit()
    assert texts[2] in view.visible_text and texts[3] in view.visible_text
