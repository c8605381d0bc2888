"""Coordinators, during an alert: escalation settings (set once), who has not answered per arrondissement (and
a message to them), the CSV export of answers, and the one-tap "get ready" message for tomorrow."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import COORDINATORS_ONLY, CoordinatorOnly, guard
from handlers.forms import Form, FormContext, Step
from handlers.ui import Button, Row, chunked, inline_keyboard, page_of, pager_row, show, tapped_message
from locales import N_
from locales.formatting import format_when
from models.base import utcnow
from models.heatwave import AlertEscalation
from models.user import User
from services.callbacks.heatwave import AlertOpCb, GetReadyCb, SilentCb
from services.errors import DomainError, NotAllowed, StaleButton
from services.heatwave import alerts, escalation
from services.heatwave.coverage import AreaState, alert_coverage, answers_csv, silent_volunteers
from services.heatwave.vigilance import send_get_ready

router = guard(Router(name="alert_escalation"), CoordinatorOnly())
PAGE_SIZE = 10


def _locale() -> str:
    return get_i18n().current_locale


# -- escalation settings ----------------------------------------------------------------------------------

def _escalation_text(alert_id: int, settings: AlertEscalation) -> str:
    state = _("✅ active") if settings.enabled else _("⏸ arrêtée")
    return "\n".join([
        _("📈 <b>Escalade de l'alerte n° {id}</b> : {state}").format(id=alert_id, state=state),
        _("Objectif : {n} volontaires qui aident ou ont vérifié, dans chaque arrondissement.").format(
            n=settings.target),
        _("Relance de ceux qui n'ont pas répondu, là où l'objectif manque : à {hour} h, puis toutes les {every} h "
          "(jamais entre 2 h et 3 h).").format(hour=settings.reask_hour, every=settings.reask_every_hours),
        _("Élargissement aux arrondissements voisins et à l'autre réseau après {delay} min.").format(
            delay=settings.widen_after_minutes),
        _("Tout passe par la file d'envoi ; chacun est sollicité au plus une fois par étape."),
    ])


def _escalation_keyboard(alert_id: int, settings: AlertEscalation) -> InlineKeyboardMarkup:
    def options(action: str, values: tuple[int, ...], current: int, label: str) -> list[Button]:
        return [(("✅ " if value == current else "") + label.format(value=value),
                 AlertOpCb(action=action, alert_id=alert_id, value=value))  # type: ignore[arg-type]
                for value in values]

    rows: list[Row] = [
        *chunked(options("esc_target", escalation.TARGETS, settings.target, _("🎯 {value}")), 6),
        options("esc_hour", escalation.HOURS, settings.reask_hour, _("⏰ {value} h")),
        options("esc_cadence", escalation.CADENCES, settings.reask_every_hours, _("🔁 {value} h")),
        options("esc_delay", escalation.DELAYS, settings.widen_after_minutes, _("↔️ {value} min")),
        [(_("⏸ Arrêter l'escalade"), AlertOpCb(action="esc_off", alert_id=alert_id)) if settings.enabled
         else (_("✅ Activer l'escalade"), AlertOpCb(action="esc_on", alert_id=alert_id))],
        [(_("« Vue en direct"), AlertOpCb(action="view", alert_id=alert_id))],
    ]
    return inline_keyboard(rows)


@router.callback_query(AlertOpCb.filter(F.action == "escalate"))
async def show_escalation(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    await alerts.open_alert(session, callback_data.alert_id)
    settings = await session.get(AlertEscalation, callback_data.alert_id) or AlertEscalation(
        alert_id=callback_data.alert_id, enabled=False)
    await query.answer()
    await show(query, _escalation_text(callback_data.alert_id, settings),
               _escalation_keyboard(callback_data.alert_id, settings), edit=False)


@router.callback_query(AlertOpCb.filter(F.action.in_({"esc_target", "esc_hour", "esc_cadence", "esc_delay",
                                                       "esc_on", "esc_off"})))
async def change_escalation(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    field = {"esc_target": "target", "esc_hour": "reask_hour", "esc_cadence": "reask_every_hours",
             "esc_delay": "widen_after_minutes"}.get(callback_data.action)
    changes: dict[str, int | bool] = {field: callback_data.value} if field else {
        "enabled": callback_data.action == "esc_on"}
    settings = await escalation.set_escalation(session, callback_data.alert_id, now=utcnow(),
                                               **changes)  # type: ignore[arg-type]
    await query.answer(_("Escalade active.") if settings.enabled else _("Enregistré (escalade arrêtée)."))
    await show(query, _escalation_text(callback_data.alert_id, settings),
               _escalation_keyboard(callback_data.alert_id, settings))


# -- who has not answered ---------------------------------------------------------------------------------

@router.callback_query(AlertOpCb.filter(F.action == "silent"))
async def silent_areas(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession) -> None:
    await alerts.open_alert(session, callback_data.alert_id)
    coverage = await alert_coverage(session, callback_data.alert_id)
    lacking = [area for area in coverage.by_area if area.silent > 0]
    await query.answer()
    if not lacking:
        await tapped_message(query).answer(_("Tout le monde a répondu à l'alerte n° {id}.").format(
            id=callback_data.alert_id))
        return
    buttons: list[Button] = [
        (_("{area} : {n} sans réponse").format(area=alerts.areas_label([area.arrondissement], _locale()),
                                               n=area.silent)
         + (" ⚠️" if area.state != AreaState.COVERED else ""),
         SilentCb(alert_id=callback_data.alert_id, area=area.arrondissement)) for area in lacking]
    await tapped_message(query).answer(
        _("Qui n'a pas encore répondu ? Choisissez un arrondissement (⚠️ : sous l'objectif)."),
        reply_markup=inline_keyboard(chunked(buttons, 2)))


@router.callback_query(SilentCb.filter(F.action == "list"))
async def silent_people(query: CallbackQuery, callback_data: SilentCb, session: AsyncSession) -> None:
    await alerts.open_alert(session, callback_data.alert_id)
    people = await silent_volunteers(session, callback_data.alert_id, callback_data.area)
    shown, page, pages = page_of(people, callback_data.page, PAGE_SIZE)
    locale = _locale()
    lines = [_("<b>Sans réponse dans le {area}</b> (alerte n° {id}) : {n}").format(
        area=alerts.areas_label([callback_data.area], locale), id=callback_data.alert_id, n=len(people))]
    for person in shown:
        seen = format_when(person.last_seen, locale) if person.last_seen else _("jamais")
        lines.append(_("• {name} — {language} — dernière réponse à une alerte : {seen}").format(
            name=escape(person.name), language=person.locale.upper(), seen=seen))
    rows: list[Row] = [pager_row(page, pages, lambda to: SilentCb(alert_id=callback_data.alert_id,
                                                                   area=callback_data.area, page=to))]
    if people:
        rows.append([(ngettext("✉️ Leur écrire ({n})", "✉️ Leur écrire ({n})", len(people)).format(n=len(people)),
                      SilentCb(alert_id=callback_data.alert_id, area=callback_data.area, action="write"))])
    await query.answer()
    await show(query, "\n".join(lines), inline_keyboard(rows), edit=_is_page(query))


def _is_page(query: CallbackQuery) -> bool:
    """Paging turns a list in place (a list has the "write to them" button); from the area list it opens anew."""
    markup = tapped_message(query).reply_markup
    data = [button.callback_data or "" for row in (markup.inline_keyboard if markup else []) for button in row]
    return any(item.startswith(f"{SilentCb.__prefix__}:") and item.endswith(":write") for item in data)


class SilentMessage(BaseModel):
    alert_id: int
    area: int
    count: int
    text: str | None = None


def _typed_message(text: str, _draft: SilentMessage) -> str:
    text = text.strip()
    if not text:
        raise DomainError(N_("Écrivez le message."))
    if len(text) > alerts.NOTE_MAX:
        raise DomainError(N_("La note est trop longue ({max} caractères au plus)."), max=alerts.NOTE_MAX)
    return text


async def _send_message(context: FormContext, draft: SilentMessage) -> None:
    if not context.data.get("is_coordinator"):
        raise NotAllowed(COORDINATORS_ONLY)
    sent = await escalation.message_silent(context.session, draft.alert_id, draft.area, draft.text or "",
                                           expected=draft.count, now=utcnow())
    await context.message.answer(ngettext("Message envoyé à {n} volontaire.", "Message envoyé à {n} volontaires.",
                                          sent).format(n=sent))


SILENT_MESSAGE: Form[SilentMessage] = Form(
    name="alert_msg",
    draft=SilentMessage,
    steps=[Step("text", lambda d: _("Votre message aux {n} volontaires sans réponse du {area} ? Il partira avec les "
                                    "boutons de réponse à l'alerte.").format(
                    n=d.count, area=alerts.areas_label([d.area], _locale())),
                field="text", parse=_typed_message, edit_label=lambda: _("Modifier le message"))],
    summary=lambda d: _("<b>Message aux sans-réponse du {area}</b> (alerte n° {id})\n\n{text}").format(
        area=alerts.areas_label([d.area], _locale()), id=d.alert_id, text=escape(d.text or "")),
    finish=_send_message,
    confirm_label=lambda d: _("✅ Envoyer à {count}").format(count=d.count),
)


@router.callback_query(SilentCb.filter(F.action == "write"))
async def write_to_silent(query: CallbackQuery, callback_data: SilentCb, session: AsyncSession,
                          state: FSMContext) -> None:
    count = await escalation.count_silent(session, callback_data.alert_id, callback_data.area)
    if count == 0:
        raise DomainError(N_("Tout le monde a répondu dans cet arrondissement."))
    await query.answer()
    await SILENT_MESSAGE.start(tapped_message(query), state,
                               SilentMessage(alert_id=callback_data.alert_id, area=callback_data.area, count=count))


# -- the CSV export ---------------------------------------------------------------------------------------

@router.callback_query(AlertOpCb.filter(F.action == "export"))
async def export_answers(query: CallbackQuery, callback_data: AlertOpCb, session: AsyncSession, user: User) -> None:
    data = await answers_csv(session, callback_data.alert_id, user.locale)
    await query.answer()
    await tapped_message(query).answer_document(
        BufferedInputFile(data.encode("utf-8"), filename=f"alerte-{callback_data.alert_id}.csv"),
        caption=_("Réponses à l'alerte n° {id}, par arrondissement, avec la couverture.").format(
            id=callback_data.alert_id))


# -- "get ready" for tomorrow -----------------------------------------------------------------------------

@router.callback_query(GetReadyCb.filter())
async def get_ready(query: CallbackQuery, callback_data: GetReadyCb, session: AsyncSession, user: User) -> None:
    day = str(callback_data.day)
    try:
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise StaleButton from None
    count = await send_get_ready(session, callback_data.level, when, created_by=user.id, now=utcnow())
    await query.answer()
    text = ngettext("📣 « Préparez-vous » envoyé à {n} volontaire.", "📣 « Préparez-vous » envoyé à {n} volontaires.",
                    count)
    await tapped_message(query).answer(text.format(n=count))
