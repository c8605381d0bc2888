"""Documents, photos, commands, menu button, chat info, chat actions and spec-only methods."""

from __future__ import annotations

import io

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    ChatMemberUpdated,
    MenuButtonCommands,
    Message,
)

from emulator import Emulator


async def test_send_document_multipart_bytes_are_kept(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Alice")
    payload = "nom;prénom\nDupont;Zoé\n".encode()
    sent = await bot.send_document(
        user.id, BufferedInputFile(payload, filename="export.csv"), caption="<i>Export</i>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "export.csv" and sent.document.file_size == len(payload)
    assert sent.caption == "Export"
    recorded = await user.expect_message()
    assert recorded.document is not None
    assert recorded.document.name == "export.csv" and recorded.document.data == payload
    assert recorded.caption == "Export" and recorded.text == "<i>Export</i>"
    # Re-sending by file_id works, and getFile + download returns the same bytes.
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document is not None and again.document.file_unique_id == sent.document.file_unique_id
    file = await bot.get_file(sent.document.file_id)
    buffer = io.BytesIO()
    assert file.file_path is not None
    await bot.download_file(file.file_path, buffer)
    assert buffer.getvalue() == payload


async def test_send_photo_has_sizes(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_photo(user.id, BufferedInputFile(b"\x89PNG fake", filename="p.png"), caption="vue")
    assert sent.photo and len(sent.photo) >= 2 and sent.caption == "vue"
    assert (await user.expect_message()).kind == "photo"


async def test_empty_upload_is_refused(emu: Emulator, bot: Bot) -> None:
    emu.user(1001)
    with pytest.raises(TelegramBadRequest, match="file must be non-empty"):
        await bot.send_document(1001, BufferedInputFile(b"", filename="empty.txt"))


async def test_user_document_reaches_the_bot(emu: Emulator) -> None:
    bot = emu.bot()
    dispatcher = Dispatcher()
    received: list[bytes] = []

    @dispatcher.message(F.document)
    async def on_document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document.file_id)
        assert data is not None
        received.append(data.read())
        await message.answer(f"reçu {message.document.file_name}")

    user = emu.user(1001)
    async with emu.polling(dispatcher, bot):
        await user.send_document("cv.pdf", b"%PDF-1.4 ...")
        assert (await user.expect_message()).visible_text == "reçu cv.pdf"
    assert received == [b"%PDF-1.4 ..."]


async def test_commands_per_scope_and_language(emu: Emulator, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Commencer")]
    english = [BotCommand(command="start", description="Start")]
    await bot.set_my_commands(commands)
    await bot.set_my_commands(english, language_code="en")
    await bot.set_my_commands(english, scope=BotCommandScopeAllPrivateChats())
    assert [c.description for c in await bot.get_my_commands()] == ["Commencer"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert await bot.get_my_commands(language_code="de") == []
    assert emu.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    assert emu.commands({"type": "all_private_chats"}) == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


async def test_menu_button_chat_and_actions(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Alice", username="alice")
    assert await bot.set_chat_menu_button(chat_id=user.id, menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat_id=user.id)).type == "commands"
    chat = await bot.get_chat(user.id)
    assert chat.id == user.id and chat.type == "private" and chat.username == "alice"
    assert await bot.send_chat_action(user.id, "typing")
    assert user.chat.chat_actions == ["typing"]
    with pytest.raises(TelegramBadRequest):
        await bot.send_chat_action(user.id, "dancing")


async def test_spec_only_methods_are_accepted(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    location = await bot.send_location(user.id, latitude=48.85, longitude=2.35)
    assert location.message_id == 1 and location.chat.id == user.id
    assert await bot.set_my_description("Bénévoles de Paris")
    assert "setMyDescription" in [name for name, _ in emu.state.unknown_calls]
    with pytest.raises(TelegramBadRequest, match="latitude is empty"):
        await bot(_raw_call("sendLocation", chat_id=user.id, longitude=2.0))


def _raw_call(method: str, **params: object) -> object:
    """A method call with arbitrary parameters (to skip aiogram's own validation)."""
    from aiogram.methods import TelegramMethod

    class RawCall(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = method
        model_config = {"extra": "allow"}

    return RawCall(**params)


async def test_block_sends_my_chat_member(emu: Emulator) -> None:
    bot = emu.bot()
    dispatcher = Dispatcher()
    statuses: list[str] = []

    @dispatcher.my_chat_member()
    async def on_member(update: ChatMemberUpdated) -> None:
        statuses.append(update.new_chat_member.status)

    user = emu.user(1001)
    async with emu.polling(dispatcher, bot):
        await user.block()
        await user.unblock()
        await emu.wait_idle()
    assert statuses == ["kicked", "member"]
