"""Buttons of the foundation: menus, language, privacy, roles, the coordinator's desk."""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.callbacks import Id, Page


class MenuCb(CallbackData, prefix="m"):
    """A main-menu entry; each feature's router handles `MenuCb.filter(F.item == "<its key>")`."""

    item: str


class CoordCb(CallbackData, prefix="co"):
    """A coordinator-menu entry; each feature's coordinator router handles its own `item`."""

    item: str


class RoleCb(CallbackData, prefix="cr"):
    """"Retirer X" in the list of coordinators: asks for a confirmation first."""

    telegram_id: Id


class LanguageCb(CallbackData, prefix="lg"):
    code: Literal["fr", "en"]


class PrivacyCb(CallbackData, prefix="pv"):
    action: Literal["export", "delete", "confirm_delete", "keep"]


class PersonCb(CallbackData, prefix="pp"):
    """A volunteer's profile on the coordinator's desk, and what a coordinator may do from it."""

    action: Literal["show", "grant", "revoke", "confirm_grant", "confirm_revoke", "message", "why"]
    user_id: Id


class PeopleCb(CallbackData, prefix="pl"):
    """A page of search results (the search itself is in the conversation state), or their export."""

    action: Literal["page", "export"]
    page: Page = 0


class ExportCb(CallbackData, prefix="ex"):
    """One of the lists a coordinator may download: a key of `services.exports.LISTS`, which features extend
    (an unknown key is a stale button)."""

    key: Annotated[str, Field(min_length=1, max_length=40)]
