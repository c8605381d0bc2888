"""Reply keyboards, replies to messages, multipart keyboards, and users coming back after a block."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
)

from emulator import Emulator


async def test_reply_keyboard_and_contact_request(emu: Emulator) -> None:
    bot = emu.bot()
    dispatcher = Dispatcher()

    @dispatcher.message(F.text == "/phone")
    async def ask_phone(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="Partager mon numéro", request_contact=True)],
                [KeyboardButton(text="Plus tard")],
            ]
        )
        await message.answer("Votre numéro ?", reply_markup=keyboard)

    @dispatcher.message(F.contact)
    async def got_contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"Merci {message.contact.phone_number}")

    @dispatcher.message(F.text == "Plus tard")
    async def later(message: Message) -> None:
        await message.answer("D'accord")

    user = emu.user(1001, first_name="Alice")
    async with emu.polling(dispatcher, bot):
        await user.send("/phone")
        question = await user.expect_message()
        assert question.buttons == [["Partager mon numéro"], ["Plus tard"]]
        await user.tap("Partager mon numéro")
        assert (await user.expect_message()).visible_text == f"Merci {user.phone_number}"
        await user.tap("Plus tard", message=question)
        assert (await user.expect_message()).visible_text == "D'accord"


async def test_reply_to_message(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    asked = await user.send("question ?")
    answer = await bot.send_message(
        user.id, "réponse", reply_parameters=ReplyParameters(message_id=asked["message_id"])
    )
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "question ?"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(user.id, "x", reply_parameters=ReplyParameters(message_id=999))
    await bot.send_message(
        user.id, "x", reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True)
    )


async def test_keyboard_on_a_multipart_document(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Signer", callback_data="sign:7")]])
    await bot.send_document(user.id, BufferedInputFile(b"%PDF", filename="convention.pdf"), reply_markup=markup)
    sent = await user.expect_message()
    assert sent.document is not None and sent.buttons == [["Signer"]] and sent.callback_data == ["sign:7"]
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        too_long = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="é" * 40)]])
        await bot.send_document(user.id, BufferedInputFile(b"%PDF", filename="c.pdf"), reply_markup=too_long)


async def test_writing_again_unblocks(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    await user.block()
    await user.send("/start")
    assert not user.blocked
    kinds = [next(k for k in u if k != "update_id") for u in emu.state.updates]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    await bot.send_message(user.id, "bon retour")


async def test_tapping_a_deleted_message_fails(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]])
    sent = await bot.send_message(user.id, "menu", reply_markup=markup)
    recorded = await user.expect_message()
    await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(AssertionError, match="was deleted"):
        await user.tap("A", message=recorded)
