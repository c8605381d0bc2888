"""Fixtures: an emulator per test and a small aiogram bot (echo, buttons) polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from emulator import Emulator


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(token="123:ABC") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    bot = emu.bot()
    yield bot
    await bot.session.close()


def signup_router() -> Router:
    """A tiny signup conversation: /start asks the language, a tap confirms by editing."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Français", callback_data="lang:fr"),
                    InlineKeyboardButton(text="English", callback_data="lang:en"),
                ]
            ]
        )
        await message.answer("<b>Bienvenue</b> ! Choisissez votre langue :", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("lang:"))
    async def choose_language(query: CallbackQuery) -> None:
        language = (query.data or "").split(":", 1)[1]
        await query.answer(f"Langue : {language}")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Langue choisie : {language}")

    @router.callback_query()
    async def unknown_button(query: CallbackQuery) -> None:
        await query.answer("Bouton inconnu", show_alert=True)

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.message()
    async def other(message: Message) -> None:
        await message.answer("Je ne comprends que le texte.")

    return router


@pytest.fixture
async def running_bot(emu: Emulator) -> AsyncIterator[Bot]:
    """The signup bot polling the emulator for the duration of the test."""
    from aiogram.client.default import DefaultBotProperties

    bot = emu.bot(default=DefaultBotProperties(parse_mode="HTML"))
    dispatcher = Dispatcher()
    dispatcher.include_router(signup_router())
    async with emu.polling(dispatcher, bot):
        yield bot
