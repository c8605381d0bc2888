"""The one kit every screen is drawn with: keyboards, the tapped message, edit-or-send, the pager, the menu
button, toggle lists and the confirmation with a count.

Keyboards are built directly from rows of (label, callback data): aiogram's InlineKeyboardBuilder
deep-copies the whole markup on every `button()`, which is quadratic in the number of buttons (a 20-button
grid cost hundreds of pydantic deep copies, measured as most of a signup step's CPU).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from io import BytesIO
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from services.callbacks.foundation import MenuCb
from services.errors import STALE_BUTTON, StaleButton
from services.markdown_telegram import check_upload, decode_upload

Button = tuple[str, CallbackData | str]
Row = Sequence[Button]
T = TypeVar("T")


def inline_keyboard(rows: Iterable[Row]) -> InlineKeyboardMarkup:
    """A keyboard from rows of (label, callback data); empty rows are dropped."""
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data.pack() if isinstance(data, CallbackData) else data)
         for label, data in row]
        for row in rows if row
    ])


def chunked(buttons: Sequence[Button], width: int) -> list[Row]:
    """Lay buttons out `width` to a row."""
    return [buttons[index:index + width] for index in range(0, len(buttons), width)]


def tapped_message(query: CallbackQuery) -> Message:
    """The message a button was on; a message Telegram no longer shows us makes the button stale."""
    if not isinstance(query.message, Message):
        raise StaleButton
    return query.message


async def show(target: CallbackQuery | Message, text: str, markup: InlineKeyboardMarkup | None = None, *,
               edit: bool = True) -> None:
    """Draw a screen: in place of the tapped message when `edit` (paging, toggling), else as a new message."""
    message = tapped_message(target) if isinstance(target, CallbackQuery) else target
    if edit and isinstance(target, CallbackQuery):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "not modified" in error.message:  # a double tap: it already shows this
                return
            # too old to edit (48 h) or not a text message: a new message does as well
    await message.answer(text, reply_markup=markup)


async def drop_keyboard(message: Message) -> None:
    """Remove a message's buttons once they are used; a second tap (or an old message) is not an error."""
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as error:
        if "not modified" not in error.message and "can't be edited" not in error.message:
            raise


def menu_button() -> Button:
    """Back to the main menu, from anywhere."""
    return _("☰ Menu"), MenuCb(item="home")


def page_of(items: Sequence[T], page: int, size: int) -> tuple[Sequence[T], int, int]:
    """The items of one page, the page (clamped: a list may shrink under an old button) and the page count."""
    pages = max(math.ceil(len(items) / size), 1)
    page = min(max(page, 0), pages - 1)
    return items[page * size:(page + 1) * size], page, pages


def pager_row(page: int, pages: int, to_page: Callable[[int], CallbackData]) -> list[Button]:
    """"‹ 2/5 ›": previous and next where they exist; nothing for a single page."""
    if pages <= 1:
        return []
    row: list[Button] = []
    if page > 0:
        row.append(("‹", to_page(page - 1)))
    row.append((f"{page + 1}/{pages}", to_page(page)))
    if page + 1 < pages:
        row.append(("›", to_page(page + 1)))
    return row


def toggle_rows(options: Sequence[tuple[str, str]], chosen: Collection[str],
                toggle: Callable[[str], CallbackData], width: int = 3) -> list[Row]:
    """Options (value, label) to tick and untick; a ticked one shows ✅."""
    buttons: list[Button] = [(f"{'✅ ' if value in chosen else ''}{label}", toggle(value)) for value, label in options]
    return chunked(buttons, width)


def confirm_rows(count: int, confirm: CallbackData, cancel: CallbackData, *, action: str | None = None) -> list[Row]:
    """The last step before anything reaches many people: the exact count on the button, and a way out.

    `action` is a translated label with `{count}` (default "✅ Envoyer à {count}").
    """
    label = (action or _("✅ Envoyer à {count}")).format(count=count)
    return [[(label, confirm)], [(_("✖ Annuler"), cancel)]]


async def answer_stale(query: CallbackQuery) -> None:
    """The one stale-button answer, for a handler that goes on to show something after it (otherwise raise
    `StaleButton`)."""
    await query.answer(_(STALE_BUTTON), show_alert=True)


async def markdown_upload(message: Message, bot: Bot) -> str:
    """The text of a Markdown file sent as a document: its name and size checked before it is downloaded."""
    document = message.document
    assert document is not None
    check_upload(document.file_name, document.file_size or 0)
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    return decode_upload(document.file_name, buffer.getvalue())
