"""Formatted text as Telegram stores it: visible text plus MessageEntity dicts with UTF-16 offsets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# TDLib orders entities by offset, then longer first, then by a fixed type priority
# (td/telegram/MessageEntity.cpp, get_type_priority); the Bot API returns them in that order.
TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "date_time": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offset/length."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Telegram's entity order: offset ascending, length descending, then type priority."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], TYPE_PRIORITY.get(e["type"], 50)))


@dataclass(slots=True)
class FormattedText:
    """The result of entity parsing: what the user sees and how it is styled."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def strip_formatted(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace as Telegram does, shifting and clipping entities to match."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    left = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, new_len)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, kept)
