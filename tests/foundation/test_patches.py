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


# Run in a fresh interpreter: whether aiogram's models are built at import depends on what was imported first.
_EVERY_MODEL_BUILDS = """
import bot, aiogram.methods, aiogram.types, pydantic, sys
from aiogram.methods.base import Response
unbuilt = [name for name in aiogram.types.__all__
           if isinstance(getattr(aiogram.types, name), type)
           and issubclass(getattr(aiogram.types, name), pydantic.BaseModel)
           and not getattr(aiogram.types, name).__pydantic_complete__]
models = [getattr(module, name) for module in (aiogram.types, aiogram.methods) for name in module.__all__]
models = [model for model in models if isinstance(model, type) and issubclass(model, pydantic.BaseModel)
          and model.__module__.startswith("aiogram.") and "[" not in model.__name__]
failed = [model.__name__ for model in models if model.model_rebuild() is False]
Response[aiogram.types.Message].model_validate(
    {"ok": True, "result": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "ok"}})
print(len(unbuilt), len(models), failed)
"""


def test_aiogram_models_are_built_on_first_use_and_every_one_builds() -> None:
    import subprocess
    import sys

    output = subprocess.run([sys.executable, "-c", _EVERY_MODEL_BUILDS], capture_output=True, text=True,
                            check=True).stdout.split()
    unbuilt, models, failed = int(output[0]), int(output[1]), " ".join(output[2:])
    assert unbuilt > 200  # not built when imported: no validator was paid for yet
    assert models > 400 and failed == "[]"  # and each one, type or method, builds when asked


async def test_updates_and_calls_validate_with_the_deferred_models() -> None:
    from aiogram.methods import SendMessage
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

    update = Update.model_validate({"update_id": 1, "callback_query": {
        "id": "q", "from": {"id": 5, "is_bot": False, "first_name": "Anne"}, "chat_instance": "c", "data": "d",
        "message": {"message_id": 3, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "Bonjour"}}})
    assert update.callback_query is not None and update.callback_query.from_user.first_name == "Anne"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Oui", callback_data="y")]])
    call = SendMessage(chat_id=5, text="Bonjour", reply_markup=markup)
    assert call.model_dump(exclude_none=True)["reply_markup"]["inline_keyboard"][0][0]["text"] == "Oui"
