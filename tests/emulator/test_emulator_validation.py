"""Each Bot API error as aiogram raises it when talking to the emulator."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from emulator import Emulator

ALICE = 1001


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def button(text: str, data: str = "x") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


@pytest.fixture
def alice(emu: Emulator) -> int:
    emu.user(ALICE, first_name="Alice")
    return ALICE


async def test_send_message_returns_full_message(emu: Emulator, bot: Bot, alice: int) -> None:
    first = await bot.send_message(alice, "Bonjour")
    second = await bot.send_message(alice, "Encore")
    assert first.text == "Bonjour" and first.chat.id == alice and first.chat.type == "private"
    assert first.chat.first_name == "Alice"
    assert first.from_user is not None and first.from_user.is_bot and first.from_user.id == 123
    assert second.message_id == first.message_id + 1
    assert first.date is not None
    me = await bot.get_me()
    assert me.id == 123 and me.username == "test_bot"


async def test_text_length_is_counted_after_entity_parsing(bot: Bot, alice: int) -> None:
    await bot.send_message(alice, "<b>" + "é" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(alice, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice, "   ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice, "<b></b>", parse_mode="HTML")


async def test_caption_limit(bot: Bot, alice: int) -> None:
    from aiogram.types import BufferedInputFile

    doc = BufferedInputFile(b"data", filename="a.txt")
    await bot.send_document(alice, doc, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_document(alice, doc, caption="c" * 1025)


async def test_missing_required_parameters(emu: Emulator, bot: Bot, alice: int) -> None:
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"chat_id": alice}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        async with http.post(url, data={"text": "hi"}) as response:
            assert (await response.json())["description"] == "Bad Request: chat_id is empty"


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(999, "hello")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, alice: int) -> None:
    await bot.send_message(alice, "ok", reply_markup=keyboard([[button("a", "x" * 64)]]))
    # é is two bytes in UTF-8: 33 of them are 66 bytes although only 33 characters.
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(alice, "no", reply_markup=keyboard([[button("a", "é" * 33)]]))


async def test_keyboard_size_limits(bot: Bot, alice: int) -> None:
    await bot.send_message(alice, "8", reply_markup=keyboard([[button(str(i)) for i in range(8)]]))
    with pytest.raises(TelegramBadRequest, match="too many buttons"):
        await bot.send_message(alice, "9", reply_markup=keyboard([[button(str(i)) for i in range(9)]]))
    rows = [[button(f"{r}-{c}") for c in range(8)] for r in range(13)]  # 104 buttons
    with pytest.raises(TelegramBadRequest, match="REPLY_MARKUP_TOO_LONG"):
        await bot.send_message(alice, "104", reply_markup=keyboard(rows))


async def test_button_needs_exactly_one_action(emu: Emulator, alice: int) -> None:
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    no_action = {"inline_keyboard": [[{"text": "nothing"}]]}
    two_actions = {"inline_keyboard": [[{"text": "both", "callback_data": "x", "url": "https://a.org"}]]}
    async with aiohttp.ClientSession() as http:
        for markup, expected in ((no_action, "Text buttons are unallowed"), (two_actions, "exactly one")):
            async with http.post(url, json={"chat_id": alice, "text": "t", "reply_markup": markup}) as response:
                body = await response.json()
                assert response.status == 400 and expected in body["description"]


async def test_answer_callback_query_rules(emu: Emulator, bot: Bot, alice: int) -> None:
    user = emu.user(alice)
    await bot.send_message(alice, "choose", reply_markup=keyboard([[button("A", "a")]]))
    query_id = await user.tap("A")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    await bot.answer_callback_query(query_id, text="x" * 200)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id, text="again")
    assert (await user.expect_callback_answer()).text == "x" * 200


async def test_edit_rules(emu: Emulator, bot: Bot, alice: int) -> None:
    sent = await bot.send_message(alice, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard([[button("A")]]))
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message content"):
        await bot.edit_message_text(
            "<strong>v1</strong>", chat_id=alice, message_id=sent.message_id, parse_mode="HTML",
            reply_markup=keyboard([[button("A")]]),
        )  # fmt: skip
    edited = await bot.edit_message_text("v2", chat_id=alice, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "v2" and edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("v3", chat_id=alice, message_id=999)
    markup = keyboard([[button("B", "b")]])
    await bot.edit_message_reply_markup(chat_id=alice, message_id=sent.message_id, reply_markup=markup)
    user = emu.user(alice)
    assert (await user.expect_edit()).visible_text == "v2"
    assert (await user.expect_edit()).buttons == [["B"]]
    assert user.transcript[0].history[0].visible_text == "v1"


async def test_delete_rules(emu: Emulator, bot: Bot, alice: int) -> None:
    sent = await bot.send_message(alice, "bye")
    assert await bot.delete_message(alice, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(alice, sent.message_id)
    user = emu.user(alice)
    assert (await user.expect_deleted()).message_id == sent.message_id
    assert user.last_message is None


async def test_html_errors(bot: Bot, alice: int) -> None:
    cases = {
        "<b>bold": 'Can\'t find end tag corresponding to start tag "b"',
        "<blink>x</blink>": 'Unsupported start tag "blink" at byte offset 0',
        "<b><i>x</b></i>": 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        "a < b": 'Unsupported start tag "" at byte offset 2',
    }
    for markup, detail in cases.items():
        with pytest.raises(TelegramBadRequest) as info:
            await bot.send_message(alice, markup, parse_mode="HTML")
        assert info.value.message == f"Bad Request: can't parse entities: {detail}"


async def test_only_html_is_emulated(bot: Bot, alice: int) -> None:
    with pytest.raises(TelegramBadRequest, match="HTML only"):
        await bot.send_message(alice, "*Fin*\\.", parse_mode="MarkdownV2")


async def test_blocked_and_deactivated_users(emu: Emulator, bot: Bot, alice: int) -> None:
    user = emu.user(alice)
    await user.block()
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(alice, "hello")
    await user.unblock()
    await bot.send_message(alice, "hello again")
    emu.user(1002)
    emu.deactivate(1002)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: user is deactivated"):
        await bot.send_message(1002, "hello")
    assert emu.stats.forbidden == 2


async def test_rate_limit_answers_429_with_retry_after(emu: Emulator, bot: Bot, alice: int) -> None:
    emu.set_rate_limit(5, retry_after=3)
    for i in range(5):
        await bot.send_message(alice, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(alice, "one too many")
    assert info.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in info.value.message
    assert emu.stats.too_many_requests == 1 and emu.stats.delivered == 5


async def test_injected_server_errors(emu: Emulator, bot: Bot, alice: int) -> None:
    emu.fail_next(2, status=502)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(alice, "x")
    await bot.send_message(alice, "ok")
    assert emu.stats.server_errors == 2 and emu.stats.delivered == 1


async def test_wrong_token_and_unknown_method(emu: Emulator) -> None:
    wrong = Bot("123:WRONG", session=emu.bot().session)
    with pytest.raises(TelegramUnauthorizedError):
        await wrong.get_me()
    await wrong.session.close()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot{emu.token}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{emu.base_url}/bot{emu.token}/GETME") as response:
            assert (await response.json())["result"]["id"] == 123  # method names are case-insensitive


async def test_not_found_is_raised_by_aiogram(emu: Emulator, bot: Bot) -> None:
    from aiogram.methods import TelegramMethod

    class NoSuchMethod(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "noSuchMethod"

    with pytest.raises(TelegramNotFound):
        await bot(NoSuchMethod())
