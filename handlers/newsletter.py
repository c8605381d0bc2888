"""The Climate Newsletter: /newsletter for readers (subscribe, unsubscribe, read), and the coordinators' issue desk.

Readers: subscribe in French or English, unsubscribe in one tap (also from every issue), read the latest
and past issues. Coordinators: write an issue per month and language (typed or a .md file), preview,
test through the outbox, choose the other-language fallback, schedule or send now, follow progress.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.middlewares.roles import CoordinatorOnly
from handlers.filters import NOT_A_COMMAND, TYPED_ANSWER
from handlers.ui import tapped_message
from locales import LOCALES, N_
from locales.formatting import format_when
from models.base import utcnow
from models.newsletter import NewsletterIssue
from models.user import User
from services import newsletter, outbox
from services.callbacks.foundation import CoordCb, MenuCb
from services.errors import DomainError, StaleButton

router = Router(name="newsletter")
coordinator_router = Router(name="newsletter_coordinator")
coordinator_router.message.middleware(CoordinatorOnly())
coordinator_router.callback_query.middleware(CoordinatorOnly())
router.include_router(coordinator_router)

LANGUAGE_LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}
LANGUAGE_NAMES = {"fr": N_("français"), "en": N_("anglais")}


class NlCb(CallbackData, prefix="nl"):
    """A reader's button: sub (value = language), unsub, no, latest, past, read (value = month)."""

    action: str
    value: str = ""


class NcCb(CallbackData, prefix="nw"):
    """A coordinator's button on the issue of `month`."""

    action: str
    month: str = ""
    value: str = ""


class IssueDesk(StatesGroup):
    month = State()  # waiting for a typed month
    text = State()  # waiting for the text (or a .md file) of one language
    when = State()  # waiting for a typed send date


# The button every sent issue carries (rendered by services.newsletter, which cannot import aiogram).
assert NlCb(action="unsub").pack() == newsletter.UNSUBSCRIBE_DATA



def _language(code: str) -> str:
    return _(LANGUAGE_NAMES[code])


# -- readers -------------------------------------------------------------------------------------------

async def _reader_panel(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    assert user.id is not None
    subscription = await newsletter.get_subscription(session, user.id)
    builder = InlineKeyboardBuilder()
    lines = [_("📰 <b>Lettre du Climat</b>"),
             _("Chaque mois, les nouvelles du Plan Climat de Paris, écrites par la Ville.")]
    if subscription is not None and subscription.active:
        lines.append(_("Vous êtes abonné, en {language}.").format(language=_language(subscription.locale)))
        other = next(code for code in LOCALES if code != subscription.locale)
        builder.button(text=_("Recevoir en {language}").format(language=_language(other)),
                       callback_data=NlCb(action="sub", value=other))
        builder.button(text=_("Se désabonner"), callback_data=NlCb(action="unsub"))
    else:
        lines.append(_("Vous n'êtes pas abonné. Dans quelle langue voulez-vous la recevoir ?"))
        for code in LOCALES:
            builder.button(text=LANGUAGE_LABELS[code], callback_data=NlCb(action="sub", value=code))
    builder.button(text=_("📖 Dernière lettre"), callback_data=NlCb(action="latest"))
    builder.button(text=_("🗂 Lettres précédentes"), callback_data=NlCb(action="past"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(2, 1, 1, 1, 1)
    return "\n".join(lines), builder.as_markup()


async def show_reader_panel(message: Message, session: AsyncSession, user: User) -> None:
    text, markup = await _reader_panel(session, user)
    await message.answer(text, reply_markup=markup)


@router.message(Command("newsletter"))
async def newsletter_command(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    await state.clear()
    await show_reader_panel(message, session, user)


@router.callback_query(MenuCb.filter(F.item == "newsletter"))
async def newsletter_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    await show_reader_panel(tapped_message(query), session, user)


async def offer_after_signup(message: Message, session: AsyncSession, user: User) -> None:
    """After a Climate Volunteer's signup: offer the newsletter in their language, unless they already read it."""
    if not user.climate_volunteer or user.id is None:
        return
    subscription = await newsletter.get_subscription(session, user.id)
    if subscription is not None and subscription.active:
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ S'abonner"), callback_data=NlCb(action="sub", value=user.locale))
    builder.button(text=_("Non merci"), callback_data=NlCb(action="no"))
    await message.answer(_("📰 Voulez-vous recevoir chaque mois la <b>Lettre du Climat</b> de la Ville ? "
                           "Vous pourrez vous désabonner d'un geste."), reply_markup=builder.as_markup())


@router.callback_query(NlCb.filter(F.action == "sub"))
async def subscribe(query: CallbackQuery, callback_data: NlCb, session: AsyncSession, user: User) -> None:
    if callback_data.value not in LOCALES:
        raise StaleButton
    await newsletter.subscribe(session, user, callback_data.value)
    await query.answer()
    text, markup = await _reader_panel(session, user)
    confirmation = _("✅ C'est fait : vous recevrez la Lettre du Climat en {language}.").format(
        language=_language(callback_data.value))
    await tapped_message(query).answer(f"{confirmation}\n\n{text}", reply_markup=markup)


@router.callback_query(NlCb.filter(F.action == "unsub"))
async def unsubscribe(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    """One tap, from the panel or from any issue: no confirmation step to get through."""
    was_subscribed = await newsletter.unsubscribe(session, user)
    await query.answer()
    if was_subscribed:
        await tapped_message(query).answer(_("Vous êtes désabonné de la Lettre du Climat. Pour vous réabonner : "
                                          "/newsletter"))
    else:
        await tapped_message(query).answer(_("Vous n'êtes pas abonné à la Lettre du Climat. Pour vous abonner : "
                                          "/newsletter"))


@router.callback_query(NlCb.filter(F.action == "no"))
async def decline(query: CallbackQuery) -> None:
    await query.answer()
    await tapped_message(query).answer(_("C'est noté. Vous pourrez vous abonner quand vous voudrez avec /newsletter."))


async def _send_issue_to_reader(message: Message, session: AsyncSession, user: User, issue: NewsletterIssue) -> None:
    assert user.id is not None
    subscription = await newsletter.get_subscription(session, user.id)
    reader = subscription.locale if subscription is not None and subscription.active else user.locale
    # In the archive any written language is better than nothing.
    language = newsletter.language_for(issue, reader) or next(
        code for code in LOCALES if newsletter.has_language(issue, code))
    for part in newsletter.render(issue, language, reader_locale=reader):
        await message.answer(part)


@router.callback_query(NlCb.filter(F.action == "latest"))
async def read_latest(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    issues = await newsletter.sent_issues(session, limit=1)
    if not issues:
        await tapped_message(query).answer(_("Aucune lettre n'a encore été publiée."))
        return
    await _send_issue_to_reader(tapped_message(query), session, user, issues[0])


@router.callback_query(NlCb.filter(F.action == "past"))
async def list_past(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    issues = await newsletter.sent_issues(session)
    if not issues:
        await tapped_message(query).answer(_("Aucune lettre n'a encore été publiée."))
        return
    builder = InlineKeyboardBuilder()
    for issue in issues:
        builder.button(text=newsletter.month_label(issue.month, user.locale),
                       callback_data=NlCb(action="read", value=issue.month))
    builder.adjust(2)
    await tapped_message(query).answer(_("Quelle lettre voulez-vous relire ?"), reply_markup=builder.as_markup())


@router.callback_query(NlCb.filter(F.action == "read"))
async def read_past(query: CallbackQuery, callback_data: NlCb, session: AsyncSession, user: User) -> None:
    issue = await newsletter.get_issue(session, callback_data.value)
    if issue is None or issue.sent_at is None:  # forged, or not published: never show a draft
        raise StaleButton
    await query.answer()
    await _send_issue_to_reader(tapped_message(query), session, user, issue)


# -- coordinators: the issue desk ----------------------------------------------------------------------

def _status(issue: NewsletterIssue | None, locale: str) -> str:
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
    builder = InlineKeyboardBuilder()
    issues = await newsletter.recent_issues(session, limit=6)
    for issue in issues:
        lines.append(f"• {escape(newsletter.month_label(issue.month, user.locale))} : {_status(issue, user.locale)}")
        builder.button(text=newsletter.month_label(issue.month, user.locale),
                       callback_data=NcCb(action="open", month=issue.month))
    for missed in await newsletter.missed_issues(session, utcnow()):
        lines.append(_("⚠️ {month} n'est pas partie à l'heure prévue (le bot était arrêté) : envoyez-la "
                       "maintenant ou choisissez une autre date.").format(month=missed.month))
    builder.button(text=_("➕ Préparer une lettre"), callback_data=NcCb(action="new"))
    builder.button(text=_("« Menu coordinateur"), callback_data=MenuCb(item="coord"))
    builder.adjust(*[3] * (len(issues) // 3), *([len(issues) % 3] if len(issues) % 3 else []), 1, 1)
    return "\n".join(lines), builder.as_markup()


@coordinator_router.callback_query(CoordCb.filter(F.item == "newsletter"))
async def open_desk(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    text, markup = await _desk(session, user)
    await tapped_message(query).answer(text, reply_markup=markup)


async def _issue_panel(session: AsyncSession, month: str, user: User) -> tuple[str, InlineKeyboardMarkup]:
    issue = await newsletter.get_issue(session, month)
    lines = [_("📰 <b>Lettre du Climat — {month}</b>").format(month=escape(newsletter.month_label(month, user.locale)))]
    for code in LOCALES:
        if issue is not None and newsletter.has_language(issue, code):
            parts = len(newsletter.render(issue, code))
            title = escape(getattr(issue, f"title_{code}"))
            lines.append(_("{flag} « {title} » ({parts} message(s))").format(
                flag=LANGUAGE_LABELS[code][:2], title=title, parts=parts))
        else:
            lines.append(_("{flag} à écrire").format(flag=LANGUAGE_LABELS[code][:2]))
    lines.append(_("État : {status}").format(status=_status(issue, user.locale)))
    fallback = issue is not None and issue.allow_fallback
    lines.append(_("Langue manquante : les lecteurs reçoivent l'autre langue.") if fallback
                 else _("Langue manquante : la lettre ne peut pas partir."))
    builder = InlineKeyboardBuilder()
    sent = issue is not None and issue.sent_at is not None
    if not sent:
        for code in LOCALES:
            builder.button(text=_("✍️ Texte {flag}").format(flag=LANGUAGE_LABELS[code][:2]),
                           callback_data=NcCb(action="text", month=month, value=code))
    if issue is not None:
        for code in LOCALES:
            builder.button(text=_("👁 Aperçu {flag}").format(flag=LANGUAGE_LABELS[code][:2]),
                           callback_data=NcCb(action="preview", month=month, value=code))
        for code in LOCALES:
            builder.button(text=_("🧪 Test {flag}").format(flag=LANGUAGE_LABELS[code][:2]),
                           callback_data=NcCb(action="test", month=month, value=code))
    if issue is not None and not sent:
        builder.button(text=_("↔️ Langue manquante : envoyer l'autre") if not fallback
                       else _("↔️ Langue manquante : ne pas envoyer"),
                       callback_data=NcCb(action="fallback", month=month, value="0" if fallback else "1"))
        builder.button(text=_("📅 Programmer"), callback_data=NcCb(action="schedule", month=month))
        builder.button(text=_("🚀 Envoyer maintenant"), callback_data=NcCb(action="now", month=month))
        if issue.send_at is not None:
            builder.button(text=_("Annuler la programmation"), callback_data=NcCb(action="unschedule", month=month))
    if sent:
        builder.button(text=_("📊 Progression"), callback_data=NcCb(action="progress", month=month))
    builder.button(text=_("« Lettre du Climat"), callback_data=CoordCb(item="newsletter"))
    builder.adjust(2, 2, 2, 1)
    return "\n".join(lines), builder.as_markup()


async def show_issue_panel(message: Message, session: AsyncSession, month: str, user: User) -> None:
    text, markup = await _issue_panel(session, month, user)
    await message.answer(text, reply_markup=markup)


@coordinator_router.callback_query(NcCb.filter(F.action == "new"))
async def ask_month(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.set_state(IssueDesk.month)
    builder = InlineKeyboardBuilder()
    for month in newsletter.upcoming_months(utcnow()):
        builder.button(text=newsletter.month_label(month, user.locale), callback_data=NcCb(action="open", month=month))
    await tapped_message(query).answer(_("Pour quel mois ? Touchez un mois ou écrivez-le (AAAA-MM)."),
                                    reply_markup=builder.as_markup())


@coordinator_router.message(IssueDesk.month, TYPED_ANSWER)
async def typed_month(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    try:
        month = newsletter.parse_month(message.text or "")
        newsletter.check_month_open(month, utcnow())
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.clear()
    await show_issue_panel(message, session, month, user)


@coordinator_router.callback_query(NcCb.filter(F.action == "open"))
async def open_issue(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User,
                     state: FSMContext) -> None:
    try:
        month = newsletter.parse_month(callback_data.month)
        if await newsletter.get_issue(session, month) is None:
            newsletter.check_month_open(month, utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await show_issue_panel(tapped_message(query), session, month, user)


@coordinator_router.callback_query(NcCb.filter(F.action == "text"))
async def ask_text(query: CallbackQuery, callback_data: NcCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in LOCALES:
        raise StaleButton
    try:
        newsletter.check_month_open(newsletter.parse_month(callback_data.month), utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    await state.set_state(IssueDesk.text)
    await state.update_data(month=callback_data.month, language=callback_data.value)
    await tapped_message(query).answer(_(
        "Envoyez le texte en {language} : la première ligne est le titre, la suite le corps de la lettre.\n"
        "Mise en forme Markdown : **gras**, *italique*, [lien](https://…), listes avec « - ».\n"
        "Vous pouvez aussi envoyer un fichier .md. /cancel pour abandonner."
    ).format(language=_language(callback_data.value)))


async def _save_text(message: Message, state: FSMContext, session: AsyncSession, user: User, source: str) -> None:
    data = await state.get_data()
    month, language = str(data.get("month", "")), str(data.get("language", ""))
    try:
        text = newsletter.parse_document(source)
        await newsletter.save_text(session, month, language, text, now=utcnow(), created_by=user.id)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.clear()
    await message.answer(_("✅ Texte en {language} enregistré.").format(language=_language(language)))
    await show_issue_panel(message, session, month, user)


@coordinator_router.message(IssueDesk.text, TYPED_ANSWER)
async def typed_text(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    await _save_text(message, state, session, user, message.text or "")


@coordinator_router.message(IssueDesk.text, F.document)
async def uploaded_text(message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot) -> None:
    document = message.document
    assert document is not None
    try:
        newsletter.check_upload(document.file_name, document.file_size or 0)
        buffer = BytesIO()
        await bot.download(document, destination=buffer)
        source = newsletter.decode_upload(document.file_name, buffer.getvalue())
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await _save_text(message, state, session, user, source)


@coordinator_router.message(IssueDesk.text, NOT_A_COMMAND)
async def not_a_text(message: Message) -> None:
    await message.answer(_("Envoyez le texte de la lettre, ou un fichier .md (/cancel pour abandonner)."))


@coordinator_router.callback_query(NcCb.filter(F.action == "preview"))
async def preview(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    issue = await newsletter.get_issue(session, callback_data.month)
    if issue is None or callback_data.value not in LOCALES:
        raise StaleButton
    if not newsletter.has_language(issue, callback_data.value):
        await query.answer(_("La version {language} n'est pas encore écrite.").format(
            language=callback_data.value.upper()), show_alert=True)
        return
    await query.answer()
    for part in newsletter.render(issue, callback_data.value):
        await tapped_message(query).answer(part)


@coordinator_router.callback_query(NcCb.filter(F.action == "test"))
async def send_test(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    if callback_data.value not in LOCALES:
        raise StaleButton
    try:
        await newsletter.send_test(session, callback_data.month, callback_data.value,
                                   chat_id=query.from_user.id, user_id=user.id)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(_("Test envoyé : il arrive ici, par la file d'envoi, comme chez les lecteurs."),
                       show_alert=True)


@coordinator_router.callback_query(NcCb.filter(F.action == "fallback"))
async def toggle_fallback(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    try:
        await newsletter.set_fallback(session, callback_data.month, callback_data.value == "1")
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    text, markup = await _issue_panel(session, callback_data.month, user)
    await tapped_message(query).edit_text(text, reply_markup=markup)


@coordinator_router.callback_query(NcCb.filter(F.action == "schedule"))
async def ask_when(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User,
                   state: FSMContext, settings: Settings) -> None:
    try:
        _issue, readers = await newsletter.check_sendable(session, callback_data.month)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    await state.set_state(IssueDesk.when)
    await state.update_data(month=callback_data.month)
    builder = InlineKeyboardBuilder()
    default = newsletter.default_send_at(callback_data.month, utcnow(), weekday=settings.newsletter_weekday,
                                         clock=settings.newsletter_time)
    if default is not None:
        builder.button(text=_("✅ {when}").format(when=format_when(default, user.locale)),
                       callback_data=NcCb(action="when", month=callback_data.month,
                                          value=str(int(default.timestamp()))))
    await tapped_message(query).answer(_(
        "Quand envoyer la lettre à ses {readers} lecteurs ? Touchez la date proposée ou écrivez-en une : "
        "AAAA-MM-JJ HH:MM, heure de Paris."
    ).format(readers=readers), reply_markup=builder.as_markup())


async def _schedule(message: Message, state: FSMContext, session: AsyncSession, user: User, month: str,
                    send_at: datetime, chat_id: int) -> str | None:
    """Schedule and confirm; the refusal text if a rule says no."""
    try:
        issue = await newsletter.schedule(session, month, send_at, now=utcnow(), report_chat_id=chat_id)
    except DomainError as error:
        return error.render(user.locale)
    await state.clear()
    assert issue.send_at is not None
    await message.answer(_("📅 La lettre de {month} partira le {when}.").format(
        month=escape(newsletter.month_label(month, user.locale)), when=format_when(issue.send_at, user.locale)))
    await show_issue_panel(message, session, month, user)
    return None


@coordinator_router.callback_query(NcCb.filter(F.action == "when"))
async def chose_when(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User,
                     state: FSMContext) -> None:
    try:
        send_at = datetime.fromtimestamp(int(callback_data.value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise StaleButton from None
    refusal = await _schedule(tapped_message(query), state, session, user, callback_data.month, send_at,
                              query.from_user.id)
    await query.answer(refusal, show_alert=refusal is not None)


@coordinator_router.message(IssueDesk.when, TYPED_ANSWER)
async def typed_when(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    month = str((await state.get_data()).get("month", ""))
    try:
        send_at = newsletter.parse_send_at(message.text or "")
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    refusal = await _schedule(message, state, session, user, month, send_at, message.chat.id)
    if refusal is not None:
        await message.answer(refusal)


@coordinator_router.callback_query(NcCb.filter(F.action == "unschedule"))
async def unschedule(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    try:
        await newsletter.unschedule(session, callback_data.month)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer(_("La lettre n'est plus programmée."))
    await show_issue_panel(tapped_message(query), session, callback_data.month, user)


@coordinator_router.callback_query(NcCb.filter(F.action == "now"))
async def confirm_now(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    try:
        _issue, readers = await newsletter.check_sendable(session, callback_data.month)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🚀 Oui, envoyer"), callback_data=NcCb(action="now_ok", month=callback_data.month))
    builder.button(text=_("Annuler"), callback_data=NcCb(action="open", month=callback_data.month))
    await tapped_message(query).answer(_("Envoyer la lettre de {month} maintenant à {readers} lecteurs ?").format(
        month=escape(newsletter.month_label(callback_data.month, user.locale)), readers=readers),
        reply_markup=builder.as_markup())


@coordinator_router.callback_query(NcCb.filter(F.action == "now_ok"))
async def send_now(query: CallbackQuery, callback_data: NcCb, session: AsyncSession, user: User) -> None:
    try:
        _campaign, enqueued = await newsletter.send_now(session, callback_data.month, now=utcnow(),
                                                        report_chat_id=query.from_user.id)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📊 Progression"), callback_data=NcCb(action="progress", month=callback_data.month))
    await tapped_message(query).answer(_("🚀 C'est parti : {count} lecteurs dans la file d'envoi.").format(
        count=enqueued), reply_markup=builder.as_markup())


@coordinator_router.callback_query(NcCb.filter(F.action == "progress"))
async def show_progress(query: CallbackQuery, callback_data: NcCb, session: AsyncSession) -> None:
    issue = await newsletter.get_issue(session, callback_data.month)
    if issue is None or issue.campaign_id is None:
        raise StaleButton
    progress = await outbox.campaign_progress(session, issue.campaign_id)
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔄 Actualiser"), callback_data=NcCb(action="progress", month=callback_data.month))
    text = _("📊 Lettre {month} : {sent} envoyées sur {total}, {pending} en attente, {unreachable} injoignables, "
             "{failed} en échec.").format(month=issue.month, sent=progress.sent, total=progress.total,
                                           pending=progress.pending, unreachable=progress.unreachable,
                                           failed=progress.failed)
    await tapped_message(query).answer(text, reply_markup=builder.as_markup())
