"""The main menu: one entry per feature that works for this user, nothing that does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.commands import commands_for
from locales import N_
from models.user import User

router = Router(name="menu")


class MenuCb(CallbackData, prefix="m"):
    """A main-menu entry; each feature's router handles `MenuCb.filter(F.item == "<its key>")`."""

    item: str


@dataclass(frozen=True)
class MenuEntry:
    item: str
    label: str  # French msgid
    visible: Callable[[User, bool], bool]


def _signed_up(user: User, _coordinator: bool) -> bool:
    return user.is_signed_up


def _coordinator(_user: User, coordinator: bool) -> bool:
    return coordinator


# Each feature adds its line here (in menu order); `visible` hides what does not apply to this user.
MENU_ENTRIES: list[MenuEntry] = [
    MenuEntry("training", N_("📚 Formations"), _signed_up),
    MenuEntry("night", N_("🌙 Nuit de la Solidarité"), _signed_up),
    MenuEntry("kit", N_("📘 Kit canicule"), lambda _u, _c: True),
    MenuEntry("newsletter", N_("📰 Lettre du Climat"), lambda _u, _c: True),
    MenuEntry("tenders", N_("📑 Marchés publics"), lambda _u, _c: True),
    MenuEntry("profile", N_("👤 Mon profil"), _signed_up),
    MenuEntry("language", N_("🌐 Langue"), lambda _u, _c: True),
    MenuEntry("privacy", N_("🔒 Mes données"), lambda _u, _c: True),
    MenuEntry("coord", N_("🛠 Menu coordinateur"), _coordinator),
]


def back_to_menu_button(builder: InlineKeyboardBuilder) -> InlineKeyboardBuilder:
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    return builder


def main_menu_keyboard(user: User, is_coordinator: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in MENU_ENTRIES:
        if entry.visible(user, is_coordinator):
            builder.button(text=_(entry.label), callback_data=MenuCb(item=entry.item))
    builder.adjust(1)
    return builder.as_markup()


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
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await show_main_menu(query.message, user, is_coordinator)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, user: User, is_coordinator: bool) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    await message.answer(_("C'est annulé.") if had_state else _("Il n'y avait rien à annuler."))
    await show_main_menu(message, user, is_coordinator)


@router.message(Command("help"))
async def help_command(message: Message, user: User) -> None:
    lines = [_("Je suis le bot des volontaires de la Ville de Paris. Ce que je sais faire :")]
    lines += [f"/{command.command} : {command.description}" for command in commands_for(user.locale)]
    await message.answer("\n".join(lines))
