"""Buttons of the Night of Solidarity: the volunteer's screens (`ng`), outbox buttons (`np`), the coordinators'
desk (`nc`) and moving a person by tapping (`nm`)."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id, Page


class NightCb(CallbackData, prefix="ng"):
    """A volunteer's screens: register (or change), withdraw (asks), withdraw_yes, presence, reinforce a team."""

    action: Literal["register", "withdraw", "withdraw_yes", "presence", "reinforce"]
    value: Id = 0


class NightPushCb(CallbackData, prefix="np"):
    """Buttons sent through the outbox (reminders, thanks): they carry the edition they belong to."""

    action: Literal["here", "feedback"]
    edition: Id
    value: Id = 0


class NightCoordCb(CallbackData, prefix="nc"):
    """The desk: form (asks how once published: keep completes the published teams, reform forms everything
    again), summary, publish (asks, with the count), publish_yes, presence, export (teams and presence, CSV),
    sheet (the printable one-page-per-meeting-point list), cancel."""

    action: Literal["form", "keep", "reform", "summary", "publish", "publish_yes", "presence", "export", "sheet",
                    "cancel"]
    edition: Id


class NightRosterCb(CallbackData, prefix="nt"):
    """The roster, a page at a time (meeting points, then who waits)."""

    edition: Id
    page: Page = 0


class NightMoveCb(CallbackData, prefix="nm"):
    """Moving a person by tapping: the person found by name, then the team (sector id; 0 asks which)."""

    edition: Id
    user: Id
    sector: Id = 0
