"""The coordinator menu and role management; every handler here is behind the coordinator check."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.menu import MenuCb, menu_entries
from models.user import User
from services import users
from services.callbacks.foundation import CoordCb, RoleCb
from services.errors import DomainError

router = Router(name="coordinator")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())




def coordinator_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in menu_entries(coordinator_menu=True):
        builder.button(text=_(entry.label), callback_data=CoordCb(item=entry.key))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    return builder.as_markup()


async def show_coordinator_menu(message: Message) -> None:
    await message.answer(_("<b>Menu coordinateur</b>"), reply_markup=coordinator_keyboard())


@router.message(Command("coord"))
async def coord_command(message: Message) -> None:
    await show_coordinator_menu(message)


@router.callback_query(MenuCb.filter(F.item == "coord"))
async def coord_from_menu(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_coordinator_menu(query.message)


@router.callback_query(CoordCb.filter(F.item == "roles"))
async def list_roles(query: CallbackQuery, session: AsyncSession, root_coordinator_ids: frozenset[int]) -> None:
    await query.answer()
    coordinators = await users.list_coordinators(session, root_coordinator_ids)
    builder = InlineKeyboardBuilder()
    lines = [_("<b>Coordinateurs</b>")]
    for person in coordinators:
        name = escape(person.full_name or "—")
        lines.append(f"• {name} (<code>{person.telegram_id}</code>)")
        if person.telegram_id not in root_coordinator_ids and person.telegram_id is not None:
            builder.button(text=_("Retirer {name}").format(name=person.full_name or person.telegram_id),
                           callback_data=RoleCb(telegram_id=person.telegram_id))
    lines.append(_("Pour nommer quelqu'un : /grant suivi de son identifiant Telegram (il doit avoir écrit au bot)."))
    builder.adjust(1)
    if isinstance(query.message, Message):
        await query.message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def _change_role(message: Message, command: CommandObject, session: AsyncSession,
                       root_ids: frozenset[int], granted: bool, locale: str) -> None:
    argument = (command.args or "").strip()
    if not argument.lstrip("-").isdigit():
        await message.answer(_("Utilisation : /{command} IDENTIFIANT (un nombre).").format(command=command.command))
        return
    try:
        target = await users.set_coordinator(session, int(argument), granted, root_ids)
    except DomainError as error:
        await message.answer(error.render(locale))
        return
    text = _("{id} est maintenant coordinateur.") if granted else _("{id} n'est plus coordinateur.")
    await message.answer(text.format(id=target.telegram_id))


@router.message(Command("grant"))
async def grant(message: Message, command: CommandObject, session: AsyncSession,
                root_coordinator_ids: frozenset[int], user: User) -> None:
    await _change_role(message, command, session, root_coordinator_ids, True, user.locale)


@router.message(Command("revoke"))
async def revoke(message: Message, command: CommandObject, session: AsyncSession,
                 root_coordinator_ids: frozenset[int], user: User) -> None:
    await _change_role(message, command, session, root_coordinator_ids, False, user.locale)


@router.callback_query(RoleCb.filter())
async def revoke_button(query: CallbackQuery, callback_data: RoleCb, session: AsyncSession,
                        root_coordinator_ids: frozenset[int], user: User) -> None:
    try:
        target = await users.set_coordinator(session, callback_data.telegram_id, False, root_coordinator_ids)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(_("{id} n'est plus coordinateur.").format(id=target.telegram_id), show_alert=True)
