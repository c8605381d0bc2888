"""/broadcast stories: a coordinator sends to a segment and watches; volunteers get it once in their language."""

from __future__ import annotations

from sqlmodel import select

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
    preview = await coordinator.expect_message()
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
    await coordinator.send_sticker()
    assert "send text" in (await coordinator.expect_message()).text
    await coordinator.send("   ")
    await coordinator.expect_message()
    await coordinator.send("Meeting at the town hall.")
    await coordinator.expect_message()
    await coordinator.tap("Same text for everyone")
    preview = await coordinator.expect_message()
    # 701 and 703 live in the 11th; 704 blocked the bot and is not counted
    assert "Recipients: 2" in preview.visible_text and "same text for everyone" in preview.visible_text
    await coordinator.send("yes")
    assert "Send" in (await coordinator.expect_message()).text
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
