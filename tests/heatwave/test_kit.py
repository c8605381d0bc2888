"""The heat-wave kit: short screens with buttons, in French and English, from /kit and the menu."""

from __future__ import annotations

from tests.factories import volunteer
from tests.harness import BotHarness


async def test_kit_in_french_from_the_command(harness: BotHarness) -> None:
    camille = harness.user(201, "Camille", "fr")
    await camille.send("/kit")
    home = await camille.expect_message()
    assert "Le Volontaire et la canicule" in home.visible_text
    assert "🗓 Avant l'été" in home.button_labels and "☰ Menu" in home.button_labels

    await camille.tap("🗓 Avant l'été")
    before = await camille.expect_edit()  # the page turns in place
    assert "REFLEX" in before.visible_text and "CHALEX" in before.visible_text and "3975" in before.visible_text
    assert "accord" in before.visible_text
    await camille.tap("🌡 Pendant une alerte")
    during = await camille.expect_edit()
    for fact in ("eau", "volets", "ventilateur", "médicaments", "quelqu'un à appeler", "mairies", "14 h à 18 h"):
        assert fact in during.visible_text, fact
    await camille.tap("🚨 Signes de danger")
    danger = await camille.expect_edit()
    for fact in ("39 °C", "maux de tête violents", "vomissements", "confusion", "perte de connaissance",
                 "convulsions", "Appelez le 15", "rafraîchissez"):
        assert fact in danger.visible_text, fact
    await camille.tap("☎️ Numéros utiles")
    numbers = await camille.expect_edit()
    for fact in ("15", "112", "3975", "0 800 06 66 66", "Canicule info service"):
        assert fact in numbers.visible_text, fact
    await camille.tap("📚 Sources")
    sources = await camille.expect_edit()
    for source in ("Ville de Paris", "Santé publique France", "ministère de la Santé", "Météo-France"):
        assert source in sources.visible_text, source
    await camille.expect_no_message()


async def test_kit_in_english_from_the_menu(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 202, name="Sam Smith", locale="en")
        await session.commit()
    sam = harness.user(202, "Sam", "en")
    await sam.send("/menu")
    menu = await sam.expect_message()
    await sam.tap("📘 Heat-wave kit", message=menu)
    home = await sam.expect_message()
    assert "The volunteer and the heat wave" in home.visible_text
    await sam.tap("🚨 Danger signs")
    danger = await sam.expect_edit()
    for fact in ("39 °C", "violent headache", "vomiting", "confusion", "fainting", "convulsions", "Call 15"):
        assert fact in danger.visible_text, fact
    await sam.tap("☎️ Useful numbers")
    numbers = await sam.expect_edit()
    assert "0 800 06 66 66" in numbers.visible_text and "REFLEX register (formerly CHALEX)" in numbers.visible_text
    await sam.tap("🌡 During an alert")
    assert "14:00 to 18:00" in (await sam.expect_edit()).visible_text


async def test_forged_kit_button_and_typed_text(harness: BotHarness) -> None:
    lea = harness.user(203, "Léa", "fr")
    await lea.send("/kit")
    await lea.expect_message()
    await lea.tap_data("kit:secret")
    assert "plus valable" in ((await lea.expect_callback_answer()).text or "")
    await lea.send("canicule ?")  # free text is not a kit command: the fallback answers, politely
    assert "/menu" in (await lea.expect_message()).text
