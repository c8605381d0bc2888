"""/broadcast stories: a coordinator sends to a segment and watches; volunteers get it once in their language."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from emulator.client import TestUser
from emulator.state import RecordedMessage
from models.outbox import Campaign
from tests import factories
from tests.harness import BotHarness


async def _volunteers(harness: BotHarness) -> None:
    async with harness.session() as session, session.begin():
        await factories.volunteer(session, 701, locale="fr", arrondissement=11, climate=True)
        await factories.volunteer(session, 702, locale="en", arrondissement=18, climate=True)
        await factories.volunteer(session, 703, locale="fr", arrondissement=11, climate=False, solidarity=True)
        blocked = await factories.volunteer(session, 704, locale="fr", arrondissement=11)
        blocked.blocked_at = blocked.signed_up_at
    for telegram_id, locale in ((701, "fr"), (702, "en"), (703, "fr"), (704, "fr")):
        harness.user(telegram_id, "V", locale)


async def test_coordinator_broadcasts_in_french_and_english_and_watches_progress(harness: BotHarness) -> None:
    await _volunteers(harness)
    coordinator = harness.coordinator("fr")
    await coordinator.send("/broadcast")
    assert "À qui envoyer" in (await coordinator.expect_message()).text
    await coordinator.tap("🌳 Volontaires du Climat")
    await coordinator.expect_message()
    await coordinator.send("Canicule demain : <b>buvez</b> de l'eau.")  # typed text is escaped, not markup
    await coordinator.expect_message()
    await coordinator.send("Heat wave tomorrow: drink water.")
    # each language's message exactly as it will arrive, then the summary with the exact count
    fr_label, fr_part, en_label, en_part, preview = await coordinator.expect_messages(5)
    assert "1" in fr_label.text and fr_part.visible_text == "Canicule demain : <b>buvez</b> de l'eau."
    assert en_part.text == "Heat wave tomorrow: drink water." and "🇬🇧" in en_label.text
    assert "Destinataires : 2" in preview.visible_text and "✅ Envoyer à 2" in preview.button_labels
    await coordinator.tap("✅ Envoyer à 2")
    live = await coordinator.expect_message()
    assert "⏸ Pause" in live.button_labels and "✖ Annuler l'envoi" in live.button_labels

    await harness.drain_outbox()
    fr, en, solidarity = harness.user(701), harness.user(702), harness.user(703)
    assert (await fr.expect_message()).visible_text == "Canicule demain : <b>buvez</b> de l'eau."
    assert (await en.expect_message()).text == "Heat wave tomorrow: drink water."
    await solidarity.expect_no_message()
    report = await coordinator.expect_message(timeout=5)
    assert "Rapport" in report.text and "Reçu : 2" in report.visible_text
    edited = coordinator.transcript[-2]
    assert "2 / 2" in edited.visible_text and "Terminée" in edited.visible_text and not edited.buttons
    async with harness.session() as session:
        campaign = (await session.execute(select(Campaign))).scalar_one()
        assert campaign.report_sent_at is not None and campaign.progress_message_id == live.message_id


async def test_english_coordinator_one_text_for_all_arrondissements_and_cancel(harness: BotHarness) -> None:
    await _volunteers(harness)
    harness.emu.set_latency(0.05)
    coordinator = harness.coordinator("en")
    async with harness.session() as session, session.begin():
        await factories.volunteer(session, 900_001, locale="en", coordinator=True, arrondissement=None)
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.tap("📍 Some arrondissements")
    await coordinator.expect_message()
    await coordinator.send("eleven")
    assert "between 1 and 20" in (await coordinator.expect_message()).text
    await coordinator.send("11, 42")
    assert "20 arrondissements" in (await coordinator.expect_message()).text
    await coordinator.send("11")
    await coordinator.expect_message()
    await coordinator.send_sticker()  # the forms' one answer to a sticker, then the question again
    assert "not expecting that" in (await coordinator.expect_message()).text
    await coordinator.expect_message()
    await coordinator.send("   ")
    await coordinator.expect_message()
    await coordinator.send("Meeting at the town hall.")
    await coordinator.expect_message()
    await coordinator.tap("Same text for everyone")
    label, part, preview = await coordinator.expect_messages(3)
    assert "2" in label.text and part.text == "Meeting at the town hall."  # both in the 11th read French
    # 701 and 703 live in the 11th; 704 blocked the bot and is not counted
    assert "Recipients: 2" in preview.visible_text and "same text for everyone" in preview.visible_text
    await coordinator.send("yes")  # typed where a button is expected: said so, and the summary again
    assert "not expecting that" in (await coordinator.expect_message()).text
    assert "✅ Send to 2" in (await coordinator.expect_message()).button_labels
    await coordinator.tap("✅ Send to 2")
    await coordinator.expect_message()
    await harness.drain_outbox()
    assert (await harness.user(701).expect_message()).text == "Meeting at the town hall."
    assert (await harness.user(703).expect_message()).text == "Meeting at the town hall."
    await harness.user(702).expect_no_message()
    assert "Report" in (await coordinator.expect_message()).text


async def test_empty_segment_and_too_long_text_are_refused(harness: BotHarness) -> None:
    coordinator = harness.coordinator("fr")
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.tap("🇬🇧 Anglophones")
    await coordinator.expect_message()
    await coordinator.send("x" * 4000)  # one message, fine; a text over 5 messages is refused at splitting
    await coordinator.expect_message()
    await coordinator.tap("Même texte pour tous")
    refused = await coordinator.expect_message()
    assert "Personne ne correspond" in refused.text
    async with harness.session() as session:
        assert (await session.execute(select(Campaign))).first() is None


async def test_non_coordinators_and_forged_callbacks_change_nothing(harness: BotHarness) -> None:
    await _volunteers(harness)
    volunteer = harness.user(701)
    await volunteer.send("/broadcast")
    assert "réservée aux coordinateurs" in (await volunteer.expect_message()).text
    await volunteer.tap_data("bc:cancel:1")
    assert "réservée aux coordinateurs" in (await volunteer.expect_callback_answer()).text
    coordinator = harness.coordinator("fr")
    await coordinator.send("/start")
    await coordinator.expect_message()
    await coordinator.tap_data("bc:cancel:999")
    assert "introuvable" in (await coordinator.expect_callback_answer()).text
    await coordinator.tap_data("bc:send:0")  # a confirm tap with no form in progress
    await coordinator.tap_data("bs:everyone")  # a segment button outside the form
    async with harness.session() as session:
        assert (await session.execute(select(Campaign))).first() is None


async def _answer_to(person: TestUser, query_id: str) -> str:
    """The answer to one tap (answers to earlier taps are passed over)."""
    while (answer := await person.expect_callback_answer()).query_id != query_id:
        pass
    return answer.text or ""


def _send_formatted(person: TestUser, text: str, entities: list[dict[str, object]]) -> None:
    """The coordinator writes with Telegram's own formatting (bold, links): the text arrives with entities."""
    message = RecordedMessage(person.chat.take_message_id(), person.chat.id, int(time.time()), False, "text")
    message.text = message.visible_text = text
    message.entities = list(entities)
    person.chat.messages[message.message_id] = message
    person.state.queue_update("message", person.state.message_dict(message))


WIZARD = {
    "fr": {"arr": "📍 Des arrondissements", "climate": "🌳 Volontaires du Climat", "english": "🇬🇧 Anglophones",
           "back": "« Retour", "cancel": "✖ Annuler", "same": "Même texte pour tous", "edit": "Modifier le public",
           "edit_fr": "Modifier le texte français", "who": "À qui envoyer", "numbers": "numéros d'arrondissement",
           "french": "en français", "english_q": "texte en anglais", "count": "Destinataires : {n}",
           "send": "✅ Envoyer à {n}", "stale": "plus valable", "cancelled": "Diffusion abandonnée"},
    "en": {"arr": "📍 Some arrondissements", "climate": "🌳 Climate Volunteers", "english": "🇬🇧 English readers",
           "back": "« Back", "cancel": "✖ Cancel", "same": "Same text for everyone", "edit": "Edit audience",
           "edit_fr": "Edit French text", "who": "Who should receive", "numbers": "arrondissement numbers",
           "french": "in French", "english_q": "English text", "count": "Recipients: {n}",
           "send": "✅ Send to {n}", "stale": "no longer valid", "cancelled": "Broadcast abandoned"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_broadcast_form_has_back_cancel_and_an_editable_summary(harness: BotHarness, language: str) -> None:
    words = WIZARD[language]
    await _volunteers(harness)
    coordinator = harness.coordinator(language)
    await coordinator.send("/broadcast")
    first = await coordinator.expect_message()
    assert words["who"] in first.text and words["cancel"] in first.button_labels
    assert words["back"] not in first.button_labels
    await coordinator.tap(words["arr"])
    assert words["numbers"] in (await coordinator.expect_message()).text
    await coordinator.tap(words["back"])  # back to the audience
    assert words["who"] in (await coordinator.expect_message()).text
    await coordinator.tap(words["climate"])
    assert words["french"] in (await coordinator.expect_message()).text
    await coordinator.send("Premier jet")
    assert words["english_q"] in (await coordinator.expect_message()).text
    await coordinator.tap(words["back"])  # back to the French text, written again
    assert words["french"] in (await coordinator.expect_message()).text
    await coordinator.send("Réunion jeudi")
    await coordinator.expect_message()
    await coordinator.tap(words["same"])
    *_previews, summary = await coordinator.expect_messages(3)  # 701 and 702 read French (no English text)
    assert words["count"].format(n=2) in summary.visible_text and words["send"].format(n=2) in summary.button_labels

    await coordinator.tap(words["edit"])  # a summary line edited: the new audience, counted again
    await coordinator.expect_message()
    await coordinator.tap(words["english"])
    *_previews, summary = await coordinator.expect_messages(3)
    assert words["count"].format(n=1) in summary.visible_text and words["send"].format(n=1) in summary.button_labels
    tapped = await coordinator.tap(words["climate"], message=first)  # an old button of this form: refused, asked again
    assert words["stale"] in await _answer_to(coordinator, tapped)
    assert words["send"].format(n=1) in (await coordinator.expect_message()).button_labels
    await coordinator.tap(words["edit_fr"])
    await coordinator.expect_message()
    await coordinator.send("Réunion vendredi")
    _label, part, summary = await coordinator.expect_messages(3)
    assert part.text == "Réunion vendredi" and words["send"].format(n=1) in summary.button_labels
    await coordinator.tap(words["cancel"])
    assert words["cancelled"] in (await coordinator.expect_message()).text
    tapped = await coordinator.tap(words["send"].format(n=1), message=summary)  # the summary's button after Cancel
    assert words["stale"] in await _answer_to(coordinator, tapped)
    async with harness.session() as session:
        assert (await session.execute(select(Campaign))).first() is None
    await harness.user(702).expect_no_message()


PREVIEW = {
    "fr": ("Merci ! Rendez-vous à l'Hôtel de Ville & au square à 18 h.", "Merci !", "Aperçu",
           "✅ Envoyer à 2"),
    "en": ("Thanks! Meet at the town hall & in the square at 6 pm.", "Thanks!", "Preview", "✅ Send to 2"),
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_preview_is_exactly_what_recipients_get(harness: BotHarness, language: str) -> None:
    """Bold stays bold and & stays & in the preview (it showed &lt;b&gt; and &amp;amp;), and a long text is
    split into the same parts as the recipients get, in each language."""
    text, bold, preview_word, send = PREVIEW[language]
    await _volunteers(harness)
    coordinator = harness.coordinator(language)
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.tap("🌳 Volontaires du Climat" if language == "fr" else "🌳 Climate Volunteers")
    await coordinator.expect_message()
    _send_formatted(coordinator, text, [{"type": "bold", "offset": 0, "length": len(bold)}])
    await coordinator.expect_message()
    long_english = "\n\n".join(f"<b>Part {n}</b> & " + "words " * 300 for n in range(4))  # about 7,000 characters
    await coordinator.send(long_english)  # typed: the tags are text, as the recipient will see them
    fr_label, *fr_parts, en_label = await coordinator.expect_messages(3)
    en_parts = await coordinator.expect_messages(2)
    summary = await coordinator.expect_message()
    assert preview_word in fr_label.text and "🇫🇷" in fr_label.text and "🇬🇧" in en_label.text
    assert fr_parts[0].visible_text == text
    assert {"type": "bold", "offset": 0, "length": len(bold)} in fr_parts[0].entities
    assert "&lt;" not in (fr_parts[0].visible_text or "") and "&amp;" not in (fr_parts[0].visible_text or "")
    assert all("<b>Part" in (part.visible_text or "") for part in en_parts)
    await coordinator.tap(send, message=summary)
    await coordinator.expect_message()  # the live progress message
    await harness.drain_outbox()
    french = await harness.user(701).expect_message()
    english = await harness.user(702).expect_messages(2)
    assert (french.text, french.visible_text, french.entities) == (
        fr_parts[0].text, fr_parts[0].visible_text, fr_parts[0].entities)
    assert [part.text for part in english] == [part.text for part in en_parts]
    assert [part.visible_text for part in english] == [part.visible_text for part in en_parts]
