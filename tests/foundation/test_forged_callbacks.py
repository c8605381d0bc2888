"""Every button wire format in services/callbacks/, fed out-of-range, wrong-type and unknown values.

Whatever a feature puts in services/callbacks/, a forged tap must get an answer (the stale one, or a refusal)
and no update may fail, for a volunteer and for a coordinator alike.
"""

from __future__ import annotations

import enum
import importlib
import logging
import pkgutil
import types
import typing
from typing import Any, Literal

import pytest
from aiogram.filters.callback_data import CallbackData

import services.callbacks
from tests.factories import volunteer
from tests.harness import BotHarness

TOO_BIG = str(2**64)
APOLOGY = ("Désolé, quelque chose s'est mal passé", "Sorry, something went wrong")


def callback_factories() -> list[type[CallbackData]]:
    found: list[type[CallbackData]] = []
    for module_info in pkgutil.iter_modules(services.callbacks.__path__, "services.callbacks."):
        module = importlib.import_module(module_info.name)
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
                  and value.__module__ == module.__name__]
    return sorted(found, key=lambda factory: factory.__qualname__)


def _kind(annotation: Any) -> tuple[str, Any]:
    """("int" | "literal" | "bool" | "enum" | "str", detail) for a field's annotation (Optional unwrapped)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        return "literal", typing.get_args(annotation)
    if annotation is bool:
        return "bool", None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "enum", list(annotation)
    if annotation is int:
        return "int", None
    return "str", None


def _valid(kind: str, detail: Any) -> str:
    return {"literal": lambda: str(detail[0]) if detail else "x", "bool": lambda: "1",
            "enum": lambda: str(detail[0].value), "int": lambda: "1", "str": lambda: "x"}[kind]()


def forged_payloads(factory: type[CallbackData]) -> list[str]:
    """For each field, the others valid and this one out of range, of the wrong type, or unknown."""
    fields = {name: _kind(info.annotation) for name, info in factory.model_fields.items()}
    valid = {name: _valid(*kind) for name, kind in fields.items()}
    prefix, separator = factory.__prefix__, factory.__separator__  # type: ignore[attr-defined]
    payloads = []
    for name, (kind, _detail) in fields.items():
        bad_values = {"int": [TOO_BIG, f"-{TOO_BIG}", "x", "²"], "literal": ["zzz-unknown"],
                      "enum": ["zzz-unknown"], "bool": ["x"], "str": ["zzz-unknown"]}[kind]
        for bad in bad_values:
            values = [bad if field == name else valid[field] for field in fields]
            payloads.append(separator.join([prefix, *values])[:64])
    payloads.append(prefix)  # no fields at all
    payloads.append(separator.join([prefix, *valid.values(), "extra"])[:64])  # one field too many
    return payloads


def test_the_factories_are_found() -> None:
    names = {factory.__qualname__ for factory in callback_factories()}
    assert {"MenuCb", "CoordCb", "RoleCb", "PersonCb", "ExportCb"} <= names
    assert all(forged_payloads(factory) for factory in callback_factories())


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_forged_button_is_answered_and_nothing_fails(harness: BotHarness, language: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    async with harness.session() as session:
        await volunteer(session, 771, name="Inès Forge", locale=language)
        await session.commit()
    people = [harness.user(771, "Inès", language), harness.coordinator(language)]
    for person in people:  # a message of the bot's to tap under
        await person.send("/menu")
        await person.expect_message()
    caplog.set_level(logging.ERROR)
    tried = 0
    for factory in callback_factories():
        for payload in forged_payloads(factory):
            for person in people:
                await person.tap_data(payload)
                answer = await person.expect_callback_answer()
                assert not answer.text.startswith(APOLOGY), f"{payload!r} by {person}: {answer.text}"
                person.skip_seen()
                tried += 1
    failures = [record.getMessage() for record in caplog.records if "failed" in record.getMessage()]
    assert failures == []
    assert tried >= 2 * 20
