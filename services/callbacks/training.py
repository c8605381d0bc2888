"""Buttons of the trainings: the volunteer's screens (`tr`), the coordinator's (`ta`), outbox buttons."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id, Page


class TrainingCb(CallbackData, prefix="tr"):
    """A volunteer's screens: the list (a page), one session, book, cancel (asks), drop (confirmed), mine,
    the session's calendar file (ics), announcements of new sessions on or off (notify)."""

    action: Literal["list", "show", "book", "cancel", "drop", "mine", "ics", "notify"]
    id: Id = 0
    page: Page = 0


class AdminCb(CallbackData, prefix="ta"):
    """A coordinator's screens: list, page, new, show, people, edit, cancel (asks), kill (confirmed),
    presence, sheet (a page of it), mark (one booking), export."""

    action: Literal["list", "page", "new", "show", "people", "edit", "cancel", "kill", "presence", "sheet", "mark",
                    "export"]
    id: Id = 0
    booking: Id = 0
    page: Page = 0


class ReplyCb(CallbackData, prefix="ty"):
    """Answers on outbox messages: the day-before question (coming, notcoming) and the feedback after (1-3)."""

    answer: Literal["coming", "notcoming", "1", "2", "3"]
    id: Id
