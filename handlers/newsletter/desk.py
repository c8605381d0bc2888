"""The coordinators' issue desk: write an issue per month and language (typed or a .md file), preview, test
through the outbox, choose the other-language fallback, schedule or send now with the reader count, and
watch the sending live (the broadcast's progress message, then its report)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.delivery import show_live_progress
from handlers.filters import NOT_A_COMMAND, TYPED_ANSWER
from handlers.newsletter.reader import LANGUAGE_LABELS, language_name
from handlers.ui import (
    Button,
    Row,
    chunked,
    confirm_rows,
    drop_keyboard,
    inline_keyboard,
    markdown_upload,
    tapped_message,
)
from locales import LOCALES
from locales.formatting import format_when
from models.base import utcnow
from models.user import User
from services import newsletter, outbox
from services import newsletter_contributions as contributions
from services.callbacks.foundation import CoordCb, MenuCb
from services.callbacks.newsletter import ContributionCb, DeskCb
from services.errors import StaleButton
from services.parsing import MOMENT_EXAMPLE

router = guard(Router(name="newsletter_desk"), CoordinatorOnly())


class IssueDesk(StatesGroup):
    month = State()  # waiting for a typed month
    text = State()  # waiting for the text (or a .md file) of one language
    when = State()  # waiting for a typed send date


def _flag(code: str) -> str:
    return LANGUAGE_LABELS[code][:2]


def _status(issue: newsletter.NewsletterIssue | None, locale: str) -> str:
    if issue is None:
        return _("à écrire")
    if issue.sent_at is not None:
        return _("envoyée le {when}").format(when=format_when(issue.sent_at, locale))
    if issue.send_at is not None:
        return _("programmée pour le {when}").format(when=format_when(issue.send_at, locale))
    return _("brouillon")


async def _desk(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    counts = await newsletter.subscriber_counts(session)
    lines = [_("📰 <b>Lettre du Climat</b>"),
             _("Abonnés : {fr} en français, {en} en anglais.").format(fr=counts.get("fr", 0), en=counts.get("en", 0))]
    issues = await newsletter.recent_issues(session, limit=6)
    for issue in issues:
        lines.append(f"• {escape(newsletter.month_label(issue.month, user.locale))} : {_status(issue, user.locale)}")
    for missed in await newsletter.missed_issues(session, utcnow()):
        lines.append(_("⚠️ {month} n'est pas partie à l'heure prévue (le bot était arrêté) : envoyez-la "
                       "maintenant ou choisissez une autre date.").format(month=missed.month))
    months: list[Button] = [(newsletter.month_label(issue.month, user.locale), DeskCb(action="open", month=issue.month))
                            for issue in issues]
    waiting = len(await contributions.pending(session))
    rows = [*chunked(months, 3), [(_("➕ Préparer une lettre"), DeskCb(action="new"))],
            [(_("📥 Contributions à relire ({count})").format(count=waiting), ContributionCb(action="review"))]
            if waiting else [],
            [(_("« Menu coordinateur"), MenuCb(item="coord"))]]
    return "\n".join(lines), inline_keyboard(rows)


@router.callback_query(CoordCb.filter(F.item == "newsletter"))
async def open_desk(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    message = tapped_message(query)
    await state.clear()
    await query.answer()
    text, markup = await _desk(session, user)
    await message.answer(text, reply_markup=markup)


async def _language_lines(session: AsyncSession, issue: newsletter.NewsletterIssue | None) -> list[str]:
    lines = []
    for code in LOCALES:
        if issue is not None and newsletter.has_language(issue, code):
            lines.append(_("{flag} « {title} » ({parts} message(s))").format(
                flag=_flag(code), title=escape(getattr(issue, f"title_{code}")),
                parts=len(await newsletter.rendered(session, issue, code))))
        else:
            lines.append(_("{flag} à écrire").format(flag=_flag(code)))
    return lines


async def _issue_panel(session: AsyncSession, month: str, user: User) -> tuple[str, InlineKeyboardMarkup]:
    issue = await newsletter.get_issue(session, month)
    lines = [_("📰 <b>Lettre du Climat — {month}</b>").format(month=escape(newsletter.month_label(month, user.locale))),
             *await _language_lines(session, issue), _("État : {status}").format(status=_status(issue, user.locale))]
    sent = issue is not None and issue.sent_at is not None
    fallback = issue is not None and issue.allow_fallback
    # only an issue still to send with a language missing has anything to say about it
    missing = issue is not None and not sent and bool(newsletter.missing_languages(issue))
    if missing:
        lines.append(_("Langue manquante : les lecteurs reçoivent l'autre langue.") if fallback
                     else _("Langue manquante : la lettre ne peut pas partir."))
    rows: list[Row] = []
    if not sent:
        rows.append([(_("✍️ Texte {flag}").format(flag=_flag(code)), DeskCb(action="text", month=month, value=code))
                     for code in LOCALES])
    if issue is not None:
        rows.append([(_("👁 Aperçu {flag}").format(flag=_flag(code)),
                      DeskCb(action="preview", month=month, value=code)) for code in LOCALES])
        rows.append([(_("🧪 Test {flag}").format(flag=_flag(code)), DeskCb(action="test", month=month, value=code))
                     for code in LOCALES])
    if issue is not None and not sent:
        if missing:
            rows.append([(_("↔️ Langue manquante : envoyer l'autre") if not fallback
                          else _("↔️ Langue manquante : ne pas envoyer"),
                          DeskCb(action="fallback", month=month, value="0" if fallback else "1"))])
        rows.append([(_("📅 Programmer"), DeskCb(action="schedule", month=month)),
                     (_("🚀 Envoyer maintenant"), DeskCb(action="now", month=month))])
        if issue.send_at is not None:
            rows.append([(_("Annuler la programmation"), DeskCb(action="unschedule", month=month))])
    if sent:
        rows.append([(_("📊 Progression"), DeskCb(action="progress", month=month))])
    rows.append([(_("« Lettre du Climat"), CoordCb(item="newsletter"))])
    return "\n".join(lines), inline_keyboard(rows)


async def show_issue_panel(message: Message, session: AsyncSession, month: str, user: User) -> None:
    text, markup = await _issue_panel(session, month, user)
    await message.answer(text, reply_markup=markup)


@router.callback_query(DeskCb.filter(F.action == "new"))
async def ask_month(query: CallbackQuery, state: FSMContext, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    await state.set_state(IssueDesk.month)
    months: list[Button] = [(newsletter.month_label(month, user.locale), DeskCb(action="open", month=month))
                            for month in newsletter.upcoming_months(utcnow())]
    await message.answer(_("Pour quel mois ? Touchez un mois ou écrivez-le (AAAA-MM)."),
                         reply_markup=inline_keyboard([months]))


@router.message(IssueDesk.month, TYPED_ANSWER)
async def typed_month(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    month = newsletter.parse_month(message.text or "")
    newsletter.check_month_open(month, utcnow())
    await state.clear()
    await show_issue_panel(message, session, month, user)


@router.callback_query(DeskCb.filter(F.action == "open"))
async def open_issue(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User,
                     state: FSMContext) -> None:
    message = tapped_message(query)
    month = newsletter.parse_month(callback_data.month)
    await newsletter.access_month(session, month, now=utcnow())
    await state.clear()
    await query.answer()
    await show_issue_panel(message, session, month, user)


@router.callback_query(DeskCb.filter(F.action == "text"))
async def ask_text(query: CallbackQuery, callback_data: DeskCb, state: FSMContext) -> None:
    message = tapped_message(query)
    if callback_data.value not in LOCALES:
        raise StaleButton
    newsletter.check_month_open(newsletter.parse_month(callback_data.month), utcnow())
    await query.answer()
    await state.set_state(IssueDesk.text)
    await state.update_data(month=callback_data.month, language=callback_data.value)
    await message.answer(_(
        "Envoyez le texte en {language} : la première ligne est le titre, la suite le corps de la lettre.\n"
        "Mise en forme Markdown : **gras**, *italique*, [lien](https://…), listes avec « - ».\n"
        "Vous pouvez aussi envoyer un fichier .md. /cancel pour abandonner."
    ).format(language=language_name(callback_data.value)))


async def _save_text(message: Message, state: FSMContext, session: AsyncSession, user: User, source: str) -> None:
    data = await state.get_data()
    month, language = str(data.get("month", "")), str(data.get("language", ""))
    await newsletter.save_text(session, month, language, newsletter.parse_document(source), now=utcnow(),
                               created_by=user.id)
    await state.clear()
    await message.answer(_("✅ Texte en {language} enregistré.").format(language=language_name(language)))
    await show_issue_panel(message, session, month, user)


@router.message(IssueDesk.text, TYPED_ANSWER)
async def typed_text(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    await _save_text(message, state, session, user, message.text or "")


@router.message(IssueDesk.text, F.document)
async def uploaded_text(message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot) -> None:
    await _save_text(message, state, session, user, await markdown_upload(message, bot))


@router.message(IssueDesk.text, NOT_A_COMMAND)
async def not_a_text(message: Message) -> None:
    await message.answer(_("Envoyez le texte de la lettre, ou un fichier .md (/cancel pour abandonner)."))


@router.callback_query(DeskCb.filter(F.action == "preview"))
async def preview(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession) -> None:
    message = tapped_message(query)
    issue = await newsletter.get_issue(session, callback_data.month)
    if issue is None or callback_data.value not in LOCALES:
        raise StaleButton
    newsletter.check_written(issue, callback_data.value)
    await query.answer()
    for part in await newsletter.rendered(session, issue, callback_data.value):
        await message.answer(part)


@router.callback_query(DeskCb.filter(F.action == "test"))
async def send_test(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User) -> None:
    if callback_data.value not in LOCALES:
        raise StaleButton
    await newsletter.send_test(session, callback_data.month, callback_data.value,
                               chat_id=query.from_user.id, user_id=user.id)
    await query.answer(_("Test envoyé : il arrive ici, par la file d'envoi, comme chez les lecteurs."),
                       show_alert=True)


@router.callback_query(DeskCb.filter(F.action == "fallback"))
async def toggle_fallback(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await newsletter.set_fallback(session, callback_data.month, callback_data.value == "1")
    await query.answer()
    text, markup = await _issue_panel(session, callback_data.month, user)
    await message.edit_text(text, reply_markup=markup)


@router.callback_query(DeskCb.filter(F.action == "schedule"))
async def ask_when(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User,
                   state: FSMContext, settings: Settings) -> None:
    message = tapped_message(query)
    _issue, readers = await newsletter.check_sendable(session, callback_data.month)
    await query.answer()
    await state.set_state(IssueDesk.when)
    await state.update_data(month=callback_data.month)
    default = newsletter.default_send_at(callback_data.month, utcnow(), weekday=settings.newsletter_weekday,
                                         clock=settings.newsletter_time)
    rows: list[Row] = []
    if default is not None:
        rows.append([(_("✅ {when}").format(when=format_when(default, user.locale)),
                      DeskCb(action="when", month=callback_data.month, value=str(int(default.timestamp()))))])
    await message.answer(_(
        "Quand envoyer la lettre à ses {readers} lecteurs ? Touchez la date proposée ou écrivez-en une, "
        "heure de Paris, par exemple {example}."
    ).format(readers=readers, example=MOMENT_EXAMPLE), reply_markup=inline_keyboard(rows))


async def _schedule(message: Message, state: FSMContext, session: AsyncSession, user: User, month: str,
                    send_at: datetime, chat_id: int) -> None:
    issue = await newsletter.schedule(session, month, send_at, now=utcnow(), report_chat_id=chat_id)
    await state.clear()
    assert issue.send_at is not None
    await message.answer(_("📅 La lettre de {month} partira le {when}.").format(
        month=escape(newsletter.month_label(month, user.locale)), when=format_when(issue.send_at, user.locale)))
    await show_issue_panel(message, session, month, user)


@router.callback_query(DeskCb.filter(F.action == "when"))
async def chose_when(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User,
                     state: FSMContext) -> None:
    message = tapped_message(query)
    try:
        send_at = datetime.fromtimestamp(int(callback_data.value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise StaleButton from None
    await _schedule(message, state, session, user, callback_data.month, send_at, query.from_user.id)
    await query.answer()


@router.message(IssueDesk.when, TYPED_ANSWER)
async def typed_when(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    month = str((await state.get_data()).get("month", ""))
    await _schedule(message, state, session, user, month, newsletter.parse_send_at(message.text or "", utcnow()),
                    message.chat.id)


@router.callback_query(DeskCb.filter(F.action == "unschedule"))
async def unschedule(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await newsletter.unschedule(session, callback_data.month)
    await query.answer(_("La lettre n'est plus programmée."))
    await show_issue_panel(message, session, callback_data.month, user)


@router.callback_query(DeskCb.filter(F.action == "now"))
async def confirm_now(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    _issue, readers = await newsletter.check_sendable(session, callback_data.month)
    await query.answer()
    rows = confirm_rows(readers, DeskCb(action="now_ok", month=callback_data.month),
                        DeskCb(action="open", month=callback_data.month), action=_("🚀 Oui, envoyer"))
    await message.answer(_("Envoyer la lettre de {month} maintenant à {readers} lecteurs ?").format(
        month=escape(newsletter.month_label(callback_data.month, user.locale)), readers=readers),
        reply_markup=inline_keyboard(rows))


@router.callback_query(DeskCb.filter(F.action == "now_ok"))
async def send_now(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession, user: User) -> None:
    """Enqueue, then the live progress message: edited as the sender goes, then the final report."""
    message = tapped_message(query)
    campaign, enqueued = await newsletter.send_now(session, callback_data.month, now=utcnow(),
                                                   report_chat_id=query.from_user.id, locale=user.locale,
                                                   sent_by=user.id)
    assert campaign.id is not None
    progress = await outbox.campaign_progress(session, campaign.id)
    await query.answer()
    # committed before these calls (CommitBeforeSend): the sender may already be sending
    await drop_keyboard(message)
    await message.answer(_("🚀 C'est parti : {count} lecteurs dans la file d'envoi.").format(count=enqueued),
                         reply_markup=inline_keyboard([[(_("📊 Progression"),
                                                         DeskCb(action="progress", month=callback_data.month))]]))
    await show_live_progress(message, session, campaign, progress, user.locale)


@router.callback_query(DeskCb.filter(F.action == "progress"))
async def show_progress(query: CallbackQuery, callback_data: DeskCb, session: AsyncSession) -> None:
    message = tapped_message(query)
    issue = await newsletter.get_issue(session, callback_data.month)
    if issue is None or issue.campaign_id is None:
        raise StaleButton
    progress = await outbox.campaign_progress(session, issue.campaign_id)
    await query.answer()
    text = _("📊 Lettre {month} : {sent} envoyées sur {total}, {pending} en attente, {unreachable} injoignables, "
             "{failed} en échec.").format(month=issue.month, sent=progress.sent, total=progress.total,
                                           pending=progress.pending, unreachable=progress.unreachable,
                                           failed=progress.failed)
    await message.answer(text, reply_markup=inline_keyboard([
        [(_("🔄 Actualiser"), DeskCb(action="progress", month=callback_data.month))],
        [(_("« Lettre du Climat"), CoordCb(item="newsletter"))]]))
