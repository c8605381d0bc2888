"""The CPV 2008 vocabulary (9,454 codes, French and English labels): browse the tree, search the labels.

Data: services/procurement/data/cpv_2008_fr_en.csv (Commission Regulation (EC) No 213/2008; see the
README next to it for sources and licences).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

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


# Common trades as people name them, in French and English, to the CPV root that holds their work. The CPV
# labels name the work ("Travaux de plomberie"), people name themselves ("plombier"): this bridges the two.
TRADES: dict[str, tuple[str, ...]] = {
    "45330000": ("plombier", "plomberie", "sanitaire", "plumber", "plumbing"),
    "45310000": ("électricien", "électricité", "electrician", "electrical"),
    "90910000": ("nettoyage", "ménage", "agent d'entretien", "propreté", "cleaning", "cleaner", "janitor"),
    "55520000": ("traiteur", "restauration", "caterer", "catering"),
    "45442100": ("peintre", "peinture", "painter", "painting", "decorator"),
    "45262500": ("maçon", "maçonnerie", "mason", "bricklayer", "masonry"),
    "45421000": ("menuisier", "menuiserie", "carpenter", "joiner", "joinery"),
    "45261000": ("couvreur", "charpentier", "toiture", "roofer", "roofing"),
    "44521000": ("serrurier", "serrurerie", "locksmith"),
    "77310000": ("jardinier", "paysagiste", "espaces verts", "gardener", "landscaper", "gardening"),
    "77211400": ("élagueur", "élagage", "tree surgeon", "arborist"),
    "72000000": ("informaticien", "développeur", "informatique", "logiciel", "developer", "software", "IT"),
    "79810000": ("imprimeur", "imprimerie", "printer", "printing"),
    "71200000": ("architecte", "architect"),
    "45331100": ("chauffagiste", "chauffage", "heating engineer", "heating"),
    "45441000": ("vitrier", "vitrerie", "glazier"),
    "98392000": ("déménageur", "déménagement", "removals", "mover", "relocation"),
    "79710000": ("gardiennage", "vigile", "agent de sécurité", "security guard"),
    "79530000": ("traducteur", "traduction", "translator", "translation"),
    "80500000": ("formateur", "formation", "trainer", "training"),
    "60100000": ("transporteur", "chauffeur", "driver", "haulier"),
    "79340000": ("publicité", "communication", "advertising", "marketing"),
    "79950000": ("événementiel", "organisateur d'événements", "event organiser", "events"),
    "90500000": ("déchets", "collecte des ordures", "waste", "refuse collection"),
    "45111000": ("démolition", "demolition"),
    "45233140": ("voirie", "routes", "roadworks", "road works"),
}
SEARCH_LIMIT = 200  # more than anyone pages through; the handler shows them a page at a time
_english = snowballstemmer.stemmer("english")
_french = snowballstemmer.stemmer("french")
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"de", "des", "du", "la", "le", "les", "et", "en", "a", "au", "aux", "pour", "par", "sur", "d",
                   "l", "un", "une", "the", "and", "of", "for", "in", "or", "s"})


@lru_cache(maxsize=100_000)
def _stem(word: str, language: str) -> str:
    return (_english if language == "en" else _french).stemWord(word)


def _stems(text: str, language: str) -> tuple[str, ...]:
    return tuple(_stem(word, language) for word in _WORDS.findall(fold(text)) if word not in _STOP)


@lru_cache(maxsize=1)
def _indexed() -> tuple[list[tuple[str, tuple[str, ...], tuple[str, ...], int]],
                        list[tuple[str, tuple[tuple[str, ...], ...]]]]:
    """(code8, French stems, English stems, label length) per code; (code8, stemmed trade names) per trade."""
    labels = [(code8, _stems(entry.label_fr, "fr"), _stems(entry.label_en, "en"),
               min(len(entry.label_fr), len(entry.label_en))) for code8, entry in vocabulary().by_code8.items()]
    trades = [(code8, tuple(_stems(name, "fr") + _stems(name, "en") for name in names))
              for code8, names in TRADES.items()]
    return labels, trades


def _inexact(query: tuple[str, ...], label: tuple[str, ...]) -> int | None:
    """None unless every query stem starts a stem of the label; else how many did not match a stem exactly."""
    if not query:
        return None
    misses = 0
    for stem in query:
        if stem in label:
            continue
        if not any(word.startswith(stem) for word in label):
            return None
        misses += 1
    return misses


def _best(*found: int | None) -> int | None:
    known = [misses for misses in found if misses is not None]
    return min(known) if known else None


def search(query: str, limit: int = SEARCH_LIMIT) -> list[CpvCode]:
    """Codes for a trade or a word, in French or English: accents, case and plurals ignored; stems matched.

    A trade name people use ("plombier", "electrician") comes first, with its CPV root; then codes whose
    label holds every word (exact stems before word beginnings), the shortest (the most about it) first.
    """
    french, english = _stems(query, "fr"), _stems(query, "en")
    if not french and not english:
        return []
    labels, trades = _indexed()
    found: list[str] = []
    for code8, names in trades:
        if any(_best(_inexact(french, name), _inexact(english, name)) == 0 for name in names):
            found.append(code8)
    ranked = []
    for code8, label_fr, label_en, length in labels:
        misses = _best(_inexact(french, label_fr), _inexact(english, label_en))
        if misses is not None:
            ranked.append((misses, length, code8))
    ranked.sort()
    found += [code8 for _misses, _length, code8 in ranked if code8 not in found]
    vocab = vocabulary()
    return [vocab.by_code8[code8] for code8 in found[:limit]]
