"""Night of Solidarity for volunteers: register by buttons (typing works too), see the team, "I'm here", feedback.

Leaders and coordinators also see who is present per meeting point and reinforce a short team in one tap.
Handlers take `clock` from the dispatcher's data when a test sets one, else the real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import answer_stale
from locales import BABEL_LOCALES, N_
from locales.formatting import format_arrondissement, format_day, format_when
from models.base import utcnow
from models.night import NightEdition
from models.user import User
from services import users
from services.callbacks.foundation import MenuCb
from services.errors import DomainError, StaleButton
from services.night import publication, rules

router = Router(name="night")
Clock = Callable[[], datetime]


class NightReg(StatesGroup):
    prefs = State()
    first_time = State()
    can_lead = State()
    languages = State()
    group = State()
    access = State()
    summary = State()


class NightCb(CallbackData, prefix="ng"):
    action: str
    value: str = ""


class NightPushCb(CallbackData, prefix=publication.PUSH_PREFIX):
    """Buttons sent through the outbox (reminders, thanks): they carry the edition they belong to."""

    action: str
    edition: int
    value: int = 0


def _msg(query: CallbackQuery) -> Message:
    assert isinstance(query.message, Message)
    return query.message


def _spoken(code: str, locale: str) -> str:
    name = Locale.parse(BABEL_LOCALES[locale]).languages.get(code, code)
    return name[:1].upper() + name[1:]


# -- what a volunteer sees -----------------------------------------------------------------------------

async def show_night(message: Message, session: AsyncSession, user: User, now: datetime) -> None:
    edition = await rules.current_edition(session, now)
    if edition is None:
        await message.answer(_("Aucune Nuit de la Solidarité n'est ouverte pour le moment."))
        return
    assert user.id is not None
    registration = await rules.get_registration(session, edition, user.id)
    builder = InlineKeyboardBuilder()
    title = _("🌙 <b>{name}</b> : nuit du {day}, de 22 h à 1 h.").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale))
    if registration is None or registration.withdrawn_at is not None:
        text = title + "\n" + _(
            "Des équipes d'un responsable et de 3 ou 4 volontaires vont à la rencontre des personnes sans abri "
            "pour les compter. Inscriptions jusqu'au {deadline}.").format(
            deadline=format_when(edition.registration_deadline, user.locale))
        builder.button(text=_("✍️ Je m'inscris"), callback_data=NightCb(action="register"))
    else:
        place = await rules.assignment_of(session, edition, user.id)
        if place is not None and edition.published_at is not None:
            text = await publication.team_card(session, edition, place, user.locale)
            builder.button(text=_("📍 Je suis là"), callback_data=NightPushCb(action="here", edition=edition.id or 0))
            if await rules.may_see_presence(session, edition, user, False):
                builder.button(text=_("👥 Présences"), callback_data=NightCb(action="presence"))
        else:
            text = title + "\n" + registration_text(registration_data(registration), user.locale)
            if edition.published_at is not None:
                text += "\n" + _("Vous êtes sur liste d'attente.")
            if now < edition.registration_deadline:
                builder.button(text=_("✏️ Modifier"), callback_data=NightCb(action="register"))
        builder.button(text=_("Me retirer"), callback_data=NightCb(action="withdraw"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    await message.answer(text, reply_markup=builder.as_markup())


def registration_data(registration: Any) -> dict[str, Any]:
    return {"prefs": list(registration.arrondissements), "first_time": registration.first_time,
            "can_lead": registration.can_lead, "languages": list(registration.languages),
            "group": registration.group_code, "access": registration.access_constraint}


def registration_text(data: dict[str, Any], locale: str) -> str:
    prefs = ", ".join(format_arrondissement(n, locale) for n in data.get("prefs", [])) or "—"
    experience = _("première fois") if data.get("first_time") else _("déjà fait")
    if data.get("can_lead"):
        experience += ", " + _("peut mener une équipe")
    spoken = ", ".join(_spoken(code, locale) for code in data.get("languages", [])) or "—"
    return _("<b>Votre inscription</b>\nArrondissements : {prefs}\nExpérience : {experience}\n"
             "Langues : {languages}\nGroupe : {group}\nContrainte d'accès : {access}").format(
        prefs=prefs, experience=experience, languages=spoken, group=escape(data.get("group") or "—"),
        access=escape(data.get("access") or "—"))


@router.callback_query(MenuCb.filter(F.item == "night"))
async def night_from_menu(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                          clock: Clock = utcnow) -> None:
    await query.answer()
    await state.clear()
    if not user.is_signed_up:
        await _msg(query).answer(_("Vous n'êtes pas encore inscrit : tapez /start."))
        return
    await show_night(_msg(query), session, user, clock())


# -- registration questions ----------------------------------------------------------------------------

def _prefs_keyboard(chosen: list[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    marks = "①②③"
    for number in range(1, 21):
        label = f"{marks[chosen.index(number)]} {number}" if number in chosen else str(number)
        builder.button(text=label, callback_data=NightCb(action="pref", value=str(number)))
    builder.button(text=_("Continuer »"), callback_data=NightCb(action="next"))
    builder.adjust(5, 5, 5, 5, 1)
    return builder.as_markup()


def _languages_keyboard(chosen: list[str], locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in users.SPOKEN_LANGUAGES:
        mark = "✅ " if code in chosen else ""
        builder.button(text=mark + _spoken(code, locale), callback_data=NightCb(action="lang", value=code))
    builder.button(text=_("Continuer »"), callback_data=NightCb(action="next"))
    builder.adjust(3, 3, 3, 3, 3, 1)
    return builder.as_markup()


async def ask(message: Message, step: State, data: dict[str, Any], locale: str) -> None:
    """Send the question of a registration step with its buttons."""
    builder = InlineKeyboardBuilder()
    if step == NightReg.prefs:
        await message.answer(_("Dans quels arrondissements voulez-vous compter ? Touchez jusqu'à 3 numéros, le "
                               "préféré d'abord, puis « Continuer ». Vous pouvez aussi les écrire : 18 19 10."),
                             reply_markup=_prefs_keyboard(data.get("prefs", [])))
    elif step == NightReg.first_time:
        builder.button(text=_("C'est ma première fois"), callback_data=NightCb(action="first", value="yes"))
        builder.button(text=_("Je l'ai déjà fait"), callback_data=NightCb(action="first", value="no"))
        builder.adjust(1)
        await message.answer(_("Avez-vous déjà participé à une Nuit de la Solidarité ?"),
                             reply_markup=builder.as_markup())
    elif step == NightReg.can_lead:
        builder.button(text=_("Je peux mener une équipe"), callback_data=NightCb(action="lead", value="yes"))
        builder.button(text=_("Je préfère être équipier"), callback_data=NightCb(action="lead", value="no"))
        builder.adjust(1)
        await message.answer(_("Pouvez-vous mener une équipe cette année ?"), reply_markup=builder.as_markup())
    elif step == NightReg.languages:
        await message.answer(_("Quelles langues parlez-vous ? (touchez pour cocher, puis « Continuer »)"),
                             reply_markup=_languages_keyboard(data.get("languages", []), locale))
    elif step == NightReg.group:
        builder.button(text=_("Pas de groupe"), callback_data=NightCb(action="nogroup"))
        await message.answer(_("Vous venez avec des amis (3 au plus) ? Écrivez le même code de groupe qu'eux, "
                               "par exemple AMIS-18, pour être dans la même équipe."),
                             reply_markup=builder.as_markup())
    elif step == NightReg.access:
        builder.button(text=_("Aucune"), callback_data=NightCb(action="noaccess"))
        await message.answer(_("Une contrainte d'accès à signaler (marche, escaliers…) ? Écrivez-la, ou touchez "
                               "« Aucune »."), reply_markup=builder.as_markup())
    elif step == NightReg.summary:
        builder.button(text=_("✅ Confirmer"), callback_data=NightCb(action="confirm"))
        builder.button(text=_("Recommencer"), callback_data=NightCb(action="register"))
        builder.adjust(1)
        await message.answer(registration_text(data, locale) + "\n\n" + _("Tout est juste ?"),
                             reply_markup=builder.as_markup())


STEPS = [NightReg.prefs, NightReg.first_time, NightReg.can_lead, NightReg.languages, NightReg.group,
         NightReg.access, NightReg.summary]


async def go(message: Message, state: FSMContext, step: State, locale: str) -> None:
    await state.set_state(step)
    await ask(message, step, await state.get_data(), locale)


async def current_step(state: FSMContext) -> State | None:
    name = await state.get_state()
    return next((step for step in STEPS if step.state == name), None)


@router.callback_query(NightCb.filter(F.action == "register"))
async def start_registration(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                             clock: Clock = utcnow) -> None:
    edition = await rules.current_edition(session, clock())
    if edition is None or not user.is_signed_up:
        raise StaleButton
    await query.answer()
    assert user.id is not None
    existing = await rules.get_registration(session, edition, user.id)
    data = registration_data(existing) if existing and existing.withdrawn_at is None else \
        {"prefs": [user.arrondissement] if user.arrondissement else [], "languages": list(user.languages)}
    await state.set_data({**data, "edition": edition.id})
    await go(_msg(query), state, NightReg.prefs, user.locale)


@router.callback_query(NightReg.prefs, NightCb.filter(F.action == "pref"))
async def toggle_pref(query: CallbackQuery, callback_data: NightCb, state: FSMContext) -> None:
    if not callback_data.value.isdigit() or not 1 <= int(callback_data.value) <= 20:
        raise StaleButton
    number = int(callback_data.value)
    chosen = list((await state.get_data()).get("prefs", []))
    if number in chosen:
        chosen.remove(number)
    elif len(chosen) >= rules.MAX_PREFERENCES:
        await query.answer(_("Trois arrondissements au plus."), show_alert=True)
        return
    else:
        chosen.append(number)
    await state.update_data(prefs=chosen)
    await query.answer()
    await _msg(query).edit_reply_markup(reply_markup=_prefs_keyboard(chosen))


@router.callback_query(NightReg.languages, NightCb.filter(F.action == "lang"))
async def toggle_language(query: CallbackQuery, callback_data: NightCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in users.SPOKEN_LANGUAGES:
        raise StaleButton
    chosen = list((await state.get_data()).get("languages", []))
    chosen.remove(callback_data.value) if callback_data.value in chosen else chosen.append(callback_data.value)
    await state.update_data(languages=chosen)
    await query.answer()
    await _msg(query).edit_reply_markup(reply_markup=_languages_keyboard(chosen, user.locale))


@router.callback_query(StateFilter(NightReg.prefs, NightReg.languages), NightCb.filter(F.action == "next"))
async def next_step(query: CallbackQuery, state: FSMContext, user: User) -> None:
    data = await state.get_data()
    if await state.get_state() == NightReg.prefs.state:
        if not data.get("prefs"):
            await query.answer(_("Choisissez au moins un arrondissement."), show_alert=True)
            return
        await query.answer()
        await go(_msg(query), state, NightReg.first_time, user.locale)
        return
    await query.answer()
    await go(_msg(query), state, NightReg.group, user.locale)


@router.callback_query(NightReg.first_time, NightCb.filter(F.action == "first"))
async def chose_first_time(query: CallbackQuery, callback_data: NightCb, state: FSMContext, user: User) -> None:
    await query.answer()
    first = callback_data.value == "yes"
    await state.update_data(first_time=first, can_lead=False)
    await go(_msg(query), state, NightReg.languages if first else NightReg.can_lead, user.locale)


@router.callback_query(NightReg.can_lead, NightCb.filter(F.action == "lead"))
async def chose_lead(query: CallbackQuery, callback_data: NightCb, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(can_lead=callback_data.value == "yes")
    await go(_msg(query), state, NightReg.languages, user.locale)


@router.callback_query(NightReg.group, NightCb.filter(F.action == "nogroup"))
async def no_group(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(group=None)
    await go(_msg(query), state, NightReg.access, user.locale)


@router.callback_query(NightReg.access, NightCb.filter(F.action == "noaccess"))
async def no_access(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(access=None)
    await go(_msg(query), state, NightReg.summary, user.locale)


@router.callback_query(NightReg.summary, NightCb.filter(F.action == "confirm"))
async def confirm(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                  clock: Clock = utcnow) -> None:
    data = await state.get_data()
    now = clock()
    edition = await session.get(NightEdition, data.get("edition") or 0)
    if edition is None:
        await answer_stale(query)
        await state.clear()
        return
    answers = rules.Answers(arrondissements=data.get("prefs", []), first_time=bool(data.get("first_time")),
                            languages=data.get("languages", []), group_code=data.get("group"),
                            can_lead=bool(data.get("can_lead")), access_constraint=data.get("access"))
    try:
        registration, late = await rules.register(session, edition, user, answers, now)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await state.clear()
    await query.answer()
    if late:
        await publication.absorb_late_registration(session, edition, registration, now)
    await _msg(query).answer(_("C'est noté, merci ! Vous recevrez votre équipe, votre secteur et votre point de "
                               "rendez-vous quand les équipes seront formées."))


# -- typed answers -------------------------------------------------------------------------------------

@router.message(NightReg.prefs, F.text)
async def typed_prefs(message: Message, state: FSMContext, user: User) -> None:
    try:
        prefs = rules.parse_preferences(message.text or "")
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.update_data(prefs=prefs)
    await go(message, state, NightReg.first_time, user.locale)


@router.message(NightReg.group, F.text)
async def typed_group(message: Message, state: FSMContext, user: User) -> None:
    try:
        code = rules.clean_group_code(message.text)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.update_data(group=code)
    await go(message, state, NightReg.access, user.locale)


@router.message(NightReg.access, F.text)
async def typed_access(message: Message, state: FSMContext, user: User) -> None:
    await state.update_data(access=" ".join((message.text or "").split())[:200] or None)
    await go(message, state, NightReg.summary, user.locale)


@router.message(StateFilter(NightReg))
async def unexpected_input(message: Message, state: FSMContext, user: User) -> None:
    """Free text where a button was expected, a sticker…: explain and ask again."""
    await message.answer(_("Je n'attends pas cela ici : répondez avec les boutons ci-dessous."))
    step = await current_step(state)
    if step is not None:
        await ask(message, step, await state.get_data(), user.locale)


# -- withdrawing ---------------------------------------------------------------------------------------

@router.callback_query(NightCb.filter(F.action == "withdraw"))
async def ask_withdraw(query: CallbackQuery) -> None:
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Oui, me retirer"), callback_data=NightCb(action="withdraw_yes"))
    builder.button(text=_("Non, je reste"), callback_data=MenuCb(item="night"))
    builder.adjust(1)
    await _msg(query).answer(_("Vous retirer de la Nuit de la Solidarité ?"), reply_markup=builder.as_markup())


@router.callback_query(NightCb.filter(F.action == "withdraw_yes"))
async def withdraw(query: CallbackQuery, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    now = clock()
    edition = await rules.current_edition(session, now)
    try:
        if edition is None:
            raise DomainError(N_("Vous n'êtes pas inscrit à cette nuit."))
        left = await rules.withdraw(session, edition, user, now)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await publication.absorb_withdrawal(session, edition, left, now)
    await query.answer()
    await _msg(query).answer(_("C'est noté : vous êtes retiré. Merci de nous avoir prévenus."))


# -- the night -----------------------------------------------------------------------------------------

@router.callback_query(NightPushCb.filter(F.action == "here"))
async def here(query: CallbackQuery, callback_data: NightPushCb, session: AsyncSession, user: User,
               clock: Clock = utcnow) -> None:
    edition = await session.get(NightEdition, callback_data.edition)
    try:
        if edition is None:
            raise DomainError(N_("Vous n'êtes dans aucune équipe pour cette nuit."))
        sector = await rules.check_in(session, edition, user, clock())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(_("Merci, votre présence est notée (équipe {code}).").format(code=sector.code),
                       show_alert=True)


@router.callback_query(NightPushCb.filter(F.action == "feedback"))
async def feedback(query: CallbackQuery, callback_data: NightPushCb, session: AsyncSession, user: User) -> None:
    edition = await session.get(NightEdition, callback_data.edition)
    try:
        if edition is None:
            raise DomainError(N_("Ce bouton n'est plus valable."))
        await publication.record_feedback(session, edition, user, callback_data.value)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(_("Merci pour votre retour !"), show_alert=True)


# Bot API: a message is at most 4096 characters and an inline keyboard at most 100 buttons.
TEXT_BUDGET = 4000
MAX_REINFORCE_BUTTONS = 90


def presence_text(points: list[rules.MeetingPoint]) -> tuple[list[str], InlineKeyboardMarkup]:
    """The board as messages short enough for Telegram; buttons for the short teams go on the last one."""
    lines = [_("<b>Présences</b>")]
    buttons = 0
    builder = InlineKeyboardBuilder()
    for point in points:
        lines.append(f"\n📍 <b>{escape(point.name)}</b>, {escape(point.address)}")
        for team in point.teams:
            present = ", ".join(escape(name) for name in team.present) or "—"
            missing = ", ".join(escape(name) for name in team.missing) or "—"
            lines.append(_("Équipe {code} ({leader}) : {count}/{min} présents. Là : {present}. Absents : {missing}")
                         .format(code=escape(team.sector.code), leader=escape(team.leader), count=len(team.present),
                                 min=team.sector.min_volunteers, present=present, missing=missing))
            if len(team.present) < team.sector.min_volunteers and buttons < MAX_REINFORCE_BUTTONS:
                buttons += 1
                builder.button(text=_("➕ Renforcer {code}").format(code=team.sector.code),
                               callback_data=NightCb(action="reinforce", value=str(team.sector.id)))
    builder.button(text=_("🔄 Actualiser"), callback_data=NightCb(action="presence"))
    builder.adjust(1)
    chunks: list[str] = [""]
    for line in lines:
        if chunks[-1] and len(chunks[-1]) + len(line) + 1 > TEXT_BUDGET:
            chunks.append("")
        chunks[-1] = f"{chunks[-1]}\n{line}" if chunks[-1] else line[:TEXT_BUDGET]
    return chunks, builder.as_markup()


async def send_presence(message: Message, session: AsyncSession, user: User, is_coordinator: bool,
                        now: datetime) -> None:
    edition = await rules.current_edition(session, now)
    try:
        if edition is None:
            raise DomainError(N_("Aucune Nuit de la Solidarité n'est ouverte pour le moment."))
        points = await rules.presence_board(session, edition, user, is_coordinator)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    texts, markup = presence_text(points)
    for text in texts[:-1]:
        await message.answer(text)
    await message.answer(texts[-1], reply_markup=markup)


@router.message(Command("night_presence"))
async def presence_command(message: Message, session: AsyncSession, user: User, is_coordinator: bool,
                           clock: Clock = utcnow) -> None:
    """For team leaders (and coordinators) on the night: who is here, per meeting point."""
    await send_presence(message, session, user, is_coordinator, clock())


@router.callback_query(NightCb.filter(F.action == "presence"))
async def presence(query: CallbackQuery, session: AsyncSession, user: User, is_coordinator: bool,
                   clock: Clock = utcnow) -> None:
    await query.answer()
    await send_presence(_msg(query), session, user, is_coordinator, clock())


@router.callback_query(NightCb.filter(F.action == "reinforce"))
async def reinforce(query: CallbackQuery, callback_data: NightCb, session: AsyncSession, user: User,
                    is_coordinator: bool, clock: Clock = utcnow) -> None:
    now = clock()
    edition = await rules.current_edition(session, now)
    try:
        if edition is None or not callback_data.value.isdigit():
            raise DomainError(N_("Ce bouton n'est plus valable."))
        moved = await rules.reinforce(session, edition, int(callback_data.value), user, is_coordinator, now)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await publication.notify_moved(session, edition, moved)
    await query.answer(_("C'est fait : un volontaire présent rejoint cette équipe."), show_alert=True)
    await send_presence(_msg(query), session, user, is_coordinator, now)


@router.callback_query(NightCb.filter())
async def stale_night_button(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """A registration button from an earlier step or an old conversation: say so and ask again."""
    await query.answer(_("Ce bouton n'est plus valable."))
    step = await current_step(state)
    if step is not None:
        await ask(_msg(query), step, await state.get_data(), user.locale)

