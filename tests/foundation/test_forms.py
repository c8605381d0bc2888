"""The signup form on the shared form helper: Back and Cancel on every step, an editable summary, typed text
normalised, buttons under messages Telegram no longer shows refused like any stale button."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.user import User
from tests.harness import BotHarness

TEXTS = {
    "fr": {"lang": "🇫🇷 Français", "agree": "✅ J'accepte", "back": "« Retour", "cancel": "✖ Annuler",
           "name_q": "Quel est votre nom", "place_q": "Où habitez-vous", "net_q": "Quel réseau",
           "both": "Les deux", "continue": "Continuer »", "confirm": "✅ Confirmer", "edit_name": "Modifier le nom",
           "cancelled": "C'est annulé", "stale": "plus valable", "signed": "vous êtes inscrit",
           "edit_place": "Modifier le lieu", "outside": "Hors de Paris", "postal_q": "code postal"},
    "en": {"lang": "🇬🇧 English", "agree": "✅ I agree", "back": "« Back", "cancel": "✖ Cancel",
           "name_q": "What is your name", "place_q": "Where do you live", "net_q": "Which network",
           "both": "Both", "continue": "Continue »", "confirm": "✅ Confirm", "edit_name": "Edit name",
           "cancelled": "Cancelled", "stale": "no longer valid", "signed": "you are signed up",
           "edit_place": "Edit place", "outside": "Outside Paris", "postal_q": "postal code"},
}


async def _stored(harness: BotHarness, telegram_id: int) -> User:
    async with harness.session() as session:
        return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_back_cancel_and_an_editable_summary(harness: BotHarness, language: str) -> None:
    words = TEXTS[language]
    person = harness.user(120 if language == "fr" else 121, "José", language)
    await person.send("/start")
    first = await person.expect_message()
    assert words["cancel"] in first.button_labels and words["back"] not in first.button_labels
    await person.tap(words["lang"])
    notice = await person.expect_message()
    assert words["back"] in notice.button_labels and words["cancel"] in notice.button_labels
    await person.tap(words["agree"])
    assert words["name_q"] in (await person.expect_message()).text
    await person.send("Jose\u0301 Garci\u0301a")  # decomposed accents, as some keyboards send them
    place = await person.expect_message()
    assert words["place_q"] in place.text and words["back"] in place.button_labels
    await person.tap(words["back"])  # back to the name
    assert words["name_q"] in (await person.expect_message()).text
    await person.send("José García")
    await person.expect_message()
    await person.tap("11")
    networks = await person.expect_message()
    assert words["net_q"] in networks.text
    await person.tap(words["both"])
    await person.expect_message()
    await person.tap(words["continue"])
    await person.expect_message()
    await person.tap(words["continue"])
    summary = await person.expect_message()
    assert "José García" in summary.visible_text
    assert words["cancel"] in summary.button_labels

    await person.tap(words["edit_name"])  # a summary line edited, then straight back to the summary
    assert words["name_q"] in (await person.expect_message()).text
    await person.send("Jose\u0301 Garci\u0301a Lopez")
    summary = await person.expect_message()
    assert "José García Lopez" in summary.visible_text and words["confirm"] in summary.button_labels

    await person.tap(words["edit_place"])  # "outside Paris" asks its follow-up question, then the summary
    await person.expect_message()
    await person.tap(words["outside"])
    assert words["postal_q"] in (await person.expect_message()).text
    await person.send("93100")
    summary = await person.expect_message()
    assert "93100" in summary.visible_text

    tapped = await person.tap(words["confirm"], message=summary, inaccessible=True)  # no longer shown to the bot
    assert words["stale"] in ((await person.expect_answer_to(tapped)).text or "")
    assert (await _stored(harness, person.chat.id)).signed_up_at is None
    await person.tap(words["confirm"], message=summary)
    assert words["signed"] in (await person.expect_message()).text
    stored = await _stored(harness, person.chat.id)
    assert (stored.full_name, stored.postal_code) == ("José García Lopez", "93100")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_cancel_from_any_step_keeps_nothing(harness: BotHarness, language: str) -> None:
    words = TEXTS[language]
    person = harness.user(122 if language == "fr" else 123, "Ana", language)
    await person.send("/start")
    await person.expect_message()
    await person.tap(words["lang"])
    await person.expect_message()
    await person.tap(words["agree"])
    await person.expect_message()
    await person.send("Ana")
    place = await person.expect_message()
    await person.tap(words["cancel"], message=place)
    assert words["cancelled"] in (await person.expect_message()).text
    tapped = await person.tap("11", message=place)  # the old question's buttons do nothing any more
    assert words["stale"] in ((await person.expect_answer_to(tapped)).text or "")
    stored = await _stored(harness, person.chat.id)
    assert stored.full_name is None and stored.arrondissement is None


@pytest.mark.parametrize(("language", "words"), [
    ("fr", {"profile": "👤 Mon profil", "edit": "Modifier les langues", "back": "« Retour", "cancel": "✖ Annuler",
            "cancelled": "C'est annulé", "toggle": "Arabe"}),
    ("en", {"profile": "👤 My profile", "edit": "Edit languages", "back": "« Back", "cancel": "✖ Cancel",
            "cancelled": "Cancelled", "toggle": "Arabic"}),
])
async def test_profile_edit_back_and_cancel(harness: BotHarness, language: str, words: dict[str, str]) -> None:
    from tests.factories import volunteer

    telegram_id = 124 if language == "fr" else 125
    async with harness.session() as session:
        await volunteer(session, telegram_id, name="Hugo Leroy", locale=language)
        await session.commit()
    hugo = harness.user(telegram_id, "Hugo", language)
    await hugo.send("/menu")
    await hugo.tap(words["profile"], message=await hugo.expect_message())
    summary = await hugo.expect_message()
    assert words["cancel"] in summary.button_labels
    await hugo.tap(words["edit"], message=summary)
    languages = await hugo.expect_message()
    assert words["back"] in languages.button_labels
    await hugo.tap(words["toggle"], message=languages)
    await hugo.expect_edit()
    await hugo.tap(words["back"], message=languages)  # back to the summary, the tick kept in the draft
    again = await hugo.expect_message()
    await hugo.tap(words["cancel"], message=again)
    assert words["cancelled"] in (await hugo.expect_message()).text
    assert (await _stored(harness, telegram_id)).languages == []  # nothing stored
