"""Inline keyboards built directly from rows of (label, callback data).

aiogram's InlineKeyboardBuilder deep-copies the whole markup on every `button()`, which is quadratic
in the number of buttons (a 20-button grid costs hundreds of pydantic deep copies, measured as most
of a signup step's CPU). Use this for keyboards with many buttons or on hot paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

Row = Sequence[tuple[str, CallbackData | str]]


def inline_keyboard(rows: Iterable[Row]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data.pack() if isinstance(data, CallbackData) else data)
         for label, data in row]
        for row in rows if row
    ])


def chunked(buttons: Sequence[tuple[str, CallbackData | str]], width: int) -> list[Row]:
    """Lay buttons out `width` to a row."""
    return [buttons[index:index + width] for index in range(0, len(buttons), width)]
