"""One way to refuse: a broken rule, a stale button or a forged one gets one answer, and changes nothing.

Outer middleware on messages and button taps, after the session, user and i18n middlewares:
- a `DomainError` raised anywhere below rolls the update's transaction back and is told to the user in
  their language: an alert under the button they tapped, or a message;
- a button on a message Telegram no longer shows us (`InaccessibleMessage`, date 0) is a stale button;
- typed text is normalised to NFC first ("José" typed in decomposed form is the same name).
Rule for handlers: raise before you speak (a reply already sent cannot be taken back).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import get_i18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares import Handler
from services.errors import DomainError, StaleButton


def on_inaccessible_message(query: CallbackQuery) -> bool:
    """A tap under a message Telegram reports as inaccessible (too old, deleted): nothing to act on."""
    if query.message is None:
        return query.inline_message_id is None
    return not isinstance(query.message, Message)


class RenderRefusals(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.text and not unicodedata.is_normalized("NFC", event.text):
            event = event.model_copy(update={"text": unicodedata.normalize("NFC", event.text)})
        try:
            if isinstance(event, CallbackQuery) and on_inaccessible_message(event):
                raise StaleButton
            return await handler(event, data)
        except DomainError as error:
            text = error.render(get_i18n().current_locale)  # before the rollback expires the user's row
            session: AsyncSession | None = data.get("session")
            if session is not None:
                await session.rollback()
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            elif isinstance(event, Message):
                await event.answer(text)
            return None
