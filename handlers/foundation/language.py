"""/language: switch between French and English at any time."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.foundation.commands import publish_commands_for_chat
from handlers.foundation.menu import show_main_menu
from handlers.ui import inline_keyboard, show, tapped_message
from locales import LOCALES
from models.user import User
from services import users
from services.callbacks.foundation import LanguageCb, MenuCb

router = Router(name="language")

LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}



def language_keyboard() -> InlineKeyboardMarkup:
    return inline_keyboard([[(LABELS[code], LanguageCb(code=code)) for code in LOCALES]])


@router.message(Command("language"))
async def language_command(message: Message) -> None:
    await message.answer("Choisissez votre langue / Choose your language:", reply_markup=language_keyboard())


@router.callback_query(MenuCb.filter(F.item == "language"))
async def language_menu(query: CallbackQuery) -> None:
    await show(query, "Choisissez votre langue / Choose your language:", language_keyboard(), edit=False)
    await query.answer()


@router.callback_query(LanguageCb.filter())
async def set_language(query: CallbackQuery, callback_data: LanguageCb, session: AsyncSession, user: User,
                       is_coordinator: bool, i18n: I18n, bot: Bot) -> None:
    message = tapped_message(query)  # a code other than fr/en never unpacks (LanguageCb's Literal)
    await users.set_locale(session, user, callback_data.code)
    with i18n.use_locale(user.locale):
        await query.answer(_("Langue : français."))
        await publish_commands_for_chat(bot, query.from_user.id, user.locale, is_coordinator)
        await show_main_menu(message, user, is_coordinator)
