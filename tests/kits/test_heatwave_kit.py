"""The heat-wave kit, now the library's first kit: its screens in French and English, from /kit, the menu and
the heat-wave alert's button (also on alerts sent before the library existed)."""

from __future__ import annotations

import pytest

from emulator.client import TestUser
from emulator.state import RecordedMessage
from tests.factories import volunteer
from tests.harness import BotHarness


async def _open_heat_wave_kit(person: TestUser, library: RecordedMessage, title: str) -> RecordedMessage:
    label = next(label for label in library.button_labels if title in label)
    await person.tap(label, message=library)
    return await person.expect_message()  # a kit opens as a new message; its screens then turn in place


async def test_heat_wave_kit_in_french_from_the_command(harness: BotHarness) -> None:
    camille = harness.user(201, "Camille", "fr")
    await camille.send("/kit")
    library = await camille.expect_message()
    assert "Le Volontaire au quotidien" in library.visible_text and "☰ Menu" in library.button_labels
    home = await _open_heat_wave_kit(camille, library, "Le Volontaire et la canicule")
    assert "Le Volontaire et la canicule" in home.visible_text and "Météo-France" in home.visible_text
    assert "🗓 Avant l'été" in home.button_labels and "📤 Partager à un proche" in home.button_labels

    await camille.tap("🗓 Avant l'été")
    before = await camille.expect_edit()  # the page turns in place
    assert "REFLEX" in before.visible_text and "CHALEX" in before.visible_text and "3975" in before.visible_text
    assert "accord" in before.visible_text and "1/5" in before.button_labels
    await camille.tap("›")
    during = await camille.expect_edit()
    for fact in ("eau", "volets", "ventilateur", "médicaments", "quelqu'un à appeler", "mairies", "14 h à 18 h"):
        assert fact in during.visible_text, fact
    await camille.tap("›")
    danger = await camille.expect_edit()
    for fact in ("39 °C", "maux de tête violents", "vomissements", "confusion", "perte de connaissance",
                 "convulsions", "Appelez le 15", "rafraîchissez"):
        assert fact in danger.visible_text, fact
    await camille.tap("›")
    numbers = await camille.expect_edit()
    for fact in ("15", "112", "3975", "0 800 06 66 66", "Canicule info service"):
        assert fact in numbers.visible_text, fact
    await camille.tap("›")
    sources = await camille.expect_edit()
    for source in ("Ville de Paris", "Santé publique France", "ministère de la Santé", "Météo-France"):
        assert source in sources.visible_text, source
    assert "›" not in sources.button_labels and "5/5" in sources.button_labels
    await camille.tap("📘 Sommaire")
    assert "Choisissez un écran" in (await camille.expect_edit()).visible_text


async def test_heat_wave_kit_in_english_from_the_menu(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 202, name="Sam Smith", locale="en")
        await session.commit()
    sam = harness.user(202, "Sam", "en")
    await sam.send("/menu")
    menu = await sam.expect_message()
    await sam.tap("📘 Volunteer kits", message=menu)
    library = await sam.expect_message()
    home = await _open_heat_wave_kit(sam, library, "The volunteer and the heat wave")
    assert "The volunteer and the heat wave" in home.visible_text
    await sam.tap("🚨 Danger signs")
    danger = await sam.expect_edit()
    for fact in ("39 °C", "violent headache", "vomiting", "confusion", "fainting", "convulsions", "Call 15"):
        assert fact in danger.visible_text, fact
    await sam.tap("›")
    numbers = await sam.expect_edit()
    assert "0 800 06 66 66" in numbers.visible_text and "REFLEX register (formerly CHALEX)" in numbers.visible_text
    await sam.tap("‹")
    await sam.expect_edit()
    await sam.tap("‹")
    assert "14:00 to 18:00" in (await sam.expect_edit()).visible_text


async def test_the_alert_button_opens_the_heat_wave_kit_even_on_old_alerts(harness: BotHarness) -> None:
    """Alerts already sent carry "kit:home" (and the old screens' names): they open the library's kit."""
    lea = harness.user(203, "Léa", "fr")
    await lea.send("/kit")
    library = await lea.expect_message()
    await lea.tap_data("kit:home", message=library)
    assert "Le Volontaire et la canicule" in (await lea.expect_message()).visible_text
    await lea.tap_data("kit:danger", message=library)
    assert "39 °C" in (await lea.expect_message()).visible_text


async def test_forged_kit_button_and_typed_text(harness: BotHarness) -> None:
    lea = harness.user(203, "Léa", "fr")
    await lea.send("/kit")
    await lea.expect_message()
    for forged in ("kit:secret", "kr:read:1:11:0", "kr:read:1:6:0", "kr:open:999:0:0", "kr:read:-1:0:0", "kr:x:1:0:0"):
        await lea.tap_data(forged)
        assert "plus valable" in ((await lea.expect_callback_answer()).text or ""), forged
    await lea.send("canicule ?")  # free text is not a kit command: the fallback answers, politely
    assert "/menu" in (await lea.expect_message()).text


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_heat_wave_kit_sources_are_links(harness: BotHarness, language: str) -> None:
    person = harness.user(901, "Léa", language)
    await person.send("/kit")
    library = await person.expect_message()
    await _open_heat_wave_kit(person, library, "canicule" if language == "fr" else "heat wave")
    await person.tap("📚 Sources")
    sources = await person.expect_edit()
    links = {entity["url"] for entity in sources.entities if entity.get("type") == "text_link"}
    assert {"https://www.paris.fr/pages/la-canicule-5469", "https://vigilance.meteofrance.fr/fr"} <= links
    assert len(links) == 4 and all(link.startswith("https://") for link in links)
