"""Typed answers parsed once, strictly, the same way in the bot and the CLI."""

from __future__ import annotations

import re

from locales import N_
from services.errors import DomainError

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str, low: int, high: int) -> int:
    """A whole number written with ASCII digits, within [low, high]. ("²".isdigit() is True: not a number.)"""
    text = text.strip().replace("\u202f", "").replace(" ", "")
    if not _WHOLE_NUMBER.fullmatch(text):
        raise DomainError(N_("Écrivez un nombre entier entre {low} et {high}."), low=low, high=high)
    value = int(text)
    if not low <= value <= high:
        raise DomainError(N_("Écrivez un nombre entier entre {low} et {high}."), low=low, high=high)
    return value
