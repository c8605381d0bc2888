"""Buttons of the trainings: the volunteer's screens (`tr`), the coordinator's (`ta`), outbox buttons."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id, Page


class TrainingCb(CallbackData, prefix="tr"):
    """A volunteer's screens: the list (a page), one session, book, cancel (asks), drop (confirmed), mine;
    the day-before answers (coming / not coming) and the one-tap feedback after the session."""

    action: Literal["list", "show", "book", "cancel", "drop", "mine", "coming", "notcoming", "rate"]
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
