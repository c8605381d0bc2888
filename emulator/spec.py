"""The Bot API method table (names, parameter types, required flags, return types).

The table in ``bot_api_methods.json`` is trimmed from the machine-readable spec at
github.com/PaulSonOfLars/telegram-bot-api-spec (MIT, Copyright (c) 2020 Paul Larsen), Bot API 10.1.
Regenerate with ``python -m emulator.spec /path/to/api.json``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("bot_api_methods.json")

ATTRIBUTION = (
    "Trimmed from github.com/PaulSonOfLars/telegram-bot-api-spec api.json "
    "(MIT, Copyright (c) 2020 Paul Larsen), Bot API 10.1"
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method: its name, Bot API types and whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def kind(self) -> str:
        """How a form-encoded string value is decoded: str, int, int_or_str, bool, float, file, json."""
        types = set(self.types)
        if types == {"String"}:
            return "str"
        if types == {"Integer"}:
            return "int"
        if types == {"Integer", "String"}:
            return "int_or_str"
        if types == {"Boolean"}:
            return "bool"
        if types == {"Float"}:
            return "float"
        if "InputFile" in types:
            return "file"
        return "json"


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Bot API method as the spec describes it."""

    name: str
    returns: tuple[str, ...]
    fields: dict[str, FieldSpec]

    @property
    def required(self) -> list[str]:
        """Names of the required parameters, in spec order."""
        return [f.name for f in self.fields.values() if f.required]


@cache
def methods() -> dict[str, MethodSpec]:
    """All methods keyed by lower-case name (Telegram method names are case-insensitive)."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    table: dict[str, MethodSpec] = {}
    for name, entry in raw["methods"].items():
        required = set(entry["required"])
        fields = {
            fname: FieldSpec(fname, tuple(ftypes.split("|")), fname in required)
            for fname, ftypes in entry["fields"].items()
        }
        table[name.lower()] = MethodSpec(name, tuple(entry["returns"].split("|")), fields)
    return table


def build_trimmed(api_json: dict[str, Any]) -> dict[str, Any]:
    """Reduce the full api.json to method -> field types, required names and return types."""
    out: dict[str, Any] = {
        "_attribution": ATTRIBUTION,
        "_version": api_json.get("version", ""),
        "methods": {},
    }
    for name, method in sorted(api_json["methods"].items()):
        fields = method.get("fields", [])
        out["methods"][name] = {
            "returns": "|".join(method["returns"]),
            "required": [f["name"] for f in fields if f["required"]],
            "fields": {f["name"]: "|".join(f["types"]) for f in fields},
        }
    return out


if __name__ == "__main__":
    source = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    SPEC_PATH.write_text(json.dumps(build_trimmed(source), indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {SPEC_PATH}")
