"""The kit library: a coordinator writes a kit in two languages (typed or a .md file), previews it, publishes it
and announces it to a network with the count and a confirmation; volunteers read it screen by screen and share
it. With the bad inputs: malformed kits, wrong and huge files, forged buttons, a volunteer at the desk."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import col, select

from bot.app import create_app
from bot.config import Settings
from emulator.client import TestUser
from models.kits import Kit
from models.outbox import Campaign
from services import kits
from tests.factories import volunteer
from tests.harness import BotHarness

WASTE_FR = """# Le Volontaire et les déchets
Réduire ses déchets, et en parler à ses voisins.

## ♻️ Trier
- Le bac **jaune** : emballages et papiers.
- Le bac *blanc* : le verre.

## 🧺 Composter
Les composteurs de quartier accueillent vos épluchures.

## 📚 Sources
- [Ville de Paris](https://www.paris.fr/pages/les-dechets-2960) : consignes de tri.
"""

WASTE_EN = """# The volunteer and waste
Less waste, and talking about it with the neighbours.

## ♻️ Sorting
- The **yellow** bin: packaging and paper.
- The *white* bin: glass.

## 🧺 Composting
Neighbourhood composters take your peelings.

## 📚 Sources
- [City of Paris](https://www.paris.fr/pages/les-dechets-2960): sorting rules.
"""

DESK = {
    "fr": {"kits": "📘 Kits", "new": "➕ Nouveau kit", "text_en": "✍️ Texte 🇬🇧", "saved": "enregistré",
           "preview_fr": "👁 Aperçu 🇫🇷", "publish": "✅ Publier", "missing": "Il manque une langue",
           "climate": "🌿 Volontaires du Climat", "announce": "📣 Annoncer à 2", "count": "2 personnes",
           "started": "C'est parti", "again": "déjà été annoncé", "no_sources": "Il manque les sources",
           "too_long": "trop long", "big": "trop gros", "not_md": "fichier texte Markdown",
           "not_a_text": "Envoyez le texte du kit", "stale": "plus valable", "coord_only": "réservée aux coordinateurs",
           "mismatch": "même nombre d'écrans", "no_title": "Il manque le titre"},
    "en": {"kits": "📘 Kits", "new": "➕ New kit", "text_en": "✍️ Text 🇬🇧", "saved": "saved",
           "preview_fr": "👁 Preview 🇫🇷", "publish": "✅ Publish", "missing": "A language is missing",
           "climate": "🌿 Climate Volunteers", "announce": "📣 Announce to 2", "count": "2 people",
           "started": "On its way", "again": "already announced", "no_sources": "The sources are missing",
           "too_long": "too long", "big": "too big", "not_md": "Markdown text file",
           "not_a_text": "Send the kit's text", "stale": "no longer valid", "coord_only": "for coordinators only",
           "mismatch": "same number of screens", "no_title": "The title is missing"},
}


async def _answer(person: TestUser) -> str:
    return (await person.expect_callback_answer()).text or ""


async def _open_desk(coordinator: TestUser, words: dict[str, str]) -> None:
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap(words["kits"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()


async def _new_kit(coordinator: TestUser, words: dict[str, str], french: str) -> None:
    await _open_desk(coordinator, words)
    await coordinator.tap(words["new"])
    await coordinator.expect_callback_answer()
    assert "## Sources" in (await coordinator.expect_message()).text
    await coordinator.send(french)


@pytest.mark.parametrize("desk_language", ["fr", "en"])
async def test_publish_announce_read_and_share_a_kit(harness: BotHarness, desk_language: str) -> None:
    words = DESK[desk_language]
    camille, sam, nour = harness.user(301, "Camille", "fr"), harness.user(302, "Sam", "en"), harness.user(303, "Nour")
    async with harness.session() as session:
        await volunteer(session, 301, name="Camille Martin", locale="fr")
        await volunteer(session, 302, name="Sam Smith", locale="en")
        await volunteer(session, 303, name="Nour Ali", locale="fr", climate=False, solidarity=True)
        await session.commit()
    coordinator = harness.coordinator(desk_language)
    await _new_kit(coordinator, words, WASTE_FR)
    assert words["saved"] in (await coordinator.expect_message()).text
    panel = await coordinator.expect_message()
    assert "Le Volontaire et les déchets" in panel.text and "3" in panel.text
    await coordinator.tap(words["publish"], message=panel)  # one language only: refused, nothing published
    assert words["missing"] in await _answer(coordinator)
    await coordinator.tap(words["text_en"], message=panel)
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send_document("waste.md", WASTE_EN.encode())
    assert words["saved"] in (await coordinator.expect_message()).text
    panel = await coordinator.expect_message()

    await coordinator.tap(words["preview_fr"], message=panel)  # the card and each screen, as readers see them
    await coordinator.expect_callback_answer()
    card, *screens = await coordinator.expect_messages(4)
    assert "Le Volontaire et les déchets" in card.visible_text and "voisins" in card.visible_text
    assert "♻️ Trier" in screens[0].visible_text and "bold" in {e["type"] for e in screens[0].entities}
    assert "https://www.paris.fr/pages/les-dechets-2960" in {e.get("url") for e in screens[2].entities}
    async with harness.session() as session:
        assert (await session.execute(select(Kit).where(col(Kit.title_fr) == "Le Volontaire et les déchets"))
                ).scalar_one().published_at is None

    await coordinator.tap(words["publish"], message=panel)
    await coordinator.expect_callback_answer()
    offer = await coordinator.expect_message()
    await coordinator.tap(words["climate"], message=offer)
    await coordinator.expect_callback_answer()
    confirm = await coordinator.expect_message()
    assert words["count"] in confirm.text and words["announce"] in confirm.button_labels
    confirm_data = confirm.inline_keyboard[0][0]["callback_data"]
    await coordinator.tap(words["announce"], message=confirm)
    await coordinator.expect_callback_answer()
    assert words["started"] in (await coordinator.expect_message()).text
    await harness.drain_outbox()

    french, english = await camille.expect_message(), await sam.expect_message()
    await nour.expect_no_message()  # the solidarity network was not announced to
    assert "Nouveau kit : Le Volontaire et les déchets" in french.visible_text
    assert "New kit: The volunteer and waste" in english.visible_text and english.button_labels == ["📘 Read the kit"]
    await sam.tap("📘 Read the kit", message=english)
    card = await sam.expect_message()
    assert "The volunteer and waste" in card.visible_text and "♻️ Sorting" in card.button_labels
    share = next(b for row in card.inline_keyboard for b in row if "url" in b)
    assert share["text"] == "📤 Share with someone"
    query = parse_qs(urlparse(share["url"]).query)
    assert share["url"].startswith("https://t.me/share/url?")
    assert query["url"][0].startswith("https://t.me/") and "The volunteer and waste" in query["text"][0]
    await sam.tap("🧺 Composting", message=card)
    composting = await sam.expect_edit()
    assert "peelings" in composting.visible_text and "2/3" in composting.button_labels

    await sam.send("/kit")  # the library lists it, with the heat-wave kit
    library = await sam.expect_message()
    assert {"📘 The volunteer and waste"} <= set(library.button_labels)
    assert any("The volunteer and the heat wave" in label for label in library.button_labels)

    await coordinator.tap(words["climate"], message=offer)  # announcing twice to one network: refused
    assert words["again"] in await _answer(coordinator)
    await coordinator.tap_data(confirm_data, message=confirm)  # and the old confirmation, replayed
    assert words["again"] in await _answer(coordinator)
    async with harness.session() as session:
        campaigns = (await session.execute(select(Campaign).where(col(Campaign.kind) == "kit"))).scalars().all()
    assert len(campaigns) == 1


@pytest.mark.parametrize("desk_language", ["fr", "en"])
async def test_malformed_kits_and_files_are_refused_and_nothing_is_saved(harness: BotHarness,
                                                                         desk_language: str) -> None:
    words = DESK[desk_language]
    coordinator = harness.coordinator(desk_language)
    await _new_kit(coordinator, words, WASTE_FR.split("## 📚 Sources")[0])  # no sources
    assert words["no_sources"] in (await coordinator.expect_message()).text
    await coordinator.send("## ♻️ Trier\nsans titre")
    assert words["no_title"] in (await coordinator.expect_message()).text
    await coordinator.send(WASTE_FR.replace("Les composteurs", "Les composteurs " + "très " * 400))
    assert words["too_long"] in (await coordinator.expect_message()).text
    await coordinator.send_document("kit.pdf", b"%PDF-1.4 binary")
    assert words["not_md"] in (await coordinator.expect_message()).text
    await coordinator.send_document("kit.md", b"# x\n" + b"a" * (300 * 1024))
    assert words["big"] in (await coordinator.expect_message()).text
    await coordinator.send_sticker()
    assert words["not_a_text"] in (await coordinator.expect_message()).text
    async with harness.session() as session:
        assert [kit.slug for kit in (await session.execute(select(Kit))).scalars()] == [kits.HEAT_WAVE]

    await coordinator.send(WASTE_FR)  # still waiting for the text: the good one is taken
    assert words["saved"] in (await coordinator.expect_message()).text
    panel = await coordinator.expect_message()
    await coordinator.tap(words["text_en"], message=panel)
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send(WASTE_EN.replace("## 🧺 Composting\n", ""))  # two screens against three
    await coordinator.expect_message()
    panel = await coordinator.expect_message()
    await coordinator.tap(words["publish"], message=panel)
    assert words["mismatch"] in await _answer(coordinator)
    for forged in ("kd:view:999999:", "kd:announce:1:mars", "kd:publish:-1:", "kd:explode:1:", "kd:preview:1:de"):
        await coordinator.tap_data(forged, message=panel)
        assert words["stale"] in await _answer(coordinator), forged


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_volunteer_cannot_use_the_desk_nor_read_a_draft(harness: BotHarness, language: str) -> None:
    words = DESK[language]
    async with harness.session() as session:
        await volunteer(session, 401, locale=language)
        session.add(Kit(title_fr="Brouillon", source_fr=WASTE_FR))
        await session.commit()
        draft = (await session.execute(select(Kit).where(col(Kit.title_fr) == "Brouillon"))).scalar_one()
    person = harness.user(401, "Lou", language)
    await person.send("/kit")
    library = await person.expect_message()
    assert not any("Brouillon" in label for label in library.button_labels)
    for forged in (f"kd:publish:{draft.id}:", "kd:new:0:", "kd:announce:1:climate", "kd:announce_ok:1:all"):
        await person.tap_data(forged, message=library)
        assert words["coord_only"] in await _answer(person), forged
    await person.tap_data(f"kr:open:{draft.id}:0:0", message=library)
    assert words["stale"] in await _answer(person)
    async with harness.session() as session:
        assert (await session.get(Kit, draft.id)).published_at is None  # type: ignore[union-attr]
        assert (await session.execute(select(Campaign))).first() is None


async def test_newest_first_and_the_heat_wave_kit_pinned_in_summer(any_db_url: str) -> None:
    app = create_app(Settings(_env_file=None, database_url=any_db_url), with_bot=False)
    try:
        async with app.sessions.begin() as session:
            for number, month in ((1, 3), (2, 5)):
                kit = await kits.save_text(session, 0, "fr", WASTE_FR.replace("déchets", f"déchets {number}"),
                                           now=datetime(2026, month, 1, tzinfo=UTC), created_by=None)
                await kits.save_text(session, kit.id or 0, "en", WASTE_EN, now=datetime(2026, month, 1, tzinfo=UTC),
                                     created_by=None)
                await kits.publish(session, kit.id or 0, now=datetime(2026, month, 1, tzinfo=UTC))
        async with app.sessions() as session:
            winter = [kit.title_fr for kit in await kits.library(session, datetime(2026, 11, 30, tzinfo=UTC))]
            summer = [kit.title_fr for kit in await kits.library(session, datetime(2026, 7, 14, tzinfo=UTC))]
    finally:
        await app.close()
    waste = ["Le Volontaire et les déchets 2", "Le Volontaire et les déchets 1"]
    assert winter == [*waste, "Le Volontaire et la canicule"]
    assert summer == ["Le Volontaire et la canicule", *waste]
