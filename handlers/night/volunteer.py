"""Night of Solidarity for volunteers: register (a form: buttons or typing, Back, Cancel, an editable summary),
see the team, "I'm here", feedback. Leaders and coordinators also see who is present per meeting point and
reinforce a short team in one tap. Handlers take `clock` from the dispatcher's data when a test sets one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms import Choice, Form, FormContext, Step
from locales import BABEL_LOCALES, N_
from locales.formatting import format_arrondissement, format_day, format_when
from models.base import utcnow
from models.night import NightEdition, NightRegistration
from models.user import User
from services import users
from services.callbacks.foundation import MenuCb
from services.callbacks.night import NightCb, NightPushCb
from services.errors import DomainError, StaleButton
from services.night import publication, rules

router = Router(name="night")
Clock = Callable[[], datetime]


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
    place = await rules.assignment_of(session, edition, user.id)
    builder = InlineKeyboardBuilder()
    title = _("🌙 <b>{name}</b> : nuit du {day}, de 22 h à 1 h.").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale))
    leading = await rules.leader_of(session, edition, user.id)
    if place is not None and edition.published_at is not None:
        text = await publication.team_card(session, edition, place, user.locale)
        builder.button(text=_("📍 Je suis là"), callback_data=NightPushCb(action="here", edition=edition.id or 0))
        if await rules.may_see_presence(session, edition, user, False):
            builder.button(text=_("👥 Présences"), callback_data=NightCb(action="presence"))
    elif leading is not None:
        text = title + "\n" + _("Vous êtes responsable d'équipe pour cette nuit : vous recevrez votre équipe, ses "
                                "membres et son point de rendez-vous à la publication.")
    elif registration is None or registration.withdrawn_at is not None:
        if not rules.may_take_part(user):
            text = title + "\n" + _("La Nuit de la Solidarité est ouverte aux Volontaires de la Solidarité et aux "
                                    "Parisiens : votre profil indique un domicile hors de Paris. Pour rejoindre "
                                    "les Volontaires de la Solidarité, modifiez votre profil.")
        else:
            text = title + "\n" + _(
                "Des équipes d'un responsable et de 3 ou 4 volontaires vont à la rencontre des personnes sans abri "
                "pour les compter. Inscriptions jusqu'au {deadline}.").format(
                deadline=format_when(edition.registration_deadline, user.locale))
            builder.button(text=_("✍️ Je m'inscris"), callback_data=NightCb(action="register"))
    else:
        text = title + "\n" + registration_text(_draft_of(registration, edition), user.locale)
        if edition.published_at is not None:
            text += "\n" + _("Vous êtes sur liste d'attente.")
        if now < edition.registration_deadline:
            builder.button(text=_("✏️ Modifier"), callback_data=NightCb(action="register"))
    if registration is not None and registration.withdrawn_at is None:
        builder.button(text=_("Me retirer"), callback_data=NightCb(action="withdraw"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    await message.answer(text, reply_markup=builder.as_markup())


@router.callback_query(MenuCb.filter(F.item == "night"))
async def night_from_menu(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                          clock: Clock = utcnow) -> None:
    await query.answer()
    await state.clear()
    if not user.is_signed_up:
        await _msg(query).answer(_("Vous n'êtes pas encore inscrit : tapez /start."))
        return
    await show_night(_msg(query), session, user, clock())


# -- registration: a form ------------------------------------------------------------------------------

class NightDraft(BaseModel):
    edition: int = 0
    prefs: list[str] = []  # arrondissements as button values, most wanted first
    first_time: bool = True
    can_lead: bool = False
    languages: list[str] = []
    group: str | None = None
    needs: list[str] = []  # rules.NEEDS keys
    access: str | None = None  # their own words


def _draft_of(registration: NightRegistration, edition: NightEdition) -> NightDraft:
    return NightDraft(edition=edition.id or 0, prefs=[str(n) for n in registration.arrondissements],
                      first_time=registration.first_time, can_lead=registration.can_lead,
                      languages=list(registration.languages), group=registration.group_code,
                      needs=list(registration.access_needs or ()), access=registration.access_constraint)


def registration_text(draft: NightDraft, locale: str) -> str:
    prefs = ", ".join(format_arrondissement(int(n), locale) for n in draft.prefs) or "—"
    experience = _("première fois") if draft.first_time else _("déjà fait")
    if draft.can_lead:
        experience += ", " + _("peut mener une équipe")
    spoken = ", ".join(_spoken(code, locale) for code in draft.languages) or "—"
    access = ", ".join([_(rules.NEEDS[need]) for need in draft.needs if need in rules.NEEDS]
                       + ([escape(draft.access)] if draft.access else [])) or "—"
    return _("<b>Votre inscription</b>\nArrondissements : {prefs}\nExpérience : {experience}\n"
             "Langues : {languages}\nGroupe : {group}\nContrainte d'accès : {access}").format(
        prefs=prefs, experience=experience, languages=spoken, group=escape(draft.group or "—"), access=access)


def _set_prefs(draft: NightDraft, value: list[str]) -> None:
    if len(value) > rules.MAX_PREFERENCES:
        raise DomainError(N_("Trois arrondissements au plus."))
    draft.prefs = list(value)


def _typed_prefs(text: str, _draft: NightDraft) -> list[str]:
    return [str(n) for n in rules.parse_preferences(text)]


def _set_first(draft: NightDraft, value: str) -> None:
    draft.first_time = value == "yes"
    if draft.first_time:
        draft.can_lead = False


def _set_access(draft: NightDraft, value: list[str] | str | None) -> None:
    if value is None:  # "Aucune"
        draft.needs, draft.access = [], None
    elif isinstance(value, list):
        draft.needs = [need for need in value if need in rules.NEEDS]
    else:
        draft.access = rules.free_text_need(value)


async def _need_prefs(_context: FormContext, draft: NightDraft) -> None:
    if not draft.prefs:
        raise DomainError(N_("Choisissez au moins un arrondissement."))


async def _finish(context: FormContext, draft: NightDraft) -> None:
    now = context.data.get("clock", utcnow)()
    edition = await context.session.get(NightEdition, draft.edition)
    if edition is None:
        raise StaleButton
    answers = rules.Answers(arrondissements=[int(n) for n in draft.prefs], first_time=draft.first_time,
                            languages=draft.languages, group_code=draft.group, can_lead=draft.can_lead,
                            access_constraint=draft.access, access_needs=draft.needs)
    registration, _late = await rules.register(context.session, edition, context.user, answers, now)
    await context.state.clear()
    if edition.published_at is not None:  # teams are out: join one with room now, or wait (told either way)
        await publication.absorb_registration(context.session, edition, registration, now,
                                              context.data.get("root_coordinator_ids", frozenset()))
        await context.message.answer(_("C'est noté, merci ! Votre équipe (ou votre place sur la liste d'attente) "
                                       "vous arrive dans un instant."))
        return
    await context.message.answer(_("C'est noté, merci ! Vous recevrez votre équipe, votre secteur et votre point "
                                   "de rendez-vous quand les équipes seront formées."))


REGISTRATION: Form[NightDraft] = Form(
    name="night",
    draft=NightDraft,
    steps=[
        Step("prefs", lambda d: _("Dans quels arrondissements voulez-vous compter ? Touchez jusqu'à 3 numéros, le "
                                  "préféré d'abord, puis « Continuer ». Vous pouvez aussi les écrire : 18 19 10."),
             field="prefs", choices=lambda d: [Choice(str(n), str(n)) for n in range(1, 21)], width=5,
             multiple=True, ordered=True, apply=_set_prefs, parse=_typed_prefs, effect=_need_prefs,
             edit_label=lambda: _("Arrondissements")),
        Step("first", lambda d: _("Avez-vous déjà participé à une Nuit de la Solidarité ?"),
             choices=lambda d: [Choice("yes", _("C'est ma première fois")), Choice("no", _("Je l'ai déjà fait"))],
             apply=_set_first, edit_label=lambda: _("Expérience"),
             follow_up=lambda d: None if d.first_time else "lead"),
        Step("lead", lambda d: _("Pouvez-vous mener une équipe cette année ?"),
             choices=lambda d: [Choice("yes", _("Je peux mener une équipe")),
                                Choice("no", _("Je préfère être équipier"))],
             apply=lambda d, v: setattr(d, "can_lead", v == "yes"), skip=lambda d: d.first_time),
        Step("lang", lambda d: _("Quelles langues parlez-vous ? (touchez pour cocher, puis « Continuer »)"),
             field="languages", multiple=True, width=3,
             choices=lambda d: [Choice(code, _spoken(code, _current_locale()))
                                for code in users.SPOKEN_LANGUAGES],
             edit_label=lambda: _("Langues")),
        Step("group", lambda d: _("Vous venez avec des amis (3 au plus) ? Écrivez le même code de groupe qu'eux, "
                                  "par exemple AMIS-18, pour être dans la même équipe."),
             field="group", parse=lambda text, d: rules.clean_group_code(text),
             skip_label=lambda: _("Pas de groupe"), edit_label=lambda: _("Groupe")),
        Step("access", lambda d: _("Une contrainte d'accès à signaler ? Touchez ce qui vous concerne puis "
                                   "« Continuer », et écrivez un détail si besoin ; sinon touchez « Aucune ». "
                                   "Vous ne serez jamais placé dans un secteur qui la demande."),
             field="needs", multiple=True, choices=lambda d: [Choice(key, _(label)) for key, label in
                                                               rules.NEEDS.items()],
             apply=_set_access, parse=lambda text, d: text, skip_label=lambda: _("Aucune"),
             edit_label=lambda: _("Contrainte d'accès")),
    ],
    summary=lambda d: registration_text(d, _current_locale()) + "\n\n" + _("Tout est juste ?"),
    finish=_finish,
)


def _current_locale() -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale


@router.callback_query(NightCb.filter(F.action == "register"))
async def start_registration(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                             clock: Clock = utcnow) -> None:
    edition = await rules.current_edition(session, clock())
    if edition is None or not user.is_signed_up or not rules.may_take_part(user):
        raise StaleButton
    await query.answer()
    assert user.id is not None and edition.id is not None
    existing = await rules.get_registration(session, edition, user.id)
    if existing is not None and existing.withdrawn_at is None:
        draft = _draft_of(existing, edition)
    else:
        draft = NightDraft(edition=edition.id, prefs=[str(user.arrondissement)] if user.arrondissement else [],
                           languages=list(user.languages))
    await REGISTRATION.start(_msg(query), state, draft)


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
async def withdraw(query: CallbackQuery, session: AsyncSession, user: User, root_coordinator_ids: frozenset[int],
                   clock: Clock = utcnow) -> None:
    now = clock()
    edition = await rules.current_edition(session, now)
    if edition is None:
        raise DomainError(N_("Vous n'êtes pas inscrit à cette nuit."))
    left = await rules.withdraw(session, edition, user, now)
    await publication.absorb_withdrawal(session, edition, left, now, root_coordinator_ids)
    await query.answer()
    await _msg(query).answer(_("C'est noté : vous êtes retiré. Merci de nous avoir prévenus."))


# -- the night -----------------------------------------------------------------------------------------

@router.callback_query(NightPushCb.filter(F.action == "here"))
async def here(query: CallbackQuery, callback_data: NightPushCb, session: AsyncSession, user: User,
               clock: Clock = utcnow) -> None:
    edition = await session.get(NightEdition, callback_data.edition)
    if edition is None:
        raise DomainError(N_("Vous n'êtes dans aucune équipe pour cette nuit."))
    sector = await rules.check_in(session, edition, user, clock())
    await query.answer(_("Merci, votre présence est notée (équipe {code}).").format(code=sector.code),
                       show_alert=True)


@router.callback_query(NightPushCb.filter(F.action == "feedback"))
async def feedback(query: CallbackQuery, callback_data: NightPushCb, session: AsyncSession, user: User) -> None:
    edition = await session.get(NightEdition, callback_data.edition)
    if edition is None:
        raise StaleButton
    await publication.record_feedback(session, edition, user, callback_data.value)
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
            if team.formed and len(team.present) < team.sector.min_volunteers and buttons < MAX_REINFORCE_BUTTONS:
                buttons += 1
                builder.button(text=_("➕ Renforcer {code}").format(code=team.sector.code),
                               callback_data=NightCb(action="reinforce", value=team.sector.id or 0))
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
    if edition is None:
        raise DomainError(N_("Aucune Nuit de la Solidarité n'est ouverte pour le moment."))
    points = await rules.presence_board(session, edition, user, is_coordinator)
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
    if edition is None:
        raise StaleButton
    moved = await rules.reinforce(session, edition, callback_data.value, user, is_coordinator, now)
    await publication.notify_moved(session, edition, moved)
    await query.answer(_("C'est fait : un volontaire présent rejoint cette équipe."), show_alert=True)
    await send_presence(_msg(query), session, user, is_coordinator, now)
