"""Last resort: never silence. Unknown text, stickers, old or forged buttons, and errors."""

from __future__ import annotations

import logging
import traceback

from aiogram import Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from bot.middlewares.roles import COORDINATORS_ONLY
from handlers.foundation.commands import coordinator_only_commands
from locales import normalize_locale, t
from services.errors import STALE_BUTTON

router = Router(name="fallback")
log = logging.getLogger(__name__)


def _command_name(text: str | None) -> str | None:
    """"/night_new@ParisBot 2027-02-01" → "night_new"."""
    if not text or not text.startswith("/"):
        return None
    words = text[1:].split(maxsplit=1)
    return words[0].partition("@")[0] if words else None


@router.message()
async def not_understood(message: Message, state: FSMContext) -> None:
    if _command_name(message.text) in coordinator_only_commands():
        # a coordinator's command typed by someone else (their guard passed it on: see bot/middlewares/roles.py)
        await message.answer(_(COORDINATORS_ONLY))
    elif await state.get_state() is not None:
        await message.answer(_("Je n'ai pas compris. Répondez avec les boutons ci-dessus, ou /cancel pour "
                               "abandonner."))
    else:
        await message.answer(_("Je n'ai pas compris. Tapez /menu pour voir ce que je sais faire."))


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    """An old, unknown or forged button: it does nothing, and we say so."""
    await query.answer(_(STALE_BUTTON), show_alert=True)


@router.errors(ExceptionTypeFilter(Exception))
async def unexpected_error(event: ErrorEvent, update_attempt: int = 1) -> None:
    """Apologise once (on the update's first attempt), then let the failure stand: the update store
    (bot/webhook.py UpdateProcessor, polling too) retries it after its lease and sets it aside after
    inbox.MAX_ATTEMPTS. The apology goes through ReliableCalls, so flood control does not lose it."""
    # Type and update id only: the exception text may quote what the user wrote.
    where = traceback.extract_tb(event.exception.__traceback__)[-1] if event.exception.__traceback__ else None
    log.error("update %s failed: %s at %s:%s", event.update.update_id, type(event.exception).__name__,
              where.filename if where else "?", where.lineno if where else "?",
              exc_info=log.isEnabledFor(logging.DEBUG))
    if isinstance(event.exception, TelegramForbiddenError):
        return  # the person blocked the bot: nothing to apologise to, nothing to retry
    if update_attempt == 1:
        await _apologise(event)
    raise event.exception


async def _apologise(event: ErrorEvent) -> None:
    # Errors are handled outside the i18n and session middlewares: translate by Telegram's language_code.
    sender = (event.update.callback_query or event.update.message)
    locale = normalize_locale(sender.from_user.language_code if sender and sender.from_user else None)
    text = t(locale, "Désolé, quelque chose s'est mal passé. Rien n'a été perdu ; réessayez dans un instant.")
    try:
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text)
    except TelegramAPIError as error:  # the query may have been answered or expired already
        log.warning("update %s: the apology could not be sent (%s)", event.update.update_id,
                    type(error).__name__)
