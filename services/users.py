"""Volunteer profiles, signup, language and roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, normalize_locale
from models.base import utcnow
from models.user import User
from services.errors import DomainError

# Languages a volunteer may say they speak (ISO 639-1), offered as buttons; the label comes from Babel.
SPOKEN_LANGUAGES = ("fr", "en", "ar", "es", "pt", "it", "de", "ro", "zh", "ru", "uk", "fa", "ps", "ti", "wo")
SKILLS = {
    "first_aid": N_("Premiers secours"),
    "social_work": N_("Travail social"),
    "health": N_("Santé"),
    "translation": N_("Interprétariat"),
    "driving": N_("Permis de conduire"),
    "logistics": N_("Logistique"),
}
NAME_MAX = 64
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.-])*$")
_POSTAL_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Place:
    """Where a volunteer lives: an arrondissement, or a postal code outside Paris."""

    arrondissement: int | None
    postal_code: str | None


# Built once: this lookup runs on every update, and building the statement cost more than running it.
_BY_TELEGRAM_ID = select(User).where(col(User.telegram_id) == bindparam("telegram_id"))


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return (await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).scalar_one_or_none()


async def get_or_create_user(session: AsyncSession, telegram_id: int, language_code: str | None) -> User:
    """The row for this Telegram account; a first contact stores only the id and a suggested language."""
    user = await get_user(session, telegram_id)
    if user is None:
        user = User(telegram_id=telegram_id, locale=normalize_locale(language_code))
        session.add(user)
        await session.flush()
    return user


def clean_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise DomainError(N_("Merci d'écrire votre nom."))
    if len(name) > NAME_MAX:
        raise DomainError(N_("Ce nom est trop long ({max} caractères au plus)."), max=NAME_MAX)
    if not _NAME_RE.match(name):
        raise DomainError(N_("Un nom ne contient que des lettres, des espaces, des tirets ou des apostrophes."))
    return name


def parse_postal_code(text: str) -> Place:
    """A French postal code; a Paris one (75001–75020, 75116) becomes its arrondissement."""
    code = text.strip().replace(" ", "")
    if not _POSTAL_RE.match(code):
        raise DomainError(N_("Un code postal a 5 chiffres, par exemple 93100."))
    if code == "75116":
        return Place(16, None)
    if code.startswith("750") and 1 <= int(code[3:]) <= 20:
        return Place(int(code[3:]), None)
    if code.startswith("75"):
        raise DomainError(N_("Ce code postal parisien n'existe pas."))
    return Place(None, code)


def check_arrondissement(value: int) -> int:
    if not 1 <= value <= 20:
        raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
    return value


def clean_choices(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed_set = set(allowed)
    return sorted({value for value in values if value in allowed_set})


async def complete_signup(
    session: AsyncSession,
    user: User,
    *,
    full_name: str,
    place: Place,
    climate: bool,
    solidarity: bool,
    languages: Iterable[str] = (),
    skills: Iterable[str] = (),
) -> User:
    """Record a confirmed signup (or an edit of it) in one step."""
    if not (climate or solidarity):
        raise DomainError(N_("Choisissez au moins un réseau."))
    if user.consent_at is None:
        raise DomainError(N_("Il faut d'abord accepter la notice de confidentialité."))
    user.full_name = clean_name(full_name)
    user.arrondissement = check_arrondissement(place.arrondissement) if place.arrondissement else None
    user.postal_code = place.postal_code
    user.climate_volunteer = climate
    user.solidarity_volunteer = solidarity
    user.languages = clean_choices(languages, SPOKEN_LANGUAGES)
    user.skills = clean_choices(skills, SKILLS)
    now = utcnow()
    user.signed_up_at = user.signed_up_at or now
    user.updated_at = now
    await session.flush()
    return user


async def give_consent(session: AsyncSession, user: User) -> None:
    user.consent_at = user.consent_at or utcnow()
    await session.flush()


async def set_locale(session: AsyncSession, user: User, locale: str) -> None:
    user.locale = normalize_locale(locale)
    user.updated_at = utcnow()
    await session.flush()


async def set_reachable(session: AsyncSession, telegram_id: int, reachable: bool) -> None:
    """Follow Telegram's word on whether this user blocked the bot (my_chat_member, 403, a new message)."""
    user = await get_user(session, telegram_id)
    if user is None:
        return
    if reachable:
        user.blocked_at = None
    elif user.blocked_at is None:
        user.blocked_at = utcnow()
    await session.flush()


def is_coordinator(user: User | None, root_ids: frozenset[int]) -> bool:
    if user is None:
        return False
    return user.is_coordinator or (user.telegram_id is not None and user.telegram_id in root_ids)


async def set_coordinator(
    session: AsyncSession, telegram_id: int, granted: bool, root_ids: frozenset[int]
) -> User:
    """Grant or revoke the coordinator role; the ids set by the operator cannot be revoked from the bot."""
    target = await get_user(session, telegram_id)
    if target is None:
        raise DomainError(N_("Aucun utilisateur avec l'identifiant {id} : il doit d'abord écrire au bot."),
                          id=telegram_id)
    if not granted and telegram_id in root_ids:
        raise DomainError(N_("Ce coordinateur est défini par COORDINATOR_IDS et ne peut être retiré ici."))
    target.is_coordinator = granted
    target.updated_at = utcnow()
    await session.flush()
    return target


async def list_coordinators(session: AsyncSession, root_ids: frozenset[int]) -> list[User]:
    query = select(User).where(
        col(User.is_coordinator) | col(User.telegram_id).in_(root_ids)
    ).order_by(col(User.id))
    return list((await session.execute(query)).scalars())
