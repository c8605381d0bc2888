"""Buttons under delivered notices: unsubscribe in one tap, turn a digest's pages, ⭐ follow a call."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import tapped_message
from models.base import utcnow
from models.user import User
from services.callbacks.procurement import DigestPageCb, FollowCb, UnsubscribeCb
from services.procurement import deadlines
from services.procurement import subscriptions as tenders

router = Router(name="procurement-notices")


@router.callback_query(UnsubscribeCb.filter())
async def unsubscribe(query: CallbackQuery, callback_data: UnsubscribeCb, session: AsyncSession, user: User) -> None:
    """The button under every delivered notice: one tap deletes that subscription."""
    await tenders.delete_subscription(session, user, callback_data.subscription_id)
    await query.answer(_("Vous êtes désabonné."))
    message = tapped_message(query)
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(_("🔕 Abonnement supprimé : vous ne recevrez plus ces avis. /tenders pour gérer vos "
                           "abonnements."))


@router.callback_query(DigestPageCb.filter())
async def digest_page(query: CallbackQuery, callback_data: DigestPageCb, session: AsyncSession, user: User) -> None:
    digest = await tenders.get_own_digest(session, user, callback_data.digest_id)
    await query.answer()
    text, markup = await tenders.digest_page(session, digest, callback_data.page, user.locale, utcnow())
    await tapped_message(query).edit_text(text, reply_markup=InlineKeyboardMarkup.model_validate(markup)
                                       if markup else None)


@router.callback_query(FollowCb.filter())
async def follow_notice(query: CallbackQuery, callback_data: FollowCb, session: AsyncSession, user: User) -> None:
    """⭐ under a delivered call: follow it (reminders 3 days and 1 day before its deadline), or stop."""
    if callback_data.action == "on":
        notice = await deadlines.follow(session, user, callback_data.notice, utcnow())
        answer = _("⭐ Suivi : un rappel 3 jours puis 1 jour avant la date limite ({deadline}).").format(
            deadline=tenders.deadline_label(notice, user.locale))
        swapped = FollowCb(action="off", notice=callback_data.notice)
        label = _("☆ Ne plus suivre")
    else:
        await deadlines.unfollow(session, user, callback_data.notice)
        answer = _("Vous ne suivez plus cet avis.")
        swapped = FollowCb(action="on", notice=callback_data.notice)
        label = _("⭐ Suivre (rappels avant la date limite)")
    await query.answer(answer[:200])
    message = tapped_message(query)
    if message.reply_markup is not None:
        rows = [[InlineKeyboardButton(text=label, callback_data=swapped.pack())
                 if button.callback_data == callback_data.pack() else button for button in row]
                for row in message.reply_markup.inline_keyboard]
        await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
