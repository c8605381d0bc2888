"""/newsletter for readers: subscribe in French or English, unsubscribe in one tap (also from every issue),
read the latest issue and the archive."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import Row, chunked, inline_keyboard, menu_button, page_of, pager_row, show, tapped_message
from locales import LOCALES, N_
from models.newsletter import NewsletterIssue
from models.user import User
from services import newsletter
from services.callbacks.foundation import MenuCb
from services.callbacks.newsletter import ArchiveCb, ReadCb, ReaderCb
from services.errors import StaleButton

router = Router(name="newsletter_reader")

LANGUAGE_LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}
LANGUAGE_NAMES = {"fr": N_("français"), "en": N_("anglais")}
ARCHIVE_PAGE = 6


def language_name(code: str) -> str:
    return _(LANGUAGE_NAMES[code])


async def _reader_panel(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    assert user.id is not None
    subscription = await newsletter.get_subscription(session, user.id)
    lines = [_("📰 <b>Lettre du Climat</b>"),
             _("Chaque mois, les nouvelles du Plan Climat de Paris, écrites par la Ville.")]
    rows: list[Row]
    if subscription is not None and subscription.active:
        lines.append(_("Vous êtes abonné, en {language}.").format(language=language_name(subscription.locale)))
        other = next(code for code in LOCALES if code != subscription.locale)
        rows = [[(_("Recevoir en {language}").format(language=language_name(other)),
                  ReaderCb(action="sub", value=other)),  # type: ignore[arg-type]
                 (_("Se désabonner"), ReaderCb(action="unsub"))],
                [(_("✍️ Contribuer à la prochaine lettre"), ReaderCb(action="contribute"))]]
    else:
        lines.append(_("Vous n'êtes pas abonné. Dans quelle langue voulez-vous la recevoir ?"))
        rows = [[(LANGUAGE_LABELS[code], ReaderCb(action="sub", value=code)) for code in LOCALES]]  # type: ignore[arg-type]
    rows += [[(_("📖 Dernière lettre"), ReaderCb(action="latest"))],
             [(_("🗂 Lettres précédentes"), ArchiveCb(page=0))],
             [menu_button()]]
    return "\n".join(lines), inline_keyboard(rows)


async def show_reader_panel(message: Message, session: AsyncSession, user: User) -> None:
    text, markup = await _reader_panel(session, user)
    await message.answer(text, reply_markup=markup)


@router.message(Command("newsletter"))
async def newsletter_command(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    await state.clear()
    await show_reader_panel(message, session, user)


@router.callback_query(MenuCb.filter(F.item == "newsletter"))
async def newsletter_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    await show_reader_panel(message, session, user)


async def offer_after_signup(message: Message, session: AsyncSession, user: User) -> None:
    """After a Climate Volunteer's signup: offer the newsletter in their language, unless they already read it."""
    if not user.climate_volunteer or user.id is None:
        return
    subscription = await newsletter.get_subscription(session, user.id)
    if subscription is not None and subscription.active:
        return
    markup = inline_keyboard([[(_("✅ S'abonner"), ReaderCb(action="sub", value=user.locale)),  # type: ignore[arg-type]
                               (_("Non merci"), ReaderCb(action="no"))]])
    await message.answer(_("📰 Voulez-vous recevoir chaque mois la <b>Lettre du Climat</b> de la Ville ? "
                           "Vous pourrez vous désabonner d'un geste."), reply_markup=markup)


@router.callback_query(ReaderCb.filter(F.action == "sub"))
async def subscribe(query: CallbackQuery, callback_data: ReaderCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    if not callback_data.value:
        raise StaleButton
    await newsletter.subscribe(session, user, callback_data.value)
    await query.answer()
    text, markup = await _reader_panel(session, user)
    confirmation = _("✅ C'est fait : vous recevrez la Lettre du Climat en {language}.").format(
        language=language_name(callback_data.value))
    await message.answer(f"{confirmation}\n\n{text}", reply_markup=markup)


@router.callback_query(ReaderCb.filter(F.action == "unsub"))
async def unsubscribe(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    """One tap, from the panel or from any issue: no confirmation step to get through."""
    message = tapped_message(query)
    was_subscribed = await newsletter.unsubscribe(session, user)
    await query.answer()
    if was_subscribed:
        await message.answer(_("Vous êtes désabonné de la Lettre du Climat. Pour vous réabonner : /newsletter"))
    else:
        await message.answer(_("Vous n'êtes pas abonné à la Lettre du Climat. Pour vous abonner : /newsletter"))


@router.callback_query(ReaderCb.filter(F.action == "no"))
async def decline(query: CallbackQuery) -> None:
    message = tapped_message(query)
    await query.answer()
    await message.answer(_("C'est noté. Vous pourrez vous abonner quand vous voudrez avec /newsletter."))


async def _send_issue_to_reader(message: Message, session: AsyncSession, user: User, issue: NewsletterIssue) -> None:
    """The issue in the reader's language; its last part ends with a way on (the archive, the menu)."""
    assert user.id is not None
    subscription = await newsletter.get_subscription(session, user.id)
    reader = subscription.locale if subscription is not None and subscription.active else user.locale
    parts = await newsletter.read_again(session, issue, reader)
    for part in parts[:-1]:
        await message.answer(part)
    await message.answer(parts[-1], reply_markup=inline_keyboard([
        [(_("🗂 Lettres précédentes"), ArchiveCb(page=0)), menu_button()]]))


@router.callback_query(ReaderCb.filter(F.action == "latest"))
async def read_latest(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    issues = await newsletter.sent_issues(session, limit=1)
    if not issues:
        await message.answer(_("Aucune lettre n'a encore été publiée."))
        return
    await _send_issue_to_reader(message, session, user, issues[0])


@router.callback_query(ArchiveCb.filter())
async def list_past(query: CallbackQuery, callback_data: ArchiveCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    issues = await newsletter.sent_issues(session, limit=None)
    if not issues:
        await message.answer(_("Aucune lettre n'a encore été publiée."))
        return
    shown, page, pages = page_of(issues, callback_data.page, ARCHIVE_PAGE)
    buttons = [(newsletter.month_label(issue.month, user.locale), ReadCb(month=issue.month)) for issue in shown]
    rows = [*chunked(buttons, 2), pager_row(page, pages, lambda number: ArchiveCb(page=number, how="turn")),
            [menu_button()]]
    await show(query, _("Quelle lettre voulez-vous relire ?"), inline_keyboard(rows),
               edit=callback_data.how == "turn")


@router.callback_query(ReadCb.filter())
async def read_past(query: CallbackQuery, callback_data: ReadCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    issue = await newsletter.get_issue(session, callback_data.month)
    if issue is None or issue.sent_at is None:  # forged, or not published: never show a draft
        raise StaleButton
    await query.answer()
    await _send_issue_to_reader(message, session, user, issue)
