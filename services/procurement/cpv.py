"""The CPV 2008 vocabulary (9,454 codes, French and English labels): browse the tree, search the labels.

Data: services/procurement/data/cpv_2008_fr_en.csv (Commission Regulation (EC) No 213/2008; see the
README next to it for sources and licences).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.procurement.formats import normalize_cpv, strip_accents

CSV_PATH = Path(__file__).resolve().parent / "data" / "cpv_2008_fr_en.csv"


@dataclass(frozen=True)
class CpvCode:
    code: str  # with check digit, as published: "90910000-9"
    code8: str  # 8 digits, what notices are matched on
    level: int  # 1 = division … 7
    parent: str | None  # code8 of the nearest existing ancestor
    label_fr: str
    label_en: str

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_fr

    @property
    def prefix(self) -> str:
        return significant_prefix(self.code8)


def significant_prefix(code8: str) -> str:
    """The digits that carry the hierarchy: "45000000" → "45", "90910000" → "9091" (at least the division)."""
    return code8.rstrip("0").ljust(2, "0")


def fold(text: str) -> str:
    """Lower case without accents, for accent-insensitive search."""
    return strip_accents(text).lower()


@dataclass(frozen=True)
class Vocabulary:
    by_code8: dict[str, CpvCode]
    children: dict[str | None, list[str]]
    folded: list[tuple[str, str]]  # (code8, folded "label_fr | label_en")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    by_code8: dict[str, CpvCode] = {}
    children: dict[str | None, list[str]] = {}
    with CSV_PATH.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            parent = normalize_cpv(row["parent"]) if row["parent"] else None
            entry = CpvCode(row["code"], row["code8"], int(row["level"]), parent, row["label_fr"], row["label_en"])
            by_code8[entry.code8] = entry
            children.setdefault(parent, []).append(entry.code8)
    folded = [(code8, fold(f"{entry.label_fr} | {entry.label_en}")) for code8, entry in by_code8.items()]
    return Vocabulary(by_code8, children, folded)


def get(code: str) -> CpvCode | None:
    code8 = normalize_cpv(code)
    return vocabulary().by_code8.get(code8) if code8 else None


def divisions() -> list[CpvCode]:
    return children_of(None)


def children_of(code8: str | None) -> list[CpvCode]:
    vocab = vocabulary()
    return [vocab.by_code8[child] for child in vocab.children.get(code8, [])]


def label(code8: str, locale: str) -> str:
    entry = vocabulary().by_code8.get(code8)
    return entry.label(locale) if entry else code8


def label_for_prefix(prefix: str, locale: str) -> str:
    return label(prefix.ljust(8, "0"), locale)


def search(query: str, limit: int = 8) -> list[CpvCode]:
    """Codes whose French or English label contains every word of the query, the closest labels first.

    A short label that contains the words is mostly about them ("Services de nettoyage"), a long one
    mentions them in passing, so results are ranked by the length of the label that matched.
    """
    words = [word for word in fold(query).replace(",", " ").split() if len(word) >= 2]
    if not words:
        return []
    vocab = vocabulary()
    ranked = []
    for code8, text in vocab.folded:
        matching = [part for part in text.split(" | ") if all(word in part for word in words)]
        if matching:
            ranked.append((min(len(part) for part in matching), code8))
    ranked.sort()
    return [vocab.by_code8[code8] for _length, code8 in ranked[:limit]]
