"""The training creation and edit form on the shared form helper, in French and English: Back and Cancel on
every step, typed answers refused with their reason (a capacity of "²"), an editable summary, publish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from emulator.client import TestUser
from models.training import Training
from tests.harness import BotHarness
from tests.training.test_volunteer_stories import press

WORDS = {
    "fr": {"menu": "📚 Formations", "new": "➕ Nouvelle formation", "back": "« Retour", "cancel": "✖ Annuler",
           "both": "Les deux", "network_q": "Pour quel réseau", "theme_q": "Thème ?", "none": "Aucune",
           "seats_bad": "nombre de places", "summary": "Tout est juste ?", "edit_seats": "Places",
           "edit_title": "Titre (français)", "publish": "✅ Publier", "published": "Formation publiée.",
           "given_up": "rien n'a été enregistré", "new_value": "Nouvelle valeur", "when": "12/12 18h30",
           "shown": "12 décembre", "edit": "✏️ Modifier", "save": "✅ Enregistrer",
           "changed": "C'est modifié."},
    "en": {"menu": "📚 Trainings", "new": "➕ New training", "back": "« Back", "cancel": "✖ Cancel",
           "both": "Both", "network_q": "which network", "theme_q": "Theme?", "none": "None",
           "seats_bad": "number of seats", "summary": "Is everything right?", "edit_seats": "Seats",
           "edit_title": "Title (French)", "publish": "✅ Publish", "published": "Training published.",
           "given_up": "nothing was saved", "new_value": "New value", "when": "2030-12-12 18:30",
           "shown": "12 December", "edit": "✏️ Edit", "save": "✅ Save",
           "changed": "Changed."},
}


async def _open_form(coordinator: TestUser, words: dict[str, str]) -> None:
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await press(coordinator, words["menu"])
    await coordinator.expect_message()
    await press(coordinator, words["new"])


async def _stored(harness: BotHarness) -> list[Training]:
    async with harness.session() as session:
        return list((await session.execute(select(Training))).scalars())


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_back_cancel_summary_edit_and_publish(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    coordinator = harness.coordinator(language)
    await _open_form(coordinator, words)
    first = await coordinator.expect_message()
    assert words["network_q"] in first.text
    assert words["cancel"] in first.button_labels and words["back"] not in first.button_labels
    await press(coordinator, words["both"])
    theme = await coordinator.expect_message()
    assert words["theme_q"] in theme.text and words["back"] in theme.button_labels
    await press(coordinator, words["back"])  # back to the networks
    assert words["network_q"] in (await coordinator.expect_message()).text
    await press(coordinator, words["both"])
    await coordinator.expect_message()
    await coordinator.send("Canicule")
    await coordinator.expect_message()
    await coordinator.send("Le Volontaire et la canicule")
    await coordinator.expect_message()
    await coordinator.send("The volunteer and the heat wave")
    await coordinator.expect_message()
    await press(coordinator, words["none"])  # no description in French…
    await coordinator.expect_message()
    await coordinator.send("-")  # …nor in English
    await coordinator.expect_message()
    await coordinator.send(words["when"])  # one of the accepted date forms
    await coordinator.expect_message()
    await press(coordinator, "2 h")
    await coordinator.expect_message()
    await coordinator.send("Hôtel de Ville, 75004 Paris")
    await coordinator.expect_message()
    for typed in ("²", "0", "vingt"):  # "²".isdigit() is True: it must be refused, not crash
        await coordinator.send(typed)
        refusal = await coordinator.expect_message()
        assert words["seats_bad"] in refusal.text or "1" in refusal.text
        assert words["cancel"] in refusal.button_labels  # the question's buttons stay one tap away
    await coordinator.send("20")
    summary = await coordinator.expect_message()
    assert words["summary"] in summary.visible_text and words["shown"] in summary.visible_text
    assert "18:30" in summary.visible_text
    assert "Places : 20" in summary.visible_text or "Seats: 20" in summary.visible_text

    # every line of the summary can be edited; the form comes back to the summary
    await press(coordinator, words["edit_seats"])
    await coordinator.expect_message()
    await coordinator.send("25")
    summary = await coordinator.expect_message()
    assert "25" in summary.visible_text
    await press(coordinator, words["edit_title"])
    question = await coordinator.expect_message()
    assert words["back"] in question.button_labels
    await press(coordinator, words["back"])  # back from an edit: the summary again, nothing changed
    assert words["summary"] in (await coordinator.expect_message()).visible_text

    # Cancel from the summary keeps nothing
    await press(coordinator, words["cancel"])
    assert words["given_up"] in (await coordinator.expect_message()).text
    assert await _stored(harness) == []

    # the same again, published
    await _open_form(coordinator, words)
    await coordinator.expect_message()
    await press(coordinator, words["both"])
    for answer in ("Canicule", "Le Volontaire et la canicule", "The volunteer and the heat wave", "-", "-",
                   "12/12/2030 18:30", "90", "https://visio.paris.fr/canicule", "12"):
        await coordinator.expect_message()
        await coordinator.send(answer)
    await coordinator.expect_message()  # the summary
    await press(coordinator, words["publish"])
    assert words["published"] in (await coordinator.expect_message()).text
    card = await coordinator.expect_message()
    [stored] = await _stored(harness)
    assert (stored.capacity, stored.duration_minutes, stored.online_url) == (12, 90, "https://visio.paris.fr/canicule")
    assert stored.starts_at == datetime(2030, 12, 12, 17, 30, tzinfo=UTC)

    # editing opens the same form on its summary
    await press(coordinator, words["edit"], message=card)
    assert words["summary"] in (await coordinator.expect_message()).visible_text
    await press(coordinator, words["edit_seats"])
    assert words["new_value"] in (await coordinator.expect_message()).text
    await coordinator.send("²")
    assert words["seats_bad"] in (await coordinator.expect_message()).text
    await coordinator.send("30")
    await coordinator.expect_message()
    await press(coordinator, words["save"])
    assert words["changed"] in (await coordinator.expect_message()).text
    assert (await _stored(harness))[0].capacity == 30
