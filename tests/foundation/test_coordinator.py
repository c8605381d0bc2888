"""Coordinators: recognised from COORDINATOR_IDS, checked on every handler, able to grant and revoke."""

from __future__ import annotations

from sqlalchemy import select

from models.user import User
from tests.factories import volunteer
from tests.harness import COORDINATOR_ID, BotHarness


async def test_non_coordinator_is_refused_even_with_forged_callbacks(harness: BotHarness) -> None:
    eve = harness.user(301, "Eve", "fr")
    await eve.send("/coord")
    assert "réservée aux coordinateurs" in (await eve.expect_message()).text
    await eve.send("/grant 301")
    assert "réservée aux coordinateurs" in (await eve.expect_message()).text
    await eve.send("/start")
    await eve.expect_message()
    await eve.tap_data("co:roles")  # forged coordinator-menu callback
    assert "réservée aux coordinateurs" in (await eve.expect_callback_answer()).text
    await eve.tap_data(f"cr:{COORDINATOR_ID}")  # forged "revoke" callback
    assert "réservée aux coordinateurs" in (await eve.expect_callback_answer()).text
    async with harness.session() as session:
        eve_row = (await session.execute(select(User).where(User.telegram_id == 301))).scalar_one()
        assert not eve_row.is_coordinator


async def test_root_coordinator_grants_and_revokes(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 302, name="Nadia Benali")
        await session.commit()
    coordinator = harness.coordinator("en")
    await coordinator.send("/coord")
    menu = await coordinator.expect_message()
    assert "Coordinator menu" in menu.visible_text and "👥 Coordinators" in menu.button_labels

    await coordinator.send("/grant abc")
    assert "Usage: /grant ID" in (await coordinator.expect_message()).text
    await coordinator.send("/grant 999999")
    assert "No user with id 999999" in (await coordinator.expect_message()).text
    await coordinator.send("/grant 302")
    assert "302 is now a coordinator" in (await coordinator.expect_message()).text

    nadia = harness.user(302, "Nadia", "fr")
    assert "Vous êtes maintenant coordinateur" in (await nadia.expect_message()).text  # she is told (issue 17)
    await nadia.send("/coord")
    assert "Menu coordinateur" in (await nadia.expect_message()).visible_text
    await nadia.send(f"/revoke {COORDINATOR_ID}")  # the operator's coordinators cannot be removed here
    assert "COORDINATOR_IDS" in (await nadia.expect_message()).text

    await coordinator.tap("👥 Coordinators")
    await coordinator.expect_callback_answer()
    roles = await coordinator.expect_message()
    assert "Nadia Benali" in roles.visible_text
    await coordinator.tap("Remove Nadia Benali")
    await coordinator.expect_callback_answer()
    assert "Remove the coordinator role from Nadia Benali?" in (await coordinator.expect_message()).text  # issue 17
    await coordinator.tap("✅ Yes, remove the role")
    assert "302 is no longer a coordinator" in (await coordinator.expect_callback_answer()).text
    assert "Vous n'êtes plus coordinateur" in (await nadia.expect_message()).text
    await nadia.send("/coord")
    assert "réservée aux coordinateurs" in (await nadia.expect_message()).text
