"""Night of Solidarity for coordinators: create an edition and its sectors, form teams in one tap, adjust, publish.

Every handler here is behind the coordinator check. Sectors and leaders in bulk come from CSV through the
command line (`volunteer-bot night import-sectors`); the commands here are for one line at a time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import date, datetime, time
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.night.volunteer import send_presence
from locales import N_
from locales.formatting import format_day, format_when
from models.base import utcnow
from models.night import NightEdition
from models.user import User
from services.callbacks.foundation import CoordCb
from services.errors import DomainError, StaleButton
from services.night import publication, rules

router = Router(name="night_coord")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())
Clock = Callable[[], datetime]
UNCOVERED_SHOWN = 30


class NightCoordCb(CallbackData, prefix="nc"):
    action: str
    edition: int


async def _edition_or_error(session: AsyncSession, now: datetime) -> NightEdition:
    edition = await rules.current_edition(session, now)
    if edition is None:
        raise DomainError(N_("Aucune édition à venir. Créez-en une : /night_new AAAA-MM-JJ AAAA-MM-JJ Nom "
                             "(date de la nuit, date limite d'inscription)."))
    return edition


async def show_dashboard(message: Message, session: AsyncSession, user: User, now: datetime) -> None:
    try:
        edition = await _edition_or_error(session, now)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    assert edition.id is not None
    registered = await rules.count_registrations(session, edition.id)
    sectors = await rules.list_sectors(session, edition)
    status = _("publiées") if edition.published_at else _("formées, pas encore publiées") if edition.formed_at \
        else _("pas encore formées")
    text = _("🌙 <b>{name}</b> — nuit du {day}\nInscriptions jusqu'au {deadline}\nSecteurs : {sectors}\n"
             "Inscrits : {registered}\nÉquipes : {status}").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale),
        deadline=format_when(edition.registration_deadline, user.locale), sectors=len(sectors),
        registered=registered, status=status)
    builder = InlineKeyboardBuilder()
    if edition.published_at is None:
        builder.button(text=_("⚙️ Former les équipes"), callback_data=NightCoordCb(action="form", edition=edition.id))
    if edition.formed_at is not None:
        builder.button(text=_("📋 Résumé"), callback_data=NightCoordCb(action="summary", edition=edition.id))
    if edition.formed_at is not None and edition.published_at is None:
        builder.button(text=_("📣 Publier"), callback_data=NightCoordCb(action="publish", edition=edition.id))
    if edition.published_at is not None:
        builder.button(text=_("👥 Présences"), callback_data=NightCoordCb(action="presence", edition=edition.id))
    builder.adjust(1)
    text += "\n\n" + _("Ajuster : /night_move IDENTIFIANT SECTEUR. Ajouter : /night_sector, /night_leader.")
    await message.answer(text, reply_markup=builder.as_markup())


@router.callback_query(CoordCb.filter(F.item == "night"))
async def dashboard_from_menu(query: CallbackQuery, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await show_dashboard(query.message, session, user, clock())


@router.message(Command("night"))
async def dashboard_command(message: Message, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await show_dashboard(message, session, user, clock())


def summary_text(summary: rules.FormSummary, locale: str) -> str:
    first, second, third, elsewhere = summary.by_rank
    spread = ", ".join(_("{teams} équipe(s) avec {n}").format(teams=teams, n=n)
                       for n, teams in sorted(summary.first_timers.items())) or "—"
    lines = [_("<b>Équipes formées : {formed} sur {sectors} secteurs</b>").format(formed=summary.formed,
                                                                                sectors=summary.sectors),
             _("Volontaires placés : {assigned} ; sans équipe : {unassigned}").format(
                 assigned=summary.assigned, unassigned=summary.unassigned),
             _("Choix respectés : 1er {a}, 2e {b}, 3e {c}, ailleurs {d}").format(a=first, b=second, c=third,
                                                                                 d=elsewhere),
             _("Premières fois par équipe : {spread}").format(spread=spread),
             _("Groupes gardés ensemble : {kept} sur {groups}").format(kept=summary.groups_kept, groups=summary.groups)]
    if summary.uncovered:
        lines.append(_("Secteurs non couverts :"))
        # a message holds 4096 characters at most: the first ones here, all of them in `night assign`
        lines += [f"• {escape(code)} : {_(reason)}" for code, reason in summary.uncovered[:UNCOVERED_SHOWN]]
        if len(summary.uncovered) > UNCOVERED_SHOWN:
            lines.append(_("… et {n} autres").format(n=len(summary.uncovered) - UNCOVERED_SHOWN))
    return "\n".join(lines)


async def _edition_for(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession,
                       user: User) -> NightEdition | None:
    """The edition a button names, re-read on the server (the button may be old or forged)."""
    edition = await session.get(NightEdition, callback_data.edition)
    if edition is None:
        raise StaleButton
    return edition


@router.callback_query(NightCoordCb.filter(F.action == "form"))
async def form(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
               clock: Clock = utcnow) -> None:
    edition = await _edition_for(query, callback_data, session, user)
    if edition is None:
        return
    try:
        summary = await rules.form_teams(session, edition, clock())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📣 Publier"), callback_data=NightCoordCb(action="publish", edition=callback_data.edition))
    builder.button(text=_("⚙️ Former à nouveau"),
                   callback_data=NightCoordCb(action="form", edition=callback_data.edition))
    builder.adjust(1)
    assert isinstance(query.message, Message)
    await query.message.answer(summary_text(summary, user.locale), reply_markup=builder.as_markup())


@router.callback_query(NightCoordCb.filter(F.action == "summary"))
async def show_summary(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User) -> None:
    edition = await _edition_for(query, callback_data, session, user)
    if edition is None:
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(summary_text(await rules.summarise(session, edition), user.locale))


@router.callback_query(NightCoordCb.filter(F.action == "publish"))
async def publish(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
                  clock: Clock = utcnow) -> None:
    edition = await _edition_for(query, callback_data, session, user)
    if edition is None:
        return
    try:
        count = await publication.publish(session, edition, clock())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(_("Publié : {n} volontaires vont recevoir leur équipe.").format(n=count))


@router.callback_query(NightCoordCb.filter(F.action == "presence"))
async def presence(query: CallbackQuery, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await send_presence(query.message, session, user, True, clock())


# -- one line at a time ---------------------------------------------------------------------------------

def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(N_("Date illisible : {text} (attendu AAAA-MM-JJ)."), text=escape(text)) from None


def _args(command: CommandObject) -> list[str]:
    try:
        return shlex.split(command.args or "")
    except ValueError:
        return (command.args or "").split()


@router.message(Command("night_new"))
async def new_edition(message: Message, command: CommandObject, session: AsyncSession, user: User,
                      clock: Clock = utcnow) -> None:
    args = _args(command)
    try:
        if len(args) < 2:
            raise DomainError(N_("Utilisation : /night_new AAAA-MM-JJ AAAA-MM-JJ Nom (date de la nuit, date "
                                 "limite d'inscription)."))
        night_day, deadline = _parse_date(args[0]), _parse_date(args[1])
        name = " ".join(args[2:]) or f"Nuit de la Solidarité {night_day.year}"
        edition = await rules.create_edition(session, name=name, night_date=night_day, deadline=deadline,
                                             now=clock())
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await message.answer(_("Édition créée : {name}, nuit du {day}. Ajoutez les secteurs avec /night_sector ou "
                           "par CSV (volunteer-bot night import-sectors).").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale)))


_SECTOR_USAGE = N_("Utilisation : /night_sector CODE ARRONDISSEMENT TYPE HH:MM MIN MAX \"Point de rendez-vous\" "
                   "\"Adresse\" [RESPONSABLE]. Types : street, station, halls, hospital, other.")


@router.message(Command("night_sector"))
async def new_sector(message: Message, command: CommandObject, session: AsyncSession, user: User,
                     clock: Clock = utcnow) -> None:
    args = _args(command)
    try:
        edition = await _edition_or_error(session, clock())
        if len(args) < 8 or not re.fullmatch(r"\d{1,2}:\d{2}", args[3]) or not all(
                value.isdigit() for value in (args[1], args[4], args[5])):
            raise DomainError(_SECTOR_USAGE)
        hours, minutes = (int(part) for part in args[3].split(":"))
        if hours > 23 or minutes > 59:
            raise DomainError(_SECTOR_USAGE)
        sector = await rules.add_sector(session, edition, rules.SectorInput(
            code=args[0], arrondissement=int(args[1]), kind=args[2], meeting_time=time(hours, minutes),
            min_volunteers=int(args[4]), max_volunteers=int(args[5]), meeting_point=args[6],
            meeting_address=args[7], leader_code=args[8] if len(args) > 8 else None))
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await message.answer(_("Secteur {code} enregistré (Paris {n}).").format(code=escape(sector.code),
                                                                          n=sector.arrondissement))


@router.message(Command("night_leader"))
async def new_leader(message: Message, command: CommandObject, session: AsyncSession, user: User,
                     clock: Clock = utcnow) -> None:
    args = _args(command)
    try:
        edition = await _edition_or_error(session, clock())
        if len(args) < 2 or (len(args) > 2 and not args[2].lstrip("-").isdigit()):
            raise DomainError(N_("Utilisation : /night_leader CODE Prénom [IDENTIFIANT_TELEGRAM]."))
        leader = await rules.add_leader(session, edition, code=args[0], first_name=args[1],
                                        telegram_id=int(args[2]) if len(args) > 2 else None)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await message.answer(_("Responsable {code} enregistré : {name}.").format(code=escape(leader.code),
                                                                           name=escape(leader.first_name)))


@router.message(Command("night_move"))
async def move(message: Message, command: CommandObject, session: AsyncSession, user: User,
               clock: Clock = utcnow) -> None:
    args = _args(command)
    try:
        edition = await _edition_or_error(session, clock())
        if len(args) != 2 or not args[0].lstrip("-").isdigit():
            raise DomainError(N_("Utilisation : /night_move IDENTIFIANT_TELEGRAM SECTEUR."))
        place = await rules.move_volunteer(session, edition, int(args[0]), args[1])
        await publication.notify_moved(session, edition, place)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await message.answer(_("C'est fait : {id} est maintenant dans l'équipe {code}.").format(
        id=args[0], code=escape(args[1])))
