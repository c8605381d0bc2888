"""The coordinator's desk: find volunteers (/people), their profile and its actions, exports, the audit trail.

Every handler here is behind the coordinator guard; the services check the role again (the CLI uses them).
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.filters import TYPED_ANSWER
from handlers.foundation.commands import publish_commands_for_chat
from handlers.ui import Row, inline_keyboard, menu_button, page_of, pager_row, show, tapped_message
from locales import N_
from locales.formatting import format_when
from models.base import utcnow
from models.user import User
from services import audit, exports, people, segments, users
from services.callbacks.foundation import CoordCb, ExportCb, PeopleCb, PersonCb
from services.errors import StaleButton

router = guard(Router(name="people"), CoordinatorOnly())


class Desk(StatesGroup):
    search = State()  # waiting for a search line
    message = State()  # waiting for the text of a message to one volunteer


_SEARCH_PROMPT = N_("Qui cherchez-vous ? Écrivez un nom (les accents ne comptent pas), des arrondissements "
                    "(« 11, 12-14 »), un réseau, une compétence ou une langue parlée, ou plusieurs à la fois.\n"
                    "Par exemple : <i>Camille 11</i>, <i>climat 18-20 anglais</i>, <i>premiers secours</i>.")


# -- search --------------------------------------------------------------------------------------------------

@router.message(Command("people"))
async def people_command(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                         user: User, root_coordinator_ids: frozenset[int]) -> None:
    if not (command.args or "").strip():
        await state.set_state(Desk.search)
        await message.answer(_(_SEARCH_PROMPT))
        return
    await state.clear()
    await show_results(message, session, user, root_coordinator_ids, command.args or "", page=0, state=state)


@router.callback_query(CoordCb.filter(F.item == "people"))
async def people_menu(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Desk.search)
    await show(query, _(_SEARCH_PROMPT), edit=False)
    await query.answer()


@router.message(Desk.search, TYPED_ANSWER)
async def typed_search(message: Message, state: FSMContext, session: AsyncSession, user: User,
                       root_coordinator_ids: frozenset[int]) -> None:
    await show_results(message, session, user, root_coordinator_ids, message.text or "", page=0, state=state)
    await state.set_state(None)


async def show_results(target: Message | CallbackQuery, session: AsyncSession, user: User, root_ids: frozenset[int],
                       text: str, *, page: int, state: FSMContext | None = None) -> None:
    found = await people.search(session, user, text, root_ids)  # raises before anything is said
    if state is not None:
        await state.update_data(desk_search=text)
    segment = segments.parse_search(text)
    items, page, pages = page_of(found, page, people.PAGE_SIZE)
    lines = [_("<b>{count} volontaire(s)</b> : {segment}").format(count=len(found),
                                                                   segment=escape(segment.describe(user.locale)))]
    rows: list[Row] = [[(_label(person), PersonCb(action="show", user_id=person.id or 0))] for person in items]
    rows.append(pager_row(page, pages, lambda number: PeopleCb(action="page", page=number)))
    if found:
        rows.append([(_("📤 Exporter cette liste"), PeopleCb(action="export"))])
    else:
        lines.append(_("Personne ne correspond."))
    rows.append([menu_button()])
    await show(target, "\n".join(lines), inline_keyboard(rows))


def _label(person: User) -> str:
    place = str(person.arrondissement) if person.arrondissement else (person.postal_code or "—")
    blocked = " 🚫" if person.blocked_at else ""
    return f"{person.full_name or '—'} · {place}{blocked}"


async def _stored_search(state: FSMContext) -> str:
    text = (await state.get_data()).get("desk_search")
    if not isinstance(text, str):
        raise StaleButton
    return text


@router.callback_query(PeopleCb.filter(F.action == "page"))
async def results_page(query: CallbackQuery, callback_data: PeopleCb, state: FSMContext, session: AsyncSession,
                       user: User, root_coordinator_ids: frozenset[int]) -> None:
    text = await _stored_search(state)
    await show_results(query, session, user, root_coordinator_ids, text, page=callback_data.page)
    await query.answer()


@router.callback_query(PeopleCb.filter(F.action == "export"))
async def export_results(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                         root_coordinator_ids: frozenset[int]) -> None:
    segment = segments.parse_search(await _stored_search(state))
    export = await exports.run(session, user, "volunteers", locale=user.locale, now=utcnow(),
                               root_ids=root_coordinator_ids, segment=segment)
    await _send_export(query, export)


# -- a profile and its actions --------------------------------------------------------------------------------

def _profile_rows(found: people.Profile, root_ids: frozenset[int]) -> list[Row]:
    person_id = found.person.id or 0
    role: Row
    if users.is_coordinator(found.person, root_ids):
        role = [(_("Retirer le rôle de coordinateur"), PersonCb(action="revoke", user_id=person_id))]
    else:
        role = [(_("Nommer coordinateur"), PersonCb(action="grant", user_id=person_id))]
    return [role,
            [(_("✉️ Lui écrire"), PersonCb(action="message", user_id=person_id)),
             (_("Pourquoi injoignable ?"), PersonCb(action="why", user_id=person_id))],
            [menu_button()]]


@router.callback_query(PersonCb.filter(F.action == "show"))
async def show_person(query: CallbackQuery, callback_data: PersonCb, session: AsyncSession, user: User,
                      root_coordinator_ids: frozenset[int]) -> None:
    found = await people.profile(session, user, callback_data.user_id, root_coordinator_ids)
    await show(query, people.profile_text(found, user.locale, root_coordinator_ids),
               inline_keyboard(_profile_rows(found, root_coordinator_ids)), edit=False)
    await query.answer()


@router.callback_query(PersonCb.filter(F.action == "why"))
async def why_unreachable(query: CallbackQuery, callback_data: PersonCb, session: AsyncSession, user: User,
                          root_coordinator_ids: frozenset[int]) -> None:
    found = await people.profile(session, user, callback_data.user_id, root_coordinator_ids)
    await show(query, people.why_unreachable_text(found, user.locale), edit=False)
    await query.answer()


def confirm_role_rows(person_id: int, granted: bool) -> list[Row]:
    action = "confirm_grant" if granted else "confirm_revoke"
    label = _("✅ Oui, nommer coordinateur") if granted else _("✅ Oui, retirer le rôle")
    return [[(label, PersonCb(action=action, user_id=person_id))],
            [(_("✖ Annuler"), PersonCb(action="show", user_id=person_id))]]


@router.callback_query(PersonCb.filter(F.action.in_({"grant", "revoke"})))
async def ask_role(query: CallbackQuery, callback_data: PersonCb, session: AsyncSession, user: User,
                   root_coordinator_ids: frozenset[int]) -> None:
    person = await people.access_person(session, user, callback_data.user_id, root_coordinator_ids)
    granted = callback_data.action == "grant"
    question = (_("Nommer {name} coordinateur ? La personne sera prévenue.") if granted
                else _("Retirer le rôle de coordinateur à {name} ?"))
    await show(query, question.format(name=escape(person.full_name or str(person.telegram_id))),
               inline_keyboard(confirm_role_rows(callback_data.user_id, granted)), edit=False)
    await query.answer()


@router.callback_query(PersonCb.filter(F.action.in_({"confirm_grant", "confirm_revoke"})))
async def confirm_role(query: CallbackQuery, callback_data: PersonCb, session: AsyncSession, user: User,
                       root_coordinator_ids: frozenset[int], bot: Bot) -> None:
    person = await people.access_person(session, user, callback_data.user_id, root_coordinator_ids)
    granted = callback_data.action == "confirm_grant"
    await people.change_role(session, user, person, granted, root_coordinator_ids, now=utcnow())
    text = _("{id} est maintenant coordinateur.") if granted else _("{id} n'est plus coordinateur.")
    await query.answer(text.format(id=person.telegram_id), show_alert=True)
    await announce_role(bot, person, granted)
    await show(query, people.profile_text(await people.profile(session, user, person.id or 0, root_coordinator_ids),
                                          user.locale, root_coordinator_ids))


async def announce_role(bot: Bot | None, person: User, granted: bool) -> None:
    """Their own command list follows the role at once (the message telling them goes through the outbox)."""
    if bot is not None and person.telegram_id is not None:
        await publish_commands_for_chat(bot, person.telegram_id, person.locale, coordinator=granted)


@router.callback_query(PersonCb.filter(F.action == "message"))
async def ask_message(query: CallbackQuery, callback_data: PersonCb, state: FSMContext, session: AsyncSession,
                      user: User, root_coordinator_ids: frozenset[int]) -> None:
    person = await people.access_person(session, user, callback_data.user_id, root_coordinator_ids)
    await state.set_state(Desk.message)
    await state.update_data(desk_person=person.id)
    await show(query, _("Écrivez votre message à {name} (ou /cancel).").format(
        name=escape(person.full_name or "—")), edit=False)
    await query.answer()


@router.message(Desk.message, TYPED_ANSWER)
async def typed_message(message: Message, state: FSMContext, session: AsyncSession, user: User,
                        root_coordinator_ids: frozenset[int]) -> None:
    person_id = (await state.get_data()).get("desk_person")
    person = await people.access_person(session, user, int(person_id or 0), root_coordinator_ids)
    await people.send_message(session, user, person, message.text or "", root_coordinator_ids, now=utcnow())
    await state.set_state(None)
    await message.answer(_("Message confié à l'envoi pour {name}.").format(name=escape(person.full_name or "—")))


# -- exports and the audit trail ------------------------------------------------------------------------------

@router.callback_query(CoordCb.filter(F.item == "exports"))
async def exports_menu(query: CallbackQuery, user: User) -> None:
    rows: list[Row] = [[(title, ExportCb(key=key))] for key, title in exports.describe_lists(user.locale)]
    await show(query, _("<b>Exports</b>\nChaque fichier s'ouvre dans un tableur (séparateur « ; »)."),
               inline_keyboard([*rows, [menu_button()]]), edit=False)
    await query.answer()


@router.callback_query(ExportCb.filter())
async def export_button(query: CallbackQuery, callback_data: ExportCb, session: AsyncSession, user: User,
                        root_coordinator_ids: frozenset[int]) -> None:
    if callback_data.key not in exports.LISTS:
        raise StaleButton
    export = await exports.run(session, user, callback_data.key, locale=user.locale, now=utcnow(),
                               root_ids=root_coordinator_ids)
    await _send_export(query, export)


async def _send_export(query: CallbackQuery, export: exports.Export) -> None:
    message = tapped_message(query)
    await query.answer()
    await message.answer_document(BufferedInputFile(export.data, filename=export.filename),
                                  caption=_("{count} ligne(s).").format(count=export.rows))


@router.message(Command("audit"))
async def audit_command(message: Message, session: AsyncSession, user: User) -> None:
    await message.answer(await _trail_text(session, user.locale), reply_markup=_trail_keyboard())


@router.callback_query(CoordCb.filter(F.item == "audit"))
async def audit_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await show(query, await _trail_text(session, user.locale), _trail_keyboard(), edit=False)
    await query.answer()


def _trail_keyboard() -> InlineKeyboardMarkup:
    return inline_keyboard([[(_("📤 Exporter tout le journal"), ExportCb(key="audit"))], [menu_button()]])


async def _trail_text(session: AsyncSession, locale: str) -> str:
    lines = [_("<b>Journal des coordinateurs</b> (20 dernières actions)")]
    for line in await audit.trail(session, limit=20):
        who = escape(line.actor or _("ligne de commande"))
        what = exports.action_label(line.action, locale)
        about = f" · {escape(line.target)}" if line.target else (f" · {escape(line.subject)}" if line.subject else "")
        campaign = _(" · envoi n° {id}").format(id=line.campaign_id) if line.campaign_id else ""
        lines.append(f"• {format_when(line.at, locale)} — {who} : {what}{about} · {line.count}{campaign}")
    if len(lines) == 1:
        lines.append(_("Rien pour l'instant."))
    return "\n".join(lines)
