"""Buttons of the Climate Newsletter: the readers' panel and archive, and the coordinators' issue desk.

Buttons already sent keep working: the readers' "Unsubscribe" under every past issue is `nl:unsub:`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.callbacks import Id, Page

# "2026-12"; empty where the action needs no month.
Month = Annotated[str, Field(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")]
Language = Literal["fr", "en"]


class ReaderCb(CallbackData, prefix="nl"):
    """A reader's button: subscribe in a language, unsubscribe, decline the offer, read the latest issue."""

    action: Literal["sub", "unsub", "no", "latest", "contribute"]
    value: Literal["", "fr", "en"] = ""


class ArchiveCb(CallbackData, prefix="na"):
    """A page of the archive of sent issues: opened as a new message, turned in place."""

    page: Page = 0
    how: Literal["open", "turn"] = "open"


class ReadCb(CallbackData, prefix="nr"):
    """Read a sent issue again."""

    month: Month


class DeskCb(CallbackData, prefix="nw"):
    """A coordinator's button on the issue of `month` (or the desk's own, with no month)."""

    action: Literal["new", "open", "text", "preview", "test", "fallback", "schedule", "when", "unschedule",
                    "now", "now_ok", "progress"]
    month: Month = ""
    # a language (text, preview, test), "0"/"1" (fallback) or a UNIX time (when)
    value: Annotated[str, Field(pattern=r"^(|fr|en|[0-9]{1,11})$")] = ""


class ContributionCb(CallbackData, prefix="nk"):
    """A coordinator reviewing subscribers' contributions: the next one, accept, decline (then the note), see
    its photo."""

    action: Literal["review", "accept", "decline", "note", "photo"]
    id: Id = 0
    note: Literal["", "theme", "space", "already"] = ""
