"""Coordinators launch and run heat-wave alerts: the launch form (level → arrondissements → networks → note →
summary with the count), then a live view (edited in place) with remind, level, extend, map and close.
Coordinator-only throughout (the router's guard; the form's finish checks the role again).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import COORDINATORS_ONLY, CoordinatorOnly, guard
from handlers.forms import Choice, Form, FormContext, Step
from handlers.ui import Row, confirm_rows, drop_keyboard, inline_keyboard, show, tapped_message
from locales import N_
from locales.formatting import format_clock
from models.base import utcnow
from models.heatwave import Alert, AlertStatus, Level
from models.user import User
from services.callbacks.foundation import CoordCb
from services.callbacks.heatwave import AlertOpCb, AlertsCb, ProposalCb, live_markup
from services.errors import DomainError, NotAllowed, StaleButton
from services.heatwave import alerts
from services.heatwave.coverage import alert_coverage, coverage_text
from services.heatwave.map import render_map

router = guard(Router(name="alerts"), CoordinatorOnly())

REMIND_CHOICES = (0, 60, 120, 240)  # minutes


def _locale() -> str:
    """The language of the update being handled (set by the i18n middleware)."""
    return get_i18n().current_locale


def live_keyboard(alert: Alert, locale: str) -> InlineKeyboardMarkup:
    assert alert.id is not None
    return InlineKeyboardMarkup.model_validate(live_markup(
        alert.id, alert.status == AlertStatus.OPEN, locale, can_remind=alerts.can_remind(alert)))


# -- entry: list of open alerts -------------------------------------------------------------------------

async def show_alerts_home(message: Message, session: AsyncSession) -> None:
    current = await alerts.open_alerts(session)
    rows: list[Row] = []
    for alert in current:
        assert alert.id is not None
        areas = alerts.areas_label(await alerts.alert_areas(session, alert.id), _locale())
        rows.append([(_("📊 Alerte n° {id} ({areas})").format(id=alert.id, areas=areas)[:60],
                      AlertOpCb(action="view", alert_id=alert.id))])
    rows.append([(_("➕ Nouvelle alerte"), AlertsCb(action="new"))])
    await message.answer(_("<b>Alertes canicule</b>\nAlertes ouvertes : {n}").format(n=len(current)),
                         reply_markup=inline_keyboard(rows))


@router.message(Command("alert"))
async def alert_command(message: Message, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    await show_alerts_home(message, session)


@router.callback_query(CoordCb.filter(F.item == "alerts"))
async def alerts_from_menu(query: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await show_alerts_home(tapped_message(query), session)


# -- the launch form --------------------------------------------------------------------------------------

class AlertDraftForm(BaseModel):
    level: int | None = None
    areas: list[str] = []
    networks: list[str] = ["climate"]
    note_fr: str | None = None
    note_en: str | None = None
    # worked out after the arrondissements and networks are chosen (shown on the summary)
    recipients: int = 0
    conflicts: list[int] = []

    def service_draft(self) -> alerts.AlertDraft:
        return alerts.AlertDraft(level=self.level or 0, arrondissements=tuple(int(a) for a in self.areas),
                                 networks=tuple(self.networks), note_fr=self.note_fr, note_en=self.note_en)


def _store_areas(draft: AlertDraftForm, value: object) -> None:
    """Toggles and typed lists give the arrondissements; the "All Paris" button (no value) gives all 20."""
    numbers = alerts.ALL_PARIS if value is None else [int(str(number)) for number in value]  # type: ignore[attr-defined]
    draft.areas = [str(number) for number in sorted(set(numbers))]


def _typed_areas(text: str, _draft: AlertDraftForm) -> list[int]:
    return alerts.parse_areas(text)


def _typed_note(text: str, _draft: AlertDraftForm) -> str:
    note = text.strip()
    if len(note) > alerts.NOTE_MAX:
        raise DomainError(N_("La note est trop longue ({max} caractères au plus)."), max=alerts.NOTE_MAX)
    return note


def _store_note(draft: AlertDraftForm, value: object) -> None:
    """The French note; "No note" clears the English one too."""
    draft.note_fr = str(value) if value else None
    if draft.note_fr is None:
        draft.note_en = None


async def _recount(context: FormContext, draft: AlertDraftForm) -> None:
    """After arrondissements or networks: refuse an empty choice, count who would get it, find clashes."""
    checked = alerts.check_draft(draft.service_draft())
    draft.recipients = await alerts.count_recipients(context.session, checked)
    draft.conflicts = await alerts.open_conflicts(context.session, checked.arrondissements)


async def _require_areas(context: FormContext, draft: AlertDraftForm) -> None:
    if not draft.areas:
        raise DomainError(N_("Choisissez au moins un arrondissement."))
    if draft.networks:
        await _recount(context, draft)


def _summary(draft: AlertDraftForm) -> str:
    locale = _locale()
    checked = draft.service_draft()
    lines = [_("<b>Nouvelle alerte</b>"),
             _("Vigilance : {level}").format(level=alerts.level_label(checked.level, locale)),
             _("Arrondissements : {areas}").format(areas=alerts.areas_label(checked.arrondissements, locale)),
             _("Réseaux : {networks}").format(networks=", ".join(_(alerts.NETWORKS[n]) for n in checked.networks
                                                                 if n in alerts.NETWORKS)),
             _("Note (fr) : {note}").format(note=escape(draft.note_fr or "—")),
             _("Note (en) : {note}").format(note=escape(draft.note_en or "—")),
             _("<b>Destinataires : {n}</b>").format(n=draft.recipients)]
    if draft.conflicts:
        lines.append(_("⚠️ Une alerte est déjà ouverte pour : {areas}. Modifiez les arrondissements ou clôturez "
                       "l'autre alerte.").format(areas=", ".join(map(str, draft.conflicts))))
    elif draft.recipients == 0:
        lines.append(_("⚠️ Aucun volontaire joignable ne correspond : changez les arrondissements ou les réseaux."))
    return "\n".join(lines)


def _send_label(draft: AlertDraftForm) -> str | None:
    """Nothing to confirm while the alert would clash or reach nobody."""
    if draft.conflicts or draft.recipients == 0:
        return None
    return ngettext("✅ Envoyer à {n} volontaire", "✅ Envoyer à {n} volontaires", draft.recipients).format(
        n=draft.recipients)


async def _launch(message: Message, session: AsyncSession, user: User, draft: alerts.AlertDraft) -> None:
    alert, count = await alerts.launch_alert(session, draft, created_by=user.id, now=utcnow())
    assert alert.id is not None
    await message.answer(ngettext("🌡 Alerte n° {id} lancée : {n} volontaire va la recevoir.",
                                  "🌡 Alerte n° {id} lancée : {n} volontaires vont la recevoir.", count).format(
        id=alert.id, n=count))
    await _send_live_view(message, session, alert.id, user.locale)


async def _finish(context: FormContext, draft: AlertDraftForm) -> None:
    if not context.data.get("is_coordinator"):
        raise NotAllowed(COORDINATORS_ONLY)  # the role was withdrawn while the form was open
    await _launch(context.message, context.session, context.user, draft.service_draft())


async def _cancelled(context: FormContext) -> None:
    await context.message.answer(_("Alerte abandonnée : rien n'a été envoyé."))


ALERT_FORM: Form[AlertDraftForm] = Form(
    name="alert",
    draft=AlertDraftForm,
    steps=[
        Step("level", lambda _d: _("Quel niveau de vigilance canicule ?"), width=3,
             apply=lambda d, value: setattr(d, "level", int(str(value))), edit_label=lambda: _("Modifier le niveau"),
             choices=lambda _d: [Choice(str(level), alerts.level_label(level, _locale())) for level in Level]),
        Step("areas", lambda _d: _("Quels arrondissements ? « Tout Paris », ou touchez-en plusieurs puis "
                                   "« Continuer ». Vous pouvez aussi les écrire : 11, 12, 20."),
             field="areas", multiple=True, width=5, apply=_store_areas, parse=_typed_areas, effect=_require_areas,
             skip_label=lambda: _("🗼 Tout Paris"), edit_label=lambda: _("Modifier les arrondissements"),
             choices=lambda _d: [Choice(str(number), str(number)) for number in alerts.ALL_PARIS]),
        Step("networks", lambda _d: _("Quels réseaux prévenir ?"), field="networks", multiple=True, effect=_recount,
             edit_label=lambda: _("Modifier les réseaux"),
             choices=lambda _d: [Choice(name, _(label)) for name, label in alerts.NETWORKS.items()]),
        Step("note_fr", lambda _d: _("Une note pour les volontaires ? Écrivez-la en français, ou « Pas de note »."),
             field="note_fr", parse=_typed_note, apply=_store_note, skip_label=lambda: _("Pas de note »"),
             edit_label=lambda: _("Modifier la note"),
             follow_up=lambda d: "note_en" if d.note_fr else None),
        Step("note_en", lambda _d: _("La même note en anglais ? Écrivez-la, ou gardez le texte français pour tous."),
             field="note_en", parse=_typed_note, skip=lambda d: not d.note_fr,
             skip_label=lambda: _("Garder le français »")),
    ],
    summary=_summary,
    finish=_finish,
    confirm_label=_send_label,
    cancelled=_cancelled,
)


@router.callback_query(AlertsCb.filter(F.action == "new"))
async def new_alert(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await ALERT_FORM.start(tapped_message(query), state, AlertDraftForm())


@router.callback_query(AlertsCb.filter(F.action == "home"))
async def alerts_home(query: CallbackQuery, session: AsyncSession) -> None:
    await query.answer()
    await show_alerts_home(tapped_message(query), session)


# -- the live view and the actions on an alert ------------------------------------------------------------

async def _send_live_view(message: Message, session: AsyncSession, alert_id: int, locale: str) -> None:
    coverage = await alert_coverage(session, alert_id)
    sent = await message.answer(coverage_text(coverage, locale), reply_markup=live_keyboard(coverage.alert, locale))
    await alerts.set_live_view(session, alert_id, sent.chat.id, sent.message_id, locale)


@router.callback_query(AlertOpCb.filter(F.action == "view"))
async def view_alert(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    await alerts.get_alert(session, callback_data.alert_id)
    await query.answer()
    await _send_live_view(tapped_message(query), session, callback_data.alert_id, user.locale)


@router.callback_query(AlertOpCb.filter(F.action == "refresh"))
async def refresh_alert(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    coverage = await alert_coverage(session, callback_data.alert_id)
    await query.answer(_("À jour."))
    await show(query, coverage_text(coverage, user.locale), live_keyboard(coverage.alert, user.locale))


@router.callback_query(AlertOpCb.filter(F.action == "map"))
async def send_map(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    coverage = await alert_coverage(session, callback_data.alert_id)
    await query.answer()
    title = _("Alerte n° {id} : couverture par arrondissement").format(id=callback_data.alert_id)
    png = render_map(coverage.states, user.locale, title)
    await tapped_message(query).answer_photo(
        BufferedInputFile(png, filename=f"alerte-{callback_data.alert_id}.png"),
        caption=_("Carte de l'alerte n° {id}. Fond de carte : Ville de Paris, ODbL.").format(id=callback_data.alert_id))


@router.callback_query(AlertOpCb.filter(F.action == "remind"))
async def ask_remind(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    alerts.check_can_remind(await alerts.open_alert(session, callback_data.alert_id))  # refused before any choice
    await query.answer()
    rows: list[Row] = [[(_("Maintenant") if minutes == 0 else _("Dans {h} h").format(h=minutes // 60),
                         AlertOpCb(action="remind_at", alert_id=callback_data.alert_id, value=minutes))
                        for minutes in REMIND_CHOICES]]
    await tapped_message(query).answer(_("Relancer une fois ceux qui n'ont pas répondu. Quand ?"),
                                       reply_markup=inline_keyboard(rows))


@router.callback_query(AlertOpCb.filter(F.action == "remind_at"))
async def schedule_remind(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    if callback_data.value not in REMIND_CHOICES:
        raise StaleButton
    alert = await alerts.schedule_reminder(session, callback_data.alert_id, timedelta(minutes=callback_data.value),
                                           now=utcnow())
    assert alert.remind_at is not None
    await query.answer(_("Rappel prévu à {time}.").format(time=format_clock(alert.remind_at, user.locale)),
                       show_alert=True)


@router.callback_query(AlertOpCb.filter(F.action == "level"))
async def ask_level(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    alert = await alerts.open_alert(session, callback_data.alert_id)
    await query.answer()
    rows: list[Row] = [[(alerts.level_label(level, user.locale),
                         AlertOpCb(action="set_level", alert_id=callback_data.alert_id, value=level))
                        for level in Level if level != alert.level]]
    await tapped_message(query).answer(
        _("Niveau actuel : {level}. Nouveau niveau ? Tous les destinataires seront prévenus.").format(
            level=alerts.level_label(alert.level, user.locale)), reply_markup=inline_keyboard(rows))


@router.callback_query(AlertOpCb.filter(F.action == "set_level"))
async def set_level(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    alert, count = await alerts.change_level(session, callback_data.alert_id, callback_data.value, now=utcnow())
    await query.answer()
    await tapped_message(query).answer(ngettext("Niveau changé : {level}. {n} volontaire prévenu.",
                                                "Niveau changé : {level}. {n} volontaires prévenus.", count).format(
        level=alerts.level_label(alert.level, user.locale), n=count))


@router.callback_query(AlertOpCb.filter(F.action == "extend"))
async def ask_extend(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    """Extending is a mass send: the count first, then a confirmation."""
    count = await alerts.count_new_recipients(session, callback_data.alert_id)
    if count == 0:
        await query.answer(ngettext("{n} nouveau volontaire depuis le lancement : rien à envoyer.",
                                    "{n} nouveaux volontaires depuis le lancement : rien à envoyer.", count).format(
            n=count), show_alert=True)
        return
    await query.answer()
    await tapped_message(query).answer(
        ngettext("Envoyer l'alerte n° {id} à {n} volontaire inscrit depuis son lancement ?",
                 "Envoyer l'alerte n° {id} aux {n} volontaires inscrits depuis son lancement ?", count).format(
            id=callback_data.alert_id, n=count),
        reply_markup=inline_keyboard(_confirm_rows(count, AlertOpCb(action="extend_ok", alert_id=callback_data.alert_id,
                                                                    value=count), callback_data.alert_id)))


def _confirm_rows(count: int, confirm: AlertOpCb, alert_id: int) -> list[Row]:
    return confirm_rows(count, confirm, AlertOpCb(action="refresh", alert_id=alert_id))


@router.callback_query(AlertOpCb.filter(F.action == "extend_ok"))
async def extend(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    count = await alerts.extend_alert(session, callback_data.alert_id, expected=callback_data.value)
    await query.answer(ngettext("Alerte envoyée à {n} nouveau volontaire.",
                                "Alerte envoyée à {n} nouveaux volontaires.", count).format(n=count), show_alert=True)
    await drop_keyboard(tapped_message(query))


@router.callback_query(AlertOpCb.filter(F.action == "close"))
async def ask_close(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    await alerts.open_alert(session, callback_data.alert_id)
    await query.answer()
    rows: list[Row] = [[(_("✅ Oui, clôturer"), AlertOpCb(action="close_ok", alert_id=callback_data.alert_id)),
                        (_("Non"), AlertOpCb(action="refresh", alert_id=callback_data.alert_id))]]
    await tapped_message(query).answer(
        _("Clôturer l'alerte n° {id} ? Chaque destinataire recevra un message de fin avec nos remerciements.").format(
            id=callback_data.alert_id), reply_markup=inline_keyboard(rows))


@router.callback_query(AlertOpCb.filter(F.action == "close_ok"))
async def close(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    alert, count = await alerts.close_alert(session, callback_data.alert_id, now=utcnow())
    coverage = await alert_coverage(session, callback_data.alert_id)
    await query.answer()
    message = tapped_message(query)
    await message.answer(ngettext(
        "Alerte n° {id} clôturée : message de fin envoyé à {n} volontaire.",
        "Alerte n° {id} clôturée : message de fin envoyé à {n} volontaires.", count).format(
        id=callback_data.alert_id, n=count))
    await drop_keyboard(message)
    if alert.live_chat_id is not None and alert.live_message_id is not None and message.bot is not None:
        # the live view ends in its final state now (the refresh job would do it within seconds)
        with contextlib.suppress(TelegramBadRequest):
            await message.bot.edit_message_text(
                coverage_text(coverage, alert.live_locale), chat_id=alert.live_chat_id,
                message_id=alert.live_message_id, reply_markup=live_keyboard(alert, alert.live_locale))


# -- proposals from the Météo-France poller ---------------------------------------------------------------

@router.callback_query(ProposalCb.filter())
async def confirm_proposal(query: CallbackQuery, callback_data: ProposalCb, session: AsyncSession, user: User) -> None:
    """One tap: all Paris, Climate Volunteers, at the proposed level."""
    draft = alerts.AlertDraft(level=callback_data.level, arrondissements=alerts.ALL_PARIS, networks=("climate",))
    await _launch(tapped_message(query), session, user, draft)
    await query.answer()
