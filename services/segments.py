"""Who a coordinator means: a segment combines network × arrondissements × language × skills.

Within one dimension any value matches (climate or solidarity; the 11th or the 12th); across dimensions all
must (climate volunteers of the 11th who read English). An empty dimension does not restrict. The same
segment drives the people search (with a name), the volunteers' export and mass sendings, and the exact
count is the number of rows the sending would make.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from babel import Locale
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import BABEL_LOCALES, LOCALES, N_, t
from locales.formatting import format_arrondissement
from models.user import User
from services.errors import DomainError

NETWORKS = {"climate": N_("Volontaires du Climat"), "solidarity": N_("Volontaires de la Solidarité")}
LOCALE_LABELS = {"fr": N_("francophones"), "en": N_("anglophones")}

def parse_arrondissements(text: str) -> list[int]:
    """'tout', 'all', '11, 12 20', '11 et 12' or '11, 12-14': the alert wizard's parser, one for the whole bot."""
    from services.heatwave.alerts import parse_areas

    return parse_areas(text)


def folded(text: str) -> str:
    """Accents, case and spacing ignored: "JOSÉ  Núñez" and "jose nunez" are the same name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


class Segment(BaseModel):
    model_config = ConfigDict(frozen=True)

    networks: frozenset[str] = frozenset()
    arrondissements: frozenset[int] = frozenset()
    locales: frozenset[str] = frozenset()  # the language they read the bot in
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # languages they speak
    name: str = ""  # the people search only: part of a name, accents and case ignored

    def check(self) -> Segment:
        from services.users import SKILLS, SPOKEN_LANGUAGES

        if unknown := self.networks - set(NETWORKS):
            raise DomainError(N_("Réseau inconnu : {network}."), network=", ".join(sorted(unknown)))
        if unknown := self.locales - set(LOCALES):
            raise DomainError(N_("Langue inconnue : {language}."), language=", ".join(sorted(unknown)))
        if any(not 1 <= number <= 20 for number in self.arrondissements):
            raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
        if (self.skills - set(SKILLS)) or (self.languages - set(SPOKEN_LANGUAGES)):
            raise DomainError(N_("Critère inconnu."))
        return self

    def describe(self, locale: str) -> str:
        from services.users import SKILLS

        parts = [" / ".join(t(locale, NETWORKS[key]) for key in sorted(self.networks))] if self.networks else []
        if self.arrondissements:
            parts.append(", ".join(format_arrondissement(n, locale) for n in sorted(self.arrondissements)))
        if self.locales:
            parts.append(" / ".join(t(locale, LOCALE_LABELS[code]) for code in sorted(self.locales)))
        if self.skills:
            parts.append(" / ".join(t(locale, SKILLS[key]) for key in sorted(self.skills)))
        if self.languages:
            parts.append(" / ".join(language_name(code, locale) for code in sorted(self.languages)))
        if self.name:
            parts.append(f"« {self.name} »" if locale == "fr" else f"“{self.name}”")
        return " · ".join(parts) if parts else t(locale, "tous les inscrits")


def language_name(code: str, locale: str) -> str:
    name = Locale.parse(BABEL_LOCALES[locale]).languages.get(code, code)
    return name[:1].upper() + name[1:]


def _json_has_any(column: Any, values: frozenset[str]) -> Any:
    # a JSON list of fixed codes, read as text on both engines: '["first_aid", "health"]'
    text = cast(column, String)
    return or_(*(text.like(f'%"{value}"%') for value in sorted(values)))


def members_query(segment: Segment, *, reachable_only: bool = True) -> Any:
    """Signed-up, not erased volunteers of the segment (and, for a sending, not blocking the bot)."""
    query = select(User).where(col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None),
                               col(User.telegram_id).is_not(None))
    if reachable_only:
        query = query.where(col(User.blocked_at).is_(None))
    if segment.networks:
        clauses = {"climate": col(User.climate_volunteer), "solidarity": col(User.solidarity_volunteer)}
        query = query.where(or_(*(clauses[key] for key in sorted(segment.networks))))
    if segment.arrondissements:
        query = query.where(col(User.arrondissement).in_(sorted(segment.arrondissements)))
    if segment.locales:
        query = query.where(col(User.locale).in_(sorted(segment.locales)))
    if segment.skills:
        query = query.where(_json_has_any(User.skills, segment.skills))
    if segment.languages:
        query = query.where(_json_has_any(User.languages, segment.languages))
    return query.order_by(col(User.full_name), col(User.id))


async def members(session: AsyncSession, segment: Segment, *, reachable_only: bool = True) -> list[User]:
    found = list((await session.execute(members_query(segment.check(), reachable_only=reachable_only))).scalars())
    if segment.name:
        wanted = folded(segment.name)
        found = [user for user in found if wanted in folded(user.full_name or "")]
    return found


async def count(session: AsyncSession, segment: Segment) -> int:
    """The exact number of people a sending to this segment reaches now."""
    if segment.name:
        return len(await members(session, segment))
    inner = members_query(segment.check()).subquery()
    return int((await session.execute(select(func.count()).select_from(inner))).scalar_one())


async def locales_present(session: AsyncSession, segment: Segment) -> list[str]:
    """The languages a sending to this segment needs a text in (only those of its members, in LOCALES order)."""
    inner = members_query(segment.check()).subquery()
    found = set((await session.execute(select(inner.c.locale).distinct())).scalars())
    return [code for code in LOCALES if code in found]


# -- a segment typed in one line: "Camille 11-14 climat anglais premiers secours" ------------------------

_ORDINAL = re.compile(r"^(\d{1,2})(?:e|er|ème|eme|st|nd|rd|th)$")
_RANGES = re.compile(r"^[\d\s,;-]*\d[\d\s,;-]*$")


def _vocabulary() -> dict[str, tuple[str, str]]:
    """Words a coordinator may type (French and English, accents ignored) → (dimension, code)."""
    from services.users import SKILLS, SPOKEN_LANGUAGES

    words: dict[str, tuple[str, str]] = {}
    for key, label in NETWORKS.items():
        words[key] = ("networks", key)
        for locale in LOCALES:
            words[folded(t(locale, label))] = ("networks", key)
    for word, key in (("climat", "climate"), ("solidarite", "solidarity")):
        words[word] = ("networks", key)
    for key, label in SKILLS.items():
        words[key] = ("skills", key)
        for locale in LOCALES:
            words[folded(t(locale, label))] = ("skills", key)
    for code in SPOKEN_LANGUAGES:
        for locale in LOCALES:
            words[folded(language_name(code, locale))] = ("languages", code)
    return words


def parse_search(text: str) -> Segment:
    """A search line: arrondissements (ranges too), networks, skills and spoken languages by name; the words
    left over are part of a name."""
    vocabulary = _vocabulary()
    phrases = sorted(vocabulary, key=lambda phrase: -len(phrase.split()))
    found: dict[str, set[Any]] = {"networks": set(), "skills": set(), "languages": set(), "arrondissements": set()}
    rest: list[str] = []
    tokens = re.sub(r"(?<=\d)\s*-\s*(?=\d)", "-", folded(text).replace(";", ",")).split()
    index = 0
    while index < len(tokens):
        for phrase in phrases:
            words = phrase.split()
            if tokens[index:index + len(words)] == words:
                dimension, code = vocabulary[phrase]
                found[dimension].add(code)
                index += len(words)
                break
        else:
            token = tokens[index].strip(",")
            ordinal = _ORDINAL.match(token)
            if ordinal:
                found["arrondissements"].update(parse_arrondissements(ordinal.group(1)))
            elif token and _RANGES.match(token):
                found["arrondissements"].update(parse_arrondissements(token))
            elif token:
                rest.append(tokens[index])
            index += 1
    return Segment(networks=frozenset(found["networks"]), skills=frozenset(found["skills"]),
                   languages=frozenset(found["languages"]), arrondissements=frozenset(found["arrondissements"]),
                   name=" ".join(rest)).check()
