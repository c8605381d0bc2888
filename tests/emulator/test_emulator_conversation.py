"""User stories against a real aiogram Dispatcher polling the emulator."""

from __future__ import annotations

import pytest
from aiogram import Bot

from emulator import Emulator


async def test_signup_button_conversation(emu: Emulator, running_bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice", language_code="fr")
    await alice.send("/start")
    welcome = await alice.expect_message()
    assert welcome.visible_text == "Bienvenue ! Choisissez votre langue :"
    assert welcome.text == "<b>Bienvenue</b> ! Choisissez votre langue :"
    assert welcome.entities == [{"type": "bold", "offset": 0, "length": 9}]
    assert welcome.buttons == [["Français", "English"]]
    assert welcome.callback_data == ["lang:fr", "lang:en"]

    await alice.tap("Français")
    answer = await alice.expect_callback_answer()
    assert answer.text == "Langue : fr"
    assert not answer.show_alert
    edited = await alice.expect_edit()
    assert edited.message_id == welcome.message_id
    assert edited.visible_text == "Langue choisie : fr"
    assert edited.buttons == []
    assert welcome.edited and alice.last_message is welcome
    await alice.expect_no_message()


async def test_echo_and_order(emu: Emulator, running_bot: Bot) -> None:
    bob = emu.user(1002, first_name="Bob")
    for text in ("un", "deux", "trois"):
        await bob.send(text)
    replies = await bob.expect_messages(3)
    assert [m.visible_text for m in replies] == ["un", "deux", "trois"]
    assert [m.message_id for m in bob.history] == [1, 2, 3, 4, 5, 6]
    await bob.send_sticker()
    assert (await bob.expect_message()).visible_text == "Je ne comprends que le texte."


async def test_tap_missing_button_lists_labels(emu: Emulator, running_bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send("/start")
    await alice.expect_message()
    with pytest.raises(AssertionError, match=r"visible buttons: \[\['Français', 'English'\]\]"):
        await alice.tap("Deutsch")


async def test_forged_callback_data(emu: Emulator, running_bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send("/start")
    await alice.expect_message()
    await alice.tap_data("forged:1:2")
    answer = await alice.expect_callback_answer()
    assert answer.text == "Bouton inconnu" and answer.show_alert


async def test_expect_message_timeout_shows_transcript(emu: Emulator) -> None:
    carol = emu.user(1003, first_name="Carol")
    await carol.send("hello")
    with pytest.raises(AssertionError, match="Transcript of chat 1003") as info:
        await carol.expect_message(timeout=0.05)
    assert "user: 'hello'" in str(info.value)


async def test_wait_idle_reports_a_bot_that_is_not_polling(emu: Emulator) -> None:
    user = emu.user(1004)
    await user.send("anyone?")
    with pytest.raises(AssertionError, match="updates are still pending"):
        await emu.wait_idle(timeout=0.1)
