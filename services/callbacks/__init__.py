"""Every button's wire format (aiogram `CallbackData` factories), one module per feature.

Handlers filter on these; services and jobs import them to put buttons on outbox messages, so nobody
packs a callback string by hand and nothing outside handlers/ imports a handler. Fields are typed and
bounded: a forged or stale value fails to unpack, and the tap gets the one stale-button answer
(handlers/foundation/fallback.py). Prefixes are unique across the bot (tests/foundation/test_shape.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A database id or a Telegram id: what fits a signed 64-bit column (a larger one is forged).
Id = Annotated[int, Field(ge=0, le=2**63 - 1)]
# A page number of a paged list.
Page = Annotated[int, Field(ge=0, le=100_000)]


def button(label: str, data: CallbackData) -> dict[str, Any]:
    """One inline button as a Bot API dict, for messages sent through the outbox."""
    return {"text": label, "callback_data": data.pack()}


def keyboard(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    """An inline keyboard as a Bot API dict (`reply_markup` of an outbox part)."""
    return {"inline_keyboard": [row for row in rows if row]}
