"""The coordinator menu and the coordinators' list (/grant, /revoke, "Retirer X" with a confirmation)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.foundation.menu import menu_entries
from handlers.foundation.people import announce_role, confirm_role_rows
from handlers.ui import inline_keyboard, menu_button, show
from locales import N_
from models.base import utcnow
from models.user import User
from services import people, users
from services.callbacks.foundation import CoordCb, MenuCb, RoleCb
from services.errors import DomainError, StaleButton
from services.parsing import whole_number

router = guard(Router(name="coordinator"), CoordinatorOnly())

TELEGRAM_ID_MAX = 2**63 - 1


def coordinator_keyboard() -> InlineKeyboardMarkup:
    rows = [[(_(entry.label), CoordCb(item=entry.key))] for entry in menu_entries(coordinator_menu=True)]
    return inline_keyboard([*rows, [menu_button()]])


async def show_coordinator_menu(message: Message) -> None:
    await message.answer(_("<b>Menu coordinateur</b>"), reply_markup=coordinator_keyboard())


@router.message(Command("coord"))
async def coord_command(message: Message) -> None:
    await show_coordinator_menu(message)


@router.callback_query(MenuCb.filter(F.item == "coord"))
async def coord_from_menu(query: CallbackQuery) -> None:
    await show(query, _("<b>Menu coordinateur</b>"), coordinator_keyboard(), edit=False)
    await query.answer()


@router.callback_query(CoordCb.filter(F.item == "roles"))
async def list_roles(query: CallbackQuery, session: AsyncSession, root_coordinator_ids: frozenset[int]) -> None:
    coordinators = await users.list_coordinators(session, root_coordinator_ids)
    lines = [_("<b>Coordinateurs</b>")]
    rows = []
    for person in coordinators:
        lines.append(f"• {escape(person.full_name or '—')} (<code>{person.telegram_id}</code>)")
        if person.telegram_id not in root_coordinator_ids and person.telegram_id is not None:
            rows.append([(_("Retirer {name}").format(name=person.full_name or person.telegram_id),
                          RoleCb(telegram_id=person.telegram_id))])
    lines.append(_("Pour nommer quelqu'un : /grant suivi de son identifiant Telegram (il doit avoir écrit au bot)."))
    lines.append(_("Ou trouvez la personne avec /people et ouvrez son profil."))
    await show(query, "\n".join(lines), inline_keyboard(rows), edit=False)
    await query.answer()


@router.callback_query(RoleCb.filter())
async def revoke_button(query: CallbackQuery, callback_data: RoleCb, session: AsyncSession) -> None:
    """"Retirer X" only asks: the role goes with the confirmation (handlers/foundation/people.py)."""
    person = await users.get_user(session, callback_data.telegram_id)
    if person is None or person.id is None or not person.is_coordinator:
        raise StaleButton
    await show(query, _("Retirer le rôle de coordinateur à {name} ?").format(
        name=escape(person.full_name or str(person.telegram_id))), inline_keyboard(confirm_role_rows(person.id, False)),
        edit=False)
    await query.answer()


_USAGE = N_("Utilisation : /{command} IDENTIFIANT (un nombre).")


async def _change_role(message: Message, command: CommandObject, session: AsyncSession, user: User,
                       root_ids: frozenset[int], granted: bool) -> None:
    try:  # ASCII digits only: "²".isdigit() is True, and an id above 2⁶³ is no Telegram id
        telegram_id = whole_number(command.args or "", 1, TELEGRAM_ID_MAX)
    except DomainError:
        raise DomainError(_USAGE, command=command.command) from None
    target = await users.get_user(session, telegram_id)
    if target is None:
        raise DomainError(N_("Aucun utilisateur avec l'identifiant {id} : il doit d'abord écrire au bot."),
                          id=telegram_id)
    await people.change_role(session, user, target, granted, root_ids, now=utcnow())
    text = _("{id} est maintenant coordinateur.") if granted else _("{id} n'est plus coordinateur.")
    await message.answer(text.format(id=target.telegram_id))
    await announce_role(message.bot, target, granted)


@router.message(Command("grant"))
async def grant(message: Message, command: CommandObject, session: AsyncSession,
                root_coordinator_ids: frozenset[int], user: User) -> None:
    await _change_role(message, command, session, user, root_coordinator_ids, True)


@router.message(Command("revoke"))
async def revoke(message: Message, command: CommandObject, session: AsyncSession,
                 root_coordinator_ids: frozenset[int], user: User) -> None:
    await _change_role(message, command, session, user, root_coordinator_ids, False)
