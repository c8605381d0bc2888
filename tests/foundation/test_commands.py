"""Commands per audience: volunteers never see coordinators' commands; coordinators get a list of their own."""

from __future__ import annotations

import pytest

from handlers.commands import publish_commands
from tests.harness import COORDINATOR_ID, BotHarness

COORDINATOR_ONLY = {"broadcast", "alert", "grant", "revoke", "coord", "night_new", "night_sector"}


async def test_the_default_list_has_no_coordinator_command_and_coordinators_have_theirs(harness: BotHarness) -> None:
    await publish_commands(harness.app)
    for listed in (harness.emu.commands(), harness.emu.commands(language_code="fr"),
                   harness.emu.commands(language_code="en")):
        names = {command["command"] for command in listed}
        assert "night" in names and "help" in names
        assert names & COORDINATOR_ONLY == set()
    own = harness.emu.commands(scope={"type": "chat", "chat_id": COORDINATOR_ID})
    assert {command["command"] for command in own} >= COORDINATOR_ONLY
    assert {"command": "night", "description": "Nuit de la Solidarité : le bureau des coordinateurs"} in own


@pytest.mark.parametrize(("language", "desk"), [("fr", "/alert : Lancer une alerte canicule"),
                                                ("en", "/alert : Launch a heat-wave alert")])
async def test_help_lists_what_this_person_may_use(harness: BotHarness, language: str, desk: str) -> None:
    volunteer = harness.user(140 if language == "fr" else 141, "Lina", language)
    await volunteer.send("/help")
    text = (await volunteer.expect_message()).text
    assert "/night" in text and "/alert" not in text and "/broadcast" not in text
    coordinator = harness.coordinator(language)
    await coordinator.send("/help")
    assert desk in (await coordinator.expect_message()).text


@pytest.mark.parametrize(("language", "refusal"), [("fr", "réservée aux coordinateurs"), ("en", "coordinators")])
async def test_a_volunteer_typing_a_coordinators_command_is_told_so(harness: BotHarness, language: str,
                                                                   refusal: str) -> None:
    volunteer = harness.user(142 if language == "fr" else 143, "Lina", language)
    for command in ("/broadcast", "/night_new 2027-02-01 2027-01-25 Essai", "/grant 5"):
        await volunteer.send(command)
        assert refusal in (await volunteer.expect_message()).text
