"""The launch form on the shared form helper (Back, Cancel, an editable summary, typed answers), and every
heat-wave button refusing forged, out-of-range and inaccessible variants with the one stale answer."""

from __future__ import annotations

import pytest
from sqlmodel import select

from emulator.client import TestUser
from models.heatwave import Alert, AlertAnswer
from tests.factories import volunteer
from tests.harness import BotHarness

WORDS = {
    "fr": {"new": "➕ Nouvelle alerte", "orange": "🟠 orange", "red": "🔴 rouge", "back": "« Retour",
           "cancel": "✖ Annuler", "continue": "Continuer »", "no_note": "Pas de note »",
           "keep_fr": "Garder le français »",
           "level_q": "Quel niveau", "areas_q": "Quels arrondissements", "nets_q": "Quels réseaux",
           "note_q": "Une note", "en_q": "La même note en anglais", "edit_areas": "Modifier les arrondissements",
           "edit_level": "Modifier le niveau", "edit_note": "Modifier la note", "recipients": "Destinataires : {n}",
           "send": "✅ Envoyer à {n} volontaire", "launched": "lancée", "abandoned": "rien n'a été envoyé",
           "stale": "plus valable", "one_area": "au moins un arrondissement", "not_here": "boutons ci-dessous"},
    "en": {"new": "➕ New alert", "orange": "🟠 orange", "red": "🔴 red", "back": "« Back",
           "cancel": "✖ Cancel", "continue": "Continue »", "no_note": "No note »", "keep_fr": "Keep the French »",
           "level_q": "Which heat-wave", "areas_q": "Which arrondissements", "nets_q": "Which networks",
           "note_q": "A note for the volunteers", "en_q": "The same note in English",
           "edit_areas": "Change the arrondissements",
           "edit_level": "Edit the level", "edit_note": "Edit the note", "recipients": "Recipients: {n}",
           "send": "✅ Send to {n} volunteer", "launched": "launched", "abandoned": "nothing was sent",
           "stale": "no longer valid", "one_area": "at least one arrondissement", "not_here": "buttons below"},
}
HUGE = 2**63  # one more than a signed 64-bit column holds


async def _answer_to(person: TestUser, query_id: str) -> str:
    while (answer := await person.expect_callback_answer()).query_id != query_id:
        pass
    return answer.text or ""


async def _people(harness: BotHarness) -> None:
    harness.user(501, "Camille", "fr")
    harness.user(502, "Sam", "en")
    async with harness.session() as session:
        await volunteer(session, 501, locale="fr", arrondissement=11)
        await volunteer(session, 502, locale="en", arrondissement=12)
        await session.commit()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_back_cancel_and_an_editable_summary(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    await _people(harness)
    coord = harness.coordinator(language)
    await coord.send("/alert")
    await coord.tap(words["new"], message=await coord.expect_message())
    level = await coord.expect_message()
    assert words["level_q"] in level.text and words["cancel"] in level.button_labels
    assert words["back"] not in level.button_labels  # nothing before the first step
    await coord.tap(words["orange"], message=level)
    areas = await coord.expect_message()
    assert words["areas_q"] in areas.text and words["back"] in areas.button_labels
    tapped = await coord.tap(words["continue"], message=areas)  # nothing ticked: refused, the question stays
    assert words["one_area"] in await _answer_to(coord, tapped)
    await coord.tap(words["back"], message=areas)
    assert words["level_q"] in (await coord.expect_message()).text
    await coord.tap(words["red"])
    await coord.expect_message()
    await coord.send("11 et 12" if language == "fr" else "11 and 12")
    networks = await coord.expect_message()
    assert words["nets_q"] in networks.text
    await coord.tap(words["continue"], message=networks)
    note = await coord.expect_message()
    assert words["note_q"] in note.text
    await coord.send("Salle rafraîchie")
    assert words["en_q"] in (await coord.expect_message()).text
    await coord.tap(words["keep_fr"])
    summary = await coord.expect_message()
    assert words["recipients"].format(n=2) in summary.visible_text and "🔴" in summary.visible_text

    await coord.tap(words["edit_areas"], message=summary)  # a line edited, then straight back to the summary
    areas = await coord.expect_message()
    await coord.send("11")
    summary = await coord.expect_message()
    assert words["recipients"].format(n=1) in summary.visible_text
    assert words["send"].format(n=1) in summary.button_labels
    await coord.tap(words["edit_level"], message=summary)
    await coord.expect_message()
    await coord.tap(words["orange"])
    summary = await coord.expect_message()
    assert "🟠" in summary.visible_text
    await coord.tap(words["edit_note"], message=summary)
    await coord.expect_message()
    await coord.tap(words["no_note"])
    summary = await coord.expect_message()
    assert "Salle rafraîchie" not in summary.visible_text

    tapped = await coord.tap(words["send"].format(n=1), message=summary, inaccessible=True)
    assert words["stale"] in await _answer_to(coord, tapped)
    await coord.tap(words["send"].format(n=1), message=summary)
    assert words["launched"] in (await coord.expect_message()).text
    async with harness.session() as session:
        alert = (await session.execute(select(Alert))).scalar_one()
        assert (alert.level, alert.note_fr) == (3, None)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_cancel_from_a_step_and_typed_text(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    await _people(harness)
    coord = harness.coordinator(language)
    await coord.send("/alert")
    await coord.tap(words["new"], message=await coord.expect_message())
    await coord.expect_message()
    await coord.tap(words["orange"])
    areas = await coord.expect_message()
    await coord.send("²")  # not an arrondissement
    assert "20" in (await coord.expect_message()).text
    await coord.send("canicule")
    assert "11, 12, 20" in (await coord.expect_message()).text
    await coord.tap("11", message=areas)
    await coord.expect_edit()
    await coord.tap(words["cancel"], message=areas)
    assert words["abandoned"] in (await coord.expect_message()).text
    tapped = await coord.tap("12", message=areas)  # the old question's buttons do nothing any more
    assert words["stale"] in await _answer_to(coord, tapped)
    async with harness.session() as session:
        assert (await session.execute(select(Alert))).first() is None


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_forged_out_of_range_and_inaccessible_buttons(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    await _people(harness)
    coord = harness.coordinator(language)
    await coord.send("/alert")
    home = await coord.expect_message()
    for forged in (f"ao:view:{HUGE}:0", f"ao:close_ok:{HUGE}:0", "ao:set_level:1:99999", "ao:explode:1:0",
                   "ao:view:-1:0", "ao:view:abc:0", "av:9", "av:1", "ah:launch"):
        tapped = await coord.tap_data(forged, message=home)
        assert words["stale"] in await _answer_to(coord, tapped), forged
    volunteer_id = 501 if language == "fr" else 502
    person = harness.user(volunteer_id)
    await person.send("/kit")
    kit = await person.expect_message()
    for forged in (f"aa:{HUGE}:h", f"an:{HUGE}:3", "an:1:51", "an:1:-1", "aa:1:z", "kit:../../etc", "kit:"):
        tapped = await person.tap_data(forged, message=kit)
        assert words["stale"] in await _answer_to(person, tapped), forged
    tapped = await person.tap(kit.button_labels[0], message=kit, inaccessible=True)
    assert words["stale"] in await _answer_to(person, tapped)
    async with harness.session() as session:
        assert (await session.execute(select(AlertAnswer))).first() is None
