"""Small reply helpers every feature needs."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _


async def drop_keyboard(message: Message) -> None:
    """Remove a message's buttons once they are used; a second tap (or an old message) is not an error."""
    # Bot API answers 400 "message is not modified" when the keyboard is already gone.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)


def message_of(query: CallbackQuery) -> Message:
    """The message a button was on; our buttons are always on messages the bot sent in a private chat."""
    assert isinstance(query.message, Message)
    return query.message


async def refuse_stale_button(query: CallbackQuery) -> None:
    """An old, forged or no longer applicable button: say so, change nothing."""
    await query.answer(_("Ce bouton n'est plus valable."), show_alert=True)
