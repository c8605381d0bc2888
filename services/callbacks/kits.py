"""Buttons of the kit library: reading a kit screen by screen, and the coordinators' kit desk."""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.callbacks import Id, Page

ScreenNo = Annotated[int, Field(ge=0, le=10)]  # 0 is the kit's card, then its screens (services.kits.SCREENS_MAX)
# The heat-wave kit's screens by their first names: buttons on alert messages already sent carry them.
HeatWaveScreen = Literal["home", "before", "during", "danger", "numbers", "sources"]
HEAT_WAVE_SCREENS: dict[str, int] = {"home": 0, "before": 1, "during": 2, "danger": 3, "numbers": 4, "sources": 5}


class KitCb(CallbackData, prefix="kit"):
    """The heat-wave kit (the alert's "📘" button), opened as a new message."""

    screen: HeatWaveScreen


class KitReadCb(CallbackData, prefix="kr"):
    """A reader's buttons: the library (a page of it), a kit opened as a new message, a screen turned in place."""

    action: Literal["list", "open", "read"]
    kit: Id = 0
    screen: ScreenNo = 0
    page: Page = 0


class KitDeskCb(CallbackData, prefix="kd"):
    """A coordinator's buttons on the kit desk."""

    action: Literal["new", "view", "text", "preview", "publish", "withdraw", "announce", "announce_ok"]
    kit: Id = 0
    value: Literal["", "fr", "en", "climate", "solidarity", "all"] = ""
