"""The main menu: one entry per feature that works for this user, nothing that does not."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.feature import Audience, MenuEntry
from bot.features import FEATURES
from handlers.foundation.commands import commands_for
from handlers.ui import inline_keyboard, tapped_message
from models.user import User
from services.callbacks.foundation import MenuCb

router = Router(name="menu")



def visible_to(audience: Audience, user: User, is_coordinator: bool) -> bool:
    """Does this person see a menu entry or a command meant for `audience`?"""
    if audience is Audience.COORDINATORS:
        return is_coordinator
    if audience is Audience.VOLUNTEERS:
        return user.is_signed_up
    return True


def menu_entries(coordinator_menu: bool = False) -> list[MenuEntry]:
    """Every feature's entries of the main (or coordinator) menu, in menu order."""
    entries = [entry for feature in FEATURES
               for entry in (feature.coordinator_menu if coordinator_menu else feature.menu)]
    return sorted(entries, key=lambda entry: entry.order)


def main_menu_keyboard(user: User, is_coordinator: bool) -> InlineKeyboardMarkup:
    return inline_keyboard([(_(entry.label), MenuCb(item=entry.key))] for entry in menu_entries()
                           if visible_to(entry.audience, user, is_coordinator))


def main_menu_text(user: User) -> str:
    if user.is_signed_up:
        return _("Que voulez-vous faire ?")
    return _("Vous n'êtes pas encore inscrit comme volontaire : tapez /start pour vous inscrire.")


async def show_main_menu(message: Message, user: User, is_coordinator: bool) -> None:
    await message.answer(main_menu_text(user), reply_markup=main_menu_keyboard(user, is_coordinator))


@router.message(Command("menu"))
async def menu_command(message: Message, user: User, is_coordinator: bool, state: FSMContext) -> None:
    await state.clear()
    await show_main_menu(message, user, is_coordinator)


@router.callback_query(MenuCb.filter(F.item == "home"))
async def menu_home(query: CallbackQuery, user: User, is_coordinator: bool, state: FSMContext) -> None:
    message = tapped_message(query)
    await state.clear()
    await query.answer()
    await show_main_menu(message, user, is_coordinator)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, user: User, is_coordinator: bool) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    await message.answer(_("C'est annulé.") if had_state else _("Il n'y avait rien à annuler."))
    await show_main_menu(message, user, is_coordinator)


@router.message(Command("help"))
async def help_command(message: Message, user: User, is_coordinator: bool) -> None:
    lines = [_("Je suis le bot des volontaires de la Ville de Paris. Ce que je sais faire :")]
    lines += [f"/{command.command} : {command.description}"
              for command in commands_for(user.locale, is_coordinator)]
    await message.answer("\n".join(lines))
