"""A Solidarity Volunteer's side of the solidarity chain: the associations' missions near them, sign up, cancel."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import SignedUpOnly, guard
from handlers.ui import Row, inline_keyboard, menu_button, page_of, pager_row, show
from locales.formatting import format_arrondissement, format_when
from models.base import utcnow
from models.missions import Mission
from models.user import User
from services import missions
from services.callbacks.foundation import MenuCb
from services.callbacks.missions import MissionCb

router = guard(Router(name="missions"), SignedUpOnly())
PAGE = 5


def _line(mission: Mission, locale: str) -> str:
    return f"{format_arrondissement(mission.arrondissement, locale)} · {mission.title}"


async def _list(session: AsyncSession, user: User, page: int) -> tuple[str, InlineKeyboardMarkup]:
    found = await missions.missions_near(session, user, utcnow())
    shown, page, pages = page_of(found, page, PAGE)
    where = (_("dans votre arrondissement et ceux d'à côté") if user.arrondissement is not None
             else _("dans tout Paris"))
    text = _("🤝 <b>Missions des associations</b>, {where} :").format(where=where) if found else \
        _("🤝 Aucune mission à venir {where} pour le moment.").format(where=where)
    rows: list[Row] = [[(_line(mission, user.locale), MissionCb(action="view", id=mission.id or 0))]
                       for mission in shown]
    return text, inline_keyboard([*rows, pager_row(page, pages, lambda p: MissionCb(action="list", page=p)),
                                  [(_("✅ Mes missions"), MissionCb(action="mine")), menu_button()]])


async def _view(session: AsyncSession, user: User, mission: Mission) -> tuple[str, InlineKeyboardMarkup]:
    assert mission.id is not None and user.id is not None
    booked = await missions.is_booked(session, mission.id, user.id)
    left = max(mission.seats - mission.booked_count, 0)
    lines = [f"🤝 <b>{escape(mission.title)}</b>", _("Association : {name}").format(name=escape(mission.association)),
             _("Quand : {when} ({minutes} min)").format(when=format_when(mission.starts_at, user.locale),
                                                       minutes=mission.duration_minutes),
             _("Où : Paris {area}").format(area=format_arrondissement(mission.arrondissement, user.locale)),
             _("Places libres : {left} sur {seats}").format(left=left, seats=mission.seats)]
    if mission.description:
        lines.append("\n" + escape(mission.description))
    if booked:
        lines.append("\n" + _("✅ Vous êtes inscrit."))
    action: Row = [(_("❌ Annuler mon inscription"), MissionCb(action="cancel", id=mission.id))] if booked else \
        [(_("✋ Je m'inscris"), MissionCb(action="book", id=mission.id))] if left else []
    return "\n".join(lines), inline_keyboard([action, [(_("« Missions"), MissionCb(action="list")), menu_button()]])


@router.message(Command("missions"))
async def missions_command(message: Message, session: AsyncSession, user: User) -> None:
    await show(message, *await _list(session, user, 0))


@router.callback_query(MenuCb.filter(F.item == "missions"))
async def missions_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    text, markup = await _list(session, user, 0)
    await query.answer()
    await show(query, text, markup, edit=False)


@router.callback_query(MissionCb.filter(F.action == "list"))
async def missions_page(query: CallbackQuery, callback_data: MissionCb, session: AsyncSession, user: User) -> None:
    text, markup = await _list(session, user, callback_data.page)
    await query.answer()
    await show(query, text, markup)


@router.callback_query(MissionCb.filter(F.action == "mine"))
async def mine(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    missions.check_volunteer(user)
    booked = await missions.my_missions(session, user, utcnow())
    text = _("✅ <b>Mes missions</b>") if booked else _("Vous n'êtes inscrit à aucune mission à venir.")
    rows: list[Row] = [[(f"{format_when(m.starts_at, user.locale)} · {m.title}",
                         MissionCb(action="view", id=m.id or 0))] for m in booked]
    await query.answer()
    await show(query, text, inline_keyboard([*rows, [(_("« Missions"), MissionCb(action="list")), menu_button()]]))


@router.callback_query(MissionCb.filter(F.action == "view"))
async def view(query: CallbackQuery, callback_data: MissionCb, session: AsyncSession, user: User) -> None:
    mission = await missions.access_mission(session, user, callback_data.id)
    text, markup = await _view(session, user, mission)
    await query.answer()
    await show(query, text, markup)


@router.callback_query(MissionCb.filter(F.action == "book"))
async def book(query: CallbackQuery, callback_data: MissionCb, session: AsyncSession, user: User) -> None:
    took = await missions.book(session, callback_data.id, user, utcnow())
    mission = await missions.access_mission(session, user, callback_data.id)
    text, markup = await _view(session, user, mission)
    await query.answer(_("✅ Vous êtes inscrit. Merci !") if took else _("Vous étiez déjà inscrit."))
    await show(query, text, markup)


@router.callback_query(MissionCb.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, callback_data: MissionCb, session: AsyncSession, user: User) -> None:
    await missions.cancel(session, callback_data.id, user, utcnow())
    mission = await missions.access_mission(session, user, callback_data.id)
    text, markup = await _view(session, user, mission)
    await query.answer(_("Inscription annulée : la place est libérée."))
    await show(query, text, markup)
