"""/language: switch between French and English at any time."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.foundation.commands import publish_commands_for_chat
from handlers.foundation.menu import MenuCb, show_main_menu
from locales import LOCALES
from models.user import User
from services import users
from services.callbacks.foundation import LanguageCb
from services.errors import StaleButton

router = Router(name="language")

LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}



def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in LOCALES:
        builder.button(text=LABELS[code], callback_data=LanguageCb(code=code))
    return builder.as_markup()


@router.message(Command("language"))
async def language_command(message: Message) -> None:
    await message.answer("Choisissez votre langue / Choose your language:", reply_markup=language_keyboard())


@router.callback_query(MenuCb.filter(F.item == "language"))
async def language_menu(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer("Choisissez votre langue / Choose your language:",
                                   reply_markup=language_keyboard())


@router.callback_query(LanguageCb.filter())
async def set_language(query: CallbackQuery, callback_data: LanguageCb, session: AsyncSession, user: User,
                       is_coordinator: bool, i18n: I18n, bot: Bot) -> None:
    if callback_data.code not in LOCALES:
        raise StaleButton
    await users.set_locale(session, user, callback_data.code)
    with i18n.use_locale(user.locale):
        await query.answer(_("Langue : français."))
        await publish_commands_for_chat(bot, query.from_user.id, user.locale, is_coordinator)
        if isinstance(query.message, Message):
            await show_main_menu(query.message, user, is_coordinator)
