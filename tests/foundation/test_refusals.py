"""Issue 12's fixes in the foundation: strict /grant, forged role buttons, a confirmed "Retirer X", buttons on
messages Telegram no longer shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.user import User
from tests.factories import volunteer
from tests.harness import COORDINATOR_ID, BotHarness

STALE = {"fr": "Ce bouton n'est plus valable", "en": "This button is no longer valid"}
USAGE = {"fr": "Utilisation : /grant IDENTIFIANT", "en": "Usage: /grant ID"}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_grant_refuses_what_is_not_an_id(harness: BotHarness, language: str) -> None:
    coordinator = harness.coordinator(language)
    for argument in ("²", "12³", "١٢", str(2**63), str(2**64), "-5", ""):
        await coordinator.send(f"/grant {argument}".strip())
        assert USAGE[language] in (await coordinator.expect_message()).text, argument


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_forged_role_ids_above_int64_are_stale(harness: BotHarness, language: str) -> None:
    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    await coordinator.expect_message()
    for forged in (f"cr:{2**63}", f"cr:{2**64}", "cr:-1", "cr:x", f"pp:show:{2**64}", "pp:show:999999"):
        await coordinator.tap_data(forged)
        assert STALE[language] in ((await coordinator.expect_callback_answer()).text or ""), forged


@pytest.mark.parametrize(("language", "words"), [
    ("fr", {"roles": "👥 Coordinateurs", "remove": "Retirer Nadia Benali", "question": "Retirer le rôle",
            "cancel": "✖ Annuler"}),
    ("en", {"roles": "👥 Coordinators", "remove": "Remove Nadia Benali", "question": "Remove the coordinator role",
            "cancel": "✖ Cancel"}),
])
async def test_removing_a_coordinator_asks_first(harness: BotHarness, language: str, words: dict[str, str]) -> None:
    async with harness.session() as session:
        await volunteer(session, 311, name="Nadia Benali", coordinator=True)
        await session.commit()
    coordinator = harness.coordinator(language)
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap(words["roles"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.tap(words["remove"])
    await coordinator.expect_callback_answer()
    assert words["question"] in (await coordinator.expect_message()).text
    await coordinator.tap(words["cancel"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()  # back on her profile
    async with harness.session() as session:
        nadia = (await session.execute(select(User).where(User.telegram_id == 311))).scalar_one()
        assert nadia.is_coordinator  # nothing happened without the confirmation
    assert COORDINATOR_ID != 311


@pytest.mark.parametrize(("language", "labels"), [
    ("fr", {"privacy": "🔒 Mes données", "erase": "🗑 Effacer mes données", "menu": "☰ Menu",
            "training": "📚 Formations"}),
    ("en", {"privacy": "🔒 My data", "erase": "🗑 Erase my data", "menu": "☰ Menu", "training": "📚 Trainings"}),
])
async def test_buttons_on_messages_telegram_no_longer_shows_are_stale(harness: BotHarness, language: str,
                                                                       labels: dict[str, str]) -> None:
    async with harness.session() as session:
        await volunteer(session, 312, name="Léa Ancienne", locale=language)
        await session.commit()
    lea = harness.user(312, "Léa", language)
    await lea.send("/menu")
    menu = await lea.expect_message()
    await lea.tap(labels["training"], message=menu, inaccessible=True)
    assert STALE[language] in ((await lea.expect_callback_answer()).text or "")
    await lea.tap(labels["privacy"], message=menu)
    await lea.expect_callback_answer()
    notice = await lea.expect_message()
    for label in (labels["erase"], labels["menu"]):
        await lea.tap(label, message=notice, inaccessible=True)
        assert STALE[language] in ((await lea.expect_callback_answer()).text or "")
    await lea.expect_no_message()
    async with harness.session() as session:
        assert (await session.execute(select(User).where(User.telegram_id == 312))).scalar_one().erased_at is None
