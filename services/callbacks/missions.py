"""Buttons of the solidarity chain: a volunteer's missions, and the coordinators' mission desk."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id, Page


class MissionCb(CallbackData, prefix="ms"):
    """A volunteer's buttons: the missions near them (a page), one mission, sign up, cancel, my missions."""

    action: Literal["list", "view", "book", "cancel", "mine"]
    id: Id = 0
    page: Page = 0


class MissionDeskCb(CallbackData, prefix="mk"):
    """A coordinator's buttons: post a mission, see one and who signed up, announce it to the volunteers near it."""

    action: Literal["new", "view", "announce", "announce_ok"]
    id: Id = 0
