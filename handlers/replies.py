"""Small reply helpers every feature needs."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message


async def drop_keyboard(message: Message) -> None:
    """Remove a message's buttons once they are used; a second tap (or an old message) is not an error."""
    # Bot API answers 400 "message is not modified" when the keyboard is already gone.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
