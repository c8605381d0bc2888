"""Which subscriptions want a notice: an inverted index over the subscriptions, not over the notices.

Each subscription is filed under one key only, taken from its most selective criterion: its CPV
prefixes (notice CPV codes are looked up at each of their 2-8 digit prefixes), else the stem of its
rarest keyword, else its places, else a short "wants everything" list. A notice therefore gathers
only the subscriptions that share a key with it, and each candidate is then checked on every
criterion. The cost per notice is the number of keys it has plus the candidates, not the number of
subscriptions. Amount, kinds, and the other criteria are checked on the candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import snowballstemmer

from services.procurement.formats import IDF_DEPARTMENTS, IDF_REGION, strip_accents

KINDS = ("call", "award", "renewal")
# An awarded contract is "due for renewal" when its term ends within this window: the next tender is near.
RENEWAL_WINDOW = timedelta(days=183)
# Places an SME can choose: Paris, each inner-suburb department, Île-de-France, all of France.
PLACES = ("75", "92", "93", "94", "idf", "fr")
_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset({"de", "des", "du", "la", "le", "les", "et", "en", "a", "au", "aux", "pour", "par",
                         "sur", "d", "l", "un", "une", "dans", "avec", "ou"})
_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    """Accent-insensitive French stems of the words of a text ("Voiries" → "voir", like "voirie")."""
    return [_stem(word) for word in _WORD_RE.findall(strip_accents(text).lower())
            if word not in _STOP_WORDS and len(word) > 1]


@dataclass(frozen=True)
class NoticeFacts:
    """What matching needs to know about a notice."""

    id: int
    kind: str  # call or award
    cpv_codes: tuple[str, ...]
    text: str  # title (and buyer): what keywords are looked for in
    country: str | None
    department: str | None
    region: str | None
    amount: float | None
    term_end: datetime | None

    def kinds(self, now: datetime) -> set[str]:
        if self.kind == "call":
            return {"call"}
        kinds = {"award"}
        if self.term_end is not None and now <= self.term_end <= now + RENEWAL_WINDOW:
            kinds.add("renewal")
        return kinds

    def places(self) -> set[str]:
        places: set[str] = set()
        if self.country == "FR" or self.department is not None:
            places.add("fr")
        if self.department is not None:
            places.add(self.department)
            if self.department in IDF_DEPARTMENTS:
                places.add("idf")
        if self.region == IDF_REGION:
            places.add("idf")
        return places


@dataclass(frozen=True)
class SubscriptionRule:
    """A subscription's criteria, pre-digested for matching (keywords as tuples of stems)."""

    id: int
    user_id: int
    cpv_prefixes: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]
    places: frozenset[str]
    amount_min: float | None
    amount_max: float | None
    kinds: frozenset[str]
    frequency: str

    @classmethod
    def build(cls, *, id: int, user_id: int, cpv_prefixes: Iterable[str] = (), keywords: Iterable[str] = (),
              places: Iterable[str] = (), amount_min: float | None = None, amount_max: float | None = None,
              kinds: Iterable[str] = KINDS, frequency: str = "instant") -> SubscriptionRule:
        phrases = tuple(tuple(stems(keyword)) for keyword in keywords)
        return cls(id, user_id, tuple(cpv_prefixes), tuple(p for p in phrases if p), frozenset(places),
                   amount_min, amount_max, frozenset(kinds), frequency)

    def accepts(self, notice: NoticeFacts, notice_stems: set[str], notice_kinds: set[str],
                notice_places: set[str]) -> str | None:
        """The kind it matches as (renewal before award), or None; every set criterion must hold.

        Cheapest checks first: this runs once per candidate, the hot loop of matching.
        """
        kind = next((k for k in ("renewal", "call", "award") if k in notice_kinds and k in self.kinds), None)
        if kind is None:
            return None
        if self.places and self.places.isdisjoint(notice_places):
            return None
        amount = notice.amount
        if self.amount_min is not None and (amount is None or amount < self.amount_min):
            return None
        if self.amount_max is not None and (amount is None or amount > self.amount_max):
            return None
        if self.cpv_prefixes and not any(code.startswith(prefix) for code in notice.cpv_codes
                                         for prefix in self.cpv_prefixes):
            return None
        if self.keywords and not any(all(stem in notice_stems for stem in phrase) for phrase in self.keywords):
            return None
        return kind


@dataclass
class SubscriptionIndex:
    """Subscriptions filed by (CPV prefix | keyword stem | place | everything, kind of notice wanted)."""

    by_cpv: dict[tuple[str, str], list[SubscriptionRule]] = field(default_factory=dict)
    by_stem: dict[tuple[str, str], list[SubscriptionRule]] = field(default_factory=dict)
    by_place: dict[tuple[str, str], list[SubscriptionRule]] = field(default_factory=dict)
    everything: dict[str, list[SubscriptionRule]] = field(default_factory=dict)
    size: int = 0

    @classmethod
    def build(cls, rules: Iterable[SubscriptionRule]) -> SubscriptionIndex:
        rules = list(rules)
        # rarer stems make shorter candidate lists: file a keyword subscription under its rarest stem
        frequency = Counter(stem for rule in rules for phrase in rule.keywords for stem in phrase)
        index = cls(size=len(rules))
        for rule in rules:
            for kind in rule.kinds:  # a notice only looks under the kinds it is
                if rule.cpv_prefixes:
                    for prefix in set(rule.cpv_prefixes):
                        index.by_cpv.setdefault((prefix, kind), []).append(rule)
                elif rule.keywords:
                    # any phrase may match, so each phrase is filed (under its rarest stem)
                    for key in {min(phrase, key=lambda stem: frequency[stem]) for phrase in rule.keywords}:
                        index.by_stem.setdefault((key, kind), []).append(rule)
                elif rule.places:
                    for place in rule.places:
                        index.by_place.setdefault((place, kind), []).append(rule)
                else:
                    index.everything.setdefault(kind, []).append(rule)
        return index

    def match(self, notice: NoticeFacts, now: datetime,
              as_kinds: set[str] | None = None) -> list[tuple[SubscriptionRule, str]]:
        """(subscription, matched as) for every subscription that wants this notice (as these kinds, if given)."""
        notice_stems = set(stems(notice.text))
        notice_places = notice.places()
        notice_kinds = as_kinds if as_kinds is not None else notice.kinds(now)
        candidates: dict[int, SubscriptionRule] = {}
        for kind in notice_kinds:
            for code in notice.cpv_codes:
                for length in range(2, 9):
                    for rule in self.by_cpv.get((code[:length], kind), ()):
                        candidates[rule.id] = rule
            for stem in notice_stems:
                for rule in self.by_stem.get((stem, kind), ()):
                    candidates[rule.id] = rule
            for place in notice_places:
                for rule in self.by_place.get((place, kind), ()):
                    candidates[rule.id] = rule
            for rule in self.everything.get(kind, ()):
                candidates[rule.id] = rule
        found = []
        for rule in candidates.values():
            matched_as = rule.accepts(notice, notice_stems, notice_kinds, notice_places)
            if matched_as is not None:
                found.append((rule, matched_as))
        return found


def match_naively(rules: Iterable[SubscriptionRule], notice: NoticeFacts, now: datetime) -> list[
        tuple[SubscriptionRule, str]]:
    """The baseline: check every subscription (what the index avoids; used by tests and the benchmark)."""
    notice_stems = set(stems(notice.text))
    notice_kinds = notice.kinds(now)
    notice_places = notice.places()
    return [(rule, kind) for rule in rules
            if (kind := rule.accepts(notice, notice_stems, notice_kinds, notice_places)) is not None]
