"""Coordinators launch and run heat-wave alerts: level → arrondissements → networks → note → count → confirm,
then a live view (edited in place) with remind, level, extend, map and close. Coordinator-only throughout.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.alert_answers import answer_markup
from handlers.filters import NOT_A_COMMAND, TYPED_ANSWER
from handlers.ui import answer_stale, chunked, inline_keyboard, tapped_message
from locales import t
from models.alerts import AlertStatus, Level
from models.base import utcnow
from models.user import User
from services import alerts
from services.alert_coverage import alert_coverage, coverage_text
from services.alert_map import render_map
from services.callbacks.foundation import CoordCb
from services.errors import DomainError, StaleButton
from services.segments import parse_arrondissements

router = Router(name="alerts")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())

REMIND_CHOICES = (0, 60, 120, 240)  # minutes


class NewAlert(StatesGroup):
    level = State()
    areas = State()
    networks = State()
    note_fr = State()
    note_en = State()
    confirm = State()


class DraftCb(CallbackData, prefix="ad"):
    """A step of the launch wizard."""

    action: str
    value: str = ""


class AlertOpCb(CallbackData, prefix="ao"):
    """An action on an existing alert; the server re-checks the role and the alert's state."""

    action: str
    alert_id: int
    value: int = 0


class ProposalCb(CallbackData, prefix="av"):
    """The one-tap confirmation of an alert proposed by the Météo-France poller."""

    level: int



def _cancel_button(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("✖ Annuler"), callback_data=DraftCb(action="cancel"))


# -- entry: list of open alerts -------------------------------------------------------------------------

async def show_alerts_home(message: Message, session: AsyncSession) -> None:
    builder = InlineKeyboardBuilder()
    current = await alerts.open_alerts(session)
    for alert in current:
        assert alert.id is not None
        areas = alerts.areas_label(await alerts.alert_areas(session, alert.id), _locale())
        builder.button(text=_("📊 Alerte n° {id} ({areas})").format(id=alert.id, areas=areas)[:60],
                       callback_data=AlertOpCb(action="view", alert_id=alert.id))
    builder.button(text=_("➕ Nouvelle alerte"), callback_data=DraftCb(action="new"))
    builder.adjust(1)
    text = _("<b>Alertes canicule</b>\nAlertes ouvertes : {n}").format(n=len(current))
    await message.answer(text, reply_markup=builder.as_markup())


def _locale() -> str:
    """The language of the update being handled (set by the i18n middleware)."""
    return get_i18n().current_locale


@router.message(Command("alert"))
async def alert_command(message: Message, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    await show_alerts_home(message, session)


@router.callback_query(CoordCb.filter(F.item == "alerts"))
async def alerts_from_menu(query: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await show_alerts_home(tapped_message(query), session)


# -- the launch wizard ------------------------------------------------------------------------------------

async def ask(message: Message, step: State, data: dict[str, Any], session: AsyncSession) -> None:
    builder = InlineKeyboardBuilder()
    if step == NewAlert.level:
        for level in Level:
            builder.button(text=alerts.level_label(level, _locale()), callback_data=DraftCb(action="level",
                                                                                             value=str(level)))
        _cancel_button(builder)
        builder.adjust(3, 1)
        await message.answer(_("Quel niveau de vigilance canicule ?"), reply_markup=builder.as_markup())
    elif step == NewAlert.areas:
        chosen = set(data.get("areas", []))
        numbers = [(("✅ " if number in chosen else "") + str(number), DraftCb(action="area", value=str(number)))
                   for number in alerts.ALL_PARIS]
        keyboard = inline_keyboard([[(_("🗼 Tout Paris"), DraftCb(action="all"))], *chunked(numbers, 5),
                                    [(_("Continuer »"), DraftCb(action="areas_ok")),
                                     (_("✖ Annuler"), DraftCb(action="cancel"))]])
        await message.answer(_("Quels arrondissements ? « Tout Paris », ou touchez-en plusieurs puis « Continuer ». "
                               "Vous pouvez aussi les écrire : 11, 12, 20."), reply_markup=keyboard)
    elif step == NewAlert.networks:
        chosen = set(data.get("networks", []))
        for name, label in alerts.NETWORKS.items():
            builder.button(text=("✅ " if name in chosen else "") + _(label),
                           callback_data=DraftCb(action="net", value=name))
        builder.button(text=_("Continuer »"), callback_data=DraftCb(action="nets_ok"))
        _cancel_button(builder)
        builder.adjust(1)
        await message.answer(_("Quels réseaux prévenir ?"), reply_markup=builder.as_markup())
    elif step == NewAlert.note_fr:
        builder.button(text=_("Pas de note »"), callback_data=DraftCb(action="skip_note"))
        _cancel_button(builder)
        builder.adjust(1)
        await message.answer(_("Une note pour les volontaires ? Écrivez-la en français, ou « Pas de note »."),
                             reply_markup=builder.as_markup())
    elif step == NewAlert.note_en:
        builder.button(text=_("Garder le français »"), callback_data=DraftCb(action="skip_en"))
        _cancel_button(builder)
        builder.adjust(1)
        await message.answer(_("La même note en anglais ? Écrivez-la, ou gardez le texte français pour tous."),
                             reply_markup=builder.as_markup())
    elif step == NewAlert.confirm:
        await _ask_confirm(message, data, session)


def _draft(data: dict[str, Any]) -> alerts.AlertDraft:
    return alerts.AlertDraft(level=int(data.get("level", 0)), arrondissements=tuple(data.get("areas", [])),
                             networks=tuple(data.get("networks", [])), note_fr=data.get("note_fr"),
                             note_en=data.get("note_en"))


async def _ask_confirm(message: Message, data: dict[str, Any], session: AsyncSession) -> None:
    locale = _locale()
    draft = alerts.check_draft(_draft(data))
    count = await alerts.count_recipients(session, draft)
    conflicts = await alerts.open_conflicts(session, draft.arrondissements)
    lines = [_("<b>Nouvelle alerte</b>"),
             _("Vigilance : {level}").format(level=alerts.level_label(draft.level, locale)),
             _("Arrondissements : {areas}").format(areas=alerts.areas_label(draft.arrondissements, locale)),
             _("Réseaux : {networks}").format(networks=", ".join(_(alerts.NETWORKS[n]) for n in draft.networks)),
             _("Note (fr) : {note}").format(note=escape(draft.note_fr or "—")),
             _("Note (en) : {note}").format(note=escape(draft.note_en or "—")),
             _("<b>Destinataires : {n}</b>").format(n=count)]
    builder = InlineKeyboardBuilder()
    if conflicts:
        lines.append(_("⚠️ Une alerte est déjà ouverte pour : {areas}. Modifiez les arrondissements ou clôturez "
                       "l'autre alerte.").format(areas=", ".join(map(str, conflicts))))
    elif count == 0:
        lines.append(_("⚠️ Aucun volontaire joignable ne correspond : changez les arrondissements ou les réseaux."))
    else:
        label = ngettext("✅ Envoyer à {n} volontaire", "✅ Envoyer à {n} volontaires", count).format(n=count)
        builder.button(text=label, callback_data=DraftCb(action="send"))
    builder.button(text=_("Modifier les arrondissements"), callback_data=DraftCb(action="edit_areas"))
    builder.button(text=_("Modifier les réseaux"), callback_data=DraftCb(action="edit_nets"))
    _cancel_button(builder)
    builder.adjust(1)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def _go(message: Message, state: FSMContext, step: State, session: AsyncSession) -> None:
    await state.set_state(step)
    await ask(message, step, await state.get_data(), session)


@router.callback_query(DraftCb.filter(F.action == "new"))
async def new_alert(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    await state.set_data({"areas": [], "networks": ["climate"]})
    await _go(tapped_message(query), state, NewAlert.level, session)


@router.callback_query(DraftCb.filter(F.action == "cancel"))
async def cancel_draft(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await tapped_message(query).answer(_("Alerte abandonnée : rien n'a été envoyé."))


@router.callback_query(NewAlert.level, DraftCb.filter(F.action == "level"))
async def chose_level(query: CallbackQuery, callback_data: DraftCb, state: FSMContext,
                      session: AsyncSession) -> None:
    if not callback_data.value.isdigit() or int(callback_data.value) not in alerts.LEVEL_NAMES:
        raise StaleButton
    await query.answer()
    await state.update_data(level=int(callback_data.value))
    await _go(tapped_message(query), state, NewAlert.areas, session)


@router.callback_query(NewAlert.areas, DraftCb.filter(F.action == "all"))
async def chose_all_paris(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    await state.update_data(areas=list(alerts.ALL_PARIS))
    await _go(tapped_message(query), state, NewAlert.networks, session)


@router.callback_query(NewAlert.areas, DraftCb.filter(F.action == "area"))
async def toggle_area(query: CallbackQuery, callback_data: DraftCb, state: FSMContext,
                      session: AsyncSession) -> None:
    if not callback_data.value.isdigit() or int(callback_data.value) not in alerts.ALL_PARIS:
        raise StaleButton
    number = int(callback_data.value)
    chosen = set((await state.get_data()).get("areas", []))
    chosen.symmetric_difference_update({number})
    await state.update_data(areas=sorted(chosen))
    await query.answer()
    message = tapped_message(query)
    if message.reply_markup is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=_retick(message.reply_markup, sorted(chosen)))


def _retick(markup: InlineKeyboardMarkup, chosen: list[int]) -> InlineKeyboardMarkup:
    """The area keyboard with ticks on the chosen arrondissements."""
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            data = DraftCb.unpack(button.callback_data) if button.callback_data else None
            if data is not None and data.action == "area":
                label = ("✅ " if int(data.value) in chosen else "") + data.value
                button = button.model_copy(update={"text": label})
            new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


@router.callback_query(NewAlert.areas, DraftCb.filter(F.action == "areas_ok"))
async def areas_done(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    if not (await state.get_data()).get("areas"):
        await query.answer(_("Choisissez au moins un arrondissement."), show_alert=True)
        return
    await query.answer()
    data = await state.get_data()
    await _go(tapped_message(query), state, NewAlert.confirm if data.get("editing") else NewAlert.networks, session)


@router.message(NewAlert.areas, TYPED_ANSWER)
async def typed_areas(message: Message, state: FSMContext, session: AsyncSession) -> None:
    try:
        areas = parse_arrondissements(message.text or "")
    except DomainError as error:
        await message.answer(error.render(_locale()))
        await ask(message, NewAlert.areas, await state.get_data(), session)
        return
    await state.update_data(areas=areas)
    data = await state.get_data()
    await _go(message, state, NewAlert.confirm if data.get("editing") else NewAlert.networks, session)


@router.callback_query(NewAlert.networks, DraftCb.filter(F.action == "net"))
async def toggle_network(query: CallbackQuery, callback_data: DraftCb, state: FSMContext,
                         session: AsyncSession) -> None:
    if callback_data.value not in alerts.NETWORKS:
        raise StaleButton
    chosen = set((await state.get_data()).get("networks", []))
    chosen.symmetric_difference_update({callback_data.value})
    await state.update_data(networks=[name for name in alerts.NETWORKS if name in chosen])
    await query.answer()
    builder = InlineKeyboardBuilder()
    for name, label in alerts.NETWORKS.items():
        builder.button(text=("✅ " if name in chosen else "") + _(label),
                       callback_data=DraftCb(action="net", value=name))
    builder.button(text=_("Continuer »"), callback_data=DraftCb(action="nets_ok"))
    _cancel_button(builder)
    builder.adjust(1)
    with contextlib.suppress(TelegramBadRequest):
        await tapped_message(query).edit_reply_markup(reply_markup=builder.as_markup())


@router.callback_query(NewAlert.networks, DraftCb.filter(F.action == "nets_ok"))
async def networks_done(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    if not data.get("networks"):
        await query.answer(_("Choisissez au moins un réseau."), show_alert=True)
        return
    await query.answer()
    await _go(tapped_message(query), state, NewAlert.confirm if data.get("editing") else NewAlert.note_fr, session)


@router.callback_query(NewAlert.note_fr, DraftCb.filter(F.action == "skip_note"))
async def skip_note(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    await state.update_data(note_fr=None, note_en=None, editing=True)
    await _go(tapped_message(query), state, NewAlert.confirm, session)


@router.message(NewAlert.note_fr, TYPED_ANSWER)
async def typed_note_fr(message: Message, state: FSMContext, session: AsyncSession) -> None:
    note = (message.text or "").strip()
    if len(note) > alerts.NOTE_MAX:
        await message.answer(_("La note est trop longue ({max} caractères au plus).").format(max=alerts.NOTE_MAX))
        return
    await state.update_data(note_fr=note)
    await _go(message, state, NewAlert.note_en, session)


@router.callback_query(NewAlert.note_en, DraftCb.filter(F.action == "skip_en"))
async def skip_note_en(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    await state.update_data(note_en=None, editing=True)
    await _go(tapped_message(query), state, NewAlert.confirm, session)


@router.message(NewAlert.note_en, TYPED_ANSWER)
async def typed_note_en(message: Message, state: FSMContext, session: AsyncSession) -> None:
    note = (message.text or "").strip()
    if len(note) > alerts.NOTE_MAX:
        await message.answer(_("La note est trop longue ({max} caractères au plus).").format(max=alerts.NOTE_MAX))
        return
    await state.update_data(note_en=note, editing=True)
    await _go(message, state, NewAlert.confirm, session)


@router.callback_query(NewAlert.confirm, DraftCb.filter(F.action.in_({"edit_areas", "edit_nets"})))
async def edit_draft(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    step = NewAlert.areas if callback_data.action == "edit_areas" else NewAlert.networks
    await _go(tapped_message(query), state, step, session)


@router.callback_query(NewAlert.confirm, DraftCb.filter(F.action == "send"))
async def send_alert(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User) -> None:
    if await _launch(query, session, user, _draft(await state.get_data())):
        await state.clear()  # on a refusal the draft stays, so that it can be corrected


async def _launch(query: CallbackQuery, session: AsyncSession, user: User, draft: alerts.AlertDraft) -> bool:
    try:
        alert, count = await alerts.launch_alert(session, draft, created_by=user.id, now=utcnow(),
                                                 markup_for=answer_markup)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return False
    await query.answer()
    assert alert.id is not None
    message = tapped_message(query)
    await message.answer(ngettext("🌡 Alerte n° {id} lancée : {n} volontaire va la recevoir.",
                                  "🌡 Alerte n° {id} lancée : {n} volontaires vont la recevoir.", count).format(
        id=alert.id, n=count))
    await _send_live_view(message, session, alert.id, user.locale)
    return True


@router.callback_query(DraftCb.filter())
async def stale_draft_button(query: CallbackQuery) -> None:
    """A wizard button from an earlier step or an abandoned draft."""
    await query.answer(_("Ce bouton n'est plus valable. Tapez /alert pour recommencer."), show_alert=True)


@router.message(StateFilter(NewAlert), NOT_A_COMMAND)
async def unexpected_input(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(_("Je n'attends pas cela ici : répondez avec les boutons ci-dessous."))
    current = await state.get_state()
    step = next((s for s in NewAlert.__states__ if s.state == current), None)
    if step is not None:
        await ask(message, step, await state.get_data(), session)


# -- the live view and the actions on an alert ------------------------------------------------------------

def live_keyboard(alert_id: int, is_open: bool, locale: str) -> InlineKeyboardMarkup:
    """The live view's buttons, in the coordinator's language (also drawn by the refresh job)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t(locale, "🔄 Actualiser"), callback_data=AlertOpCb(action="refresh", alert_id=alert_id))
    builder.button(text=t(locale, "🗺 Carte"), callback_data=AlertOpCb(action="map", alert_id=alert_id))
    if is_open:
        builder.button(text=t(locale, "⏰ Relancer les sans-réponse"),
                       callback_data=AlertOpCb(action="remind", alert_id=alert_id))
        builder.button(text=t(locale, "↕️ Changer le niveau"),
                       callback_data=AlertOpCb(action="level", alert_id=alert_id))
        builder.button(text=t(locale, "➕ Étendre aux nouveaux inscrits"),
                       callback_data=AlertOpCb(action="extend", alert_id=alert_id))
        builder.button(text=t(locale, "✖ Clôturer l'alerte"),
                       callback_data=AlertOpCb(action="close", alert_id=alert_id))
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


async def _send_live_view(message: Message, session: AsyncSession, alert_id: int, locale: str) -> None:
    coverage = await alert_coverage(session, alert_id)
    sent = await message.answer(coverage_text(coverage, locale),
                                reply_markup=live_keyboard(alert_id, coverage.alert.status == AlertStatus.OPEN, locale))
    await alerts.set_live_view(session, alert_id, sent.chat.id, sent.message_id, locale)


async def _alert_or_refuse(query: CallbackQuery, session: AsyncSession, user: User, alert_id: int,
                           *, must_be_open: bool) -> bool:
    try:
        alert = await alerts.get_alert(session, alert_id)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return False
    if must_be_open and alert.status != AlertStatus.OPEN:
        await query.answer(_("Cette alerte est close."), show_alert=True)
        return False
    return True


@router.callback_query(AlertOpCb.filter(F.action == "view"))
async def view_alert(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=False):
        return
    await query.answer()
    await _send_live_view(tapped_message(query), session, callback_data.alert_id, user.locale)


@router.callback_query(AlertOpCb.filter(F.action == "refresh"))
async def refresh_alert(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=False):
        return
    coverage = await alert_coverage(session, callback_data.alert_id)
    await query.answer(_("À jour."))
    with contextlib.suppress(TelegramBadRequest):  # unchanged since the last refresh
        await tapped_message(query).edit_text(
            coverage_text(coverage, user.locale),
            reply_markup=live_keyboard(callback_data.alert_id, coverage.alert.status == AlertStatus.OPEN,
                                      user.locale))


@router.callback_query(AlertOpCb.filter(F.action == "map"))
async def send_map(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=False):
        return
    coverage = await alert_coverage(session, callback_data.alert_id)
    await query.answer()
    shares: dict[int, float | None] = {area.arrondissement: area.help_share for area in coverage.by_area}
    title = _("Alerte n° {id} : part des volontaires qui peuvent aider").format(id=callback_data.alert_id)
    png = render_map(shares, user.locale, title)
    await tapped_message(query).answer_photo(
        BufferedInputFile(png, filename=f"alerte-{callback_data.alert_id}.png"),
        caption=_("Carte de l'alerte n° {id}. Fond de carte : Ville de Paris, ODbL.").format(id=callback_data.alert_id))


@router.callback_query(AlertOpCb.filter(F.action == "remind"))
async def ask_remind(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=True):
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    for minutes in REMIND_CHOICES:
        label = _("Maintenant") if minutes == 0 else _("Dans {h} h").format(h=minutes // 60)
        builder.button(text=label, callback_data=AlertOpCb(action="remind_at", alert_id=callback_data.alert_id,
                                                           value=minutes))
    builder.adjust(4)
    await tapped_message(query).answer(
        _("Relancer une fois ceux qui n'ont pas répondu. Quand ?"), reply_markup=builder.as_markup())


@router.callback_query(AlertOpCb.filter(F.action == "remind_at"))
async def schedule_remind(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if callback_data.value not in REMIND_CHOICES:
        raise StaleButton
    try:
        alert = await alerts.schedule_reminder(session, callback_data.alert_id, timedelta(minutes=callback_data.value),
                                               now=utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    assert alert.remind_at is not None
    from locales.formatting import format_clock

    await query.answer(_("Rappel prévu à {time}.").format(time=format_clock(alert.remind_at, user.locale)),
                       show_alert=True)


@router.callback_query(AlertOpCb.filter(F.action == "level"))
async def ask_level(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=True):
        return
    alert = await alerts.get_alert(session, callback_data.alert_id)
    await query.answer()
    builder = InlineKeyboardBuilder()
    for level in Level:
        if level != alert.level:
            builder.button(text=alerts.level_label(level, user.locale),
                           callback_data=AlertOpCb(action="set_level", alert_id=callback_data.alert_id, value=level))
    builder.adjust(2)
    await tapped_message(query).answer(
        _("Niveau actuel : {level}. Nouveau niveau ? Tous les destinataires seront prévenus.").format(
            level=alerts.level_label(alert.level, user.locale)), reply_markup=builder.as_markup())


@router.callback_query(AlertOpCb.filter(F.action == "set_level"))
async def set_level(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    try:
        alert, count = await alerts.change_level(session, callback_data.alert_id, callback_data.value, now=utcnow(),
                                                 markup_for=answer_markup)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    await tapped_message(query).answer(ngettext("Niveau changé : {level}. {n} volontaire prévenu.",
                                              "Niveau changé : {level}. {n} volontaires prévenus.", count).format(
        level=alerts.level_label(alert.level, user.locale), n=count))


@router.callback_query(AlertOpCb.filter(F.action == "extend"))
async def extend(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    try:
        count = await alerts.extend_alert(session, callback_data.alert_id, markup_for=answer_markup)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(ngettext("Alerte envoyée à {n} nouveau volontaire.",
                                "Alerte envoyée à {n} nouveaux volontaires.", count).format(n=count), show_alert=True)


@router.callback_query(AlertOpCb.filter(F.action == "close"))
async def ask_close(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if not await _alert_or_refuse(query, session, user, callback_data.alert_id, must_be_open=True):
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Oui, clôturer"),
                   callback_data=AlertOpCb(action="close_ok", alert_id=callback_data.alert_id))
    builder.button(text=_("Non"), callback_data=AlertOpCb(action="refresh", alert_id=callback_data.alert_id))
    await tapped_message(query).answer(
        _("Clôturer l'alerte n° {id} ? Chaque destinataire recevra un message de fin avec nos remerciements.").format(
            id=callback_data.alert_id), reply_markup=builder.as_markup())


@router.callback_query(AlertOpCb.filter(F.action == "close_ok"))
async def close(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    try:
        _alert, count = await alerts.close_alert(session, callback_data.alert_id, now=utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    await tapped_message(query).answer(ngettext(
        "Alerte n° {id} clôturée : message de fin envoyé à {n} volontaire.",
        "Alerte n° {id} clôturée : message de fin envoyé à {n} volontaires.", count).format(
        id=callback_data.alert_id, n=count))


@router.callback_query(AlertOpCb.filter())
async def unknown_action(query: CallbackQuery) -> None:
    await answer_stale(query)


# -- proposals from the Météo-France poller ---------------------------------------------------------------

@router.callback_query(ProposalCb.filter())
async def confirm_proposal(query: CallbackQuery, callback_data: ProposalCb, session: AsyncSession, user: User) -> None:
    """One tap: all Paris, Climate Volunteers, at the proposed level."""
    if callback_data.level not in alerts.LEVEL_NAMES:
        raise StaleButton
    draft = alerts.AlertDraft(level=callback_data.level, arrondissements=alerts.ALL_PARIS, networks=("climate",))
    await _launch(query, session, user, draft)




def proposal_markup(level: int, locale: str, alert_id: int | None = None) -> dict[str, Any]:
    """The proposal's one-tap button (launch, or raise the running alert), as a plain dict for the outbox."""
    button: tuple[str, CallbackData]
    if alert_id is not None:
        button = (t(locale, "⬆️ Passer l'alerte n° {id} en {level}", id=alert_id,
                    level=alerts.level_label(level, locale)),
                  AlertOpCb(action="set_level", alert_id=alert_id, value=level))
    else:
        button = (t(locale, "✅ Lancer l'alerte ({level}, tout Paris)", level=alerts.level_label(level, locale)),
                  ProposalCb(level=level))
    return inline_keyboard([[button]]).model_dump(exclude_none=True)
