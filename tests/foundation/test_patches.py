"""The private internals bot/patches.py reaches into are still there, in the versions it was written for."""

from __future__ import annotations

from importlib.metadata import version

import aiosqlite
from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject

from bot.patches import WRITTEN_FOR, applies


def test_installed_versions_are_the_ones_the_patches_were_written_for() -> None:
    for package, written_for in WRITTEN_FOR.items():
        assert applies(package), (f"{package} {version(package)} is installed, bot/patches.py was written for "
                                  f"{written_for}*: re-check the patch, then update WRITTEN_FOR")


def test_the_private_attributes_still_exist() -> None:
    assert hasattr(aiosqlite.Connection, "_execute")
    router = Router()
    assert hasattr(router, "_parent_router")
    filter_object = FilterObject(callback=lambda: True)
    assert hasattr(filter_object, "awaitable") and hasattr(filter_object, "callback")
    assert filter_object.awaitable is False  # the patch relies on sync filters being flagged so
