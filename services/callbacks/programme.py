"""Buttons of the volunteers' programme: calls for ideas, proposals, votes."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.callbacks import Id


class ThemeCb(CallbackData, prefix="th"):
    """A volunteer's buttons: open a call, propose a theme, vote for one."""

    action: Literal["open", "propose", "vote"]
    call: Id
    proposal: Id = 0


class ThemeDeskCb(CallbackData, prefix="tk"):
    """A coordinator's buttons on the calls for ideas."""

    action: Literal["view", "review", "keep", "decline", "vote_now", "vote_now_ok", "close", "close_ok", "training"]
    call: Id = 0
    proposal: Id = 0
