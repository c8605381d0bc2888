"""The issue desk tells the truth about languages, and a sending shows its progress live, then its report,
in French and English (issue 19: "Also found in the newsletter desk")."""

from __future__ import annotations

import pytest

from models.base import utcnow
from services import newsletter
from tests import factories
from tests.harness import BotHarness
from tests.newsletter.test_stories import DESK, ENGLISH, FRENCH, _open_desk

WORDS = {
    "fr": {"missing": "Langue manquante", "now": "🚀 Envoyer maintenant", "yes": "🚀 Oui, envoyer",
           "started": "C'est parti : 2 lecteurs", "sending": "Envoi en cours", "pause": "⏸ Pause",
           "report": "Rapport", "received": "Reçu : 2", "done": "Terminée", "title": "Lettre du Climat"},
    "en": {"missing": "Missing language", "now": "🚀 Send now", "yes": "🚀 Yes, send",
           "started": "On its way: 2 readers", "sending": "Sending", "pause": "⏸ Pause",
           "report": "Report", "received": "Received: 2", "done": "Finished", "title": "Climate Newsletter"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_bilingual_issue_sends_with_live_progress_and_a_report(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    month = newsletter.upcoming_months(utcnow())[1]
    async with harness.session() as session, session.begin():
        for telegram_id, locale in ((671, "fr"), (672, "en")):
            await newsletter.subscribe(session, await factories.volunteer(session, telegram_id, locale=locale), locale)
        await newsletter.save_text(session, month, "fr", newsletter.parse_document(FRENCH), now=utcnow())
        await newsletter.save_text(session, month, "en", newsletter.parse_document(ENGLISH), now=utcnow())
    readers = [harness.user(671, "A", "fr"), harness.user(672, "B", "en")]
    coordinator = harness.coordinator(language)
    await _open_desk(coordinator, DESK[language])
    await coordinator.tap(newsletter.month_label(month, language))
    panel = await coordinator.expect_message()
    assert words["missing"] not in panel.visible_text  # both languages are written: nothing is missing
    await coordinator.tap(words["now"], message=panel)
    question = await coordinator.expect_message()
    assert "2" in question.text
    await coordinator.tap(words["yes"], message=question)
    assert words["started"] in (await coordinator.expect_message()).text
    live = await coordinator.expect_message()
    assert words["title"] in live.visible_text and words["pause"] in live.button_labels
    for reader in readers:
        await reader.expect_message()
    await harness.drain_outbox()
    report = await coordinator.expect_message(timeout=5)  # nobody tapped 📊: the report comes by itself
    assert words["report"] in report.visible_text and words["received"] in report.visible_text
    assert "2 / 2" in live.visible_text and words["done"] in live.visible_text and not live.buttons

    await _open_desk(coordinator, DESK[language])  # the sent issue says nothing is missing either
    await coordinator.tap(newsletter.month_label(month, language))
    sent = await coordinator.expect_message()
    assert words["missing"] not in sent.visible_text and words["now"] not in sent.button_labels
