"""Buttons of the foundation: menus, language, privacy, roles."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id


class MenuCb(CallbackData, prefix="m"):
    """A main-menu entry; each feature's router handles `MenuCb.filter(F.item == "<its key>")`."""

    item: str


class CoordCb(CallbackData, prefix="co"):
    """A coordinator-menu entry; each feature's coordinator router handles its own `item`."""

    item: str


class RoleCb(CallbackData, prefix="cr"):
    telegram_id: Id


class LanguageCb(CallbackData, prefix="lg"):
    code: Literal["fr", "en"]


class PrivacyCb(CallbackData, prefix="pv"):
    action: Literal["export", "delete", "confirm_delete", "keep"]
