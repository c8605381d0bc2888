"""What a coordinator types for a training, checked: networks, texts, Paris dates, durations, places, seats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from locales import N_
from services.errors import DomainError
from services.parsing import parse_moment, whole_number
from services.timing import check_schedulable

NETWORKS = {"climate": N_("Volontaires du Climat"), "solidarity": N_("Volontaires de la Solidarité")}
SEATS_TAKEN = N_("Impossible : {booked} personnes ont déjà réservé. Annulez d'abord des réservations ou gardez "
                 "au moins {booked} places.")
TITLE_MAX = 120
THEME_MAX = 80
DESCRIPTION_MAX = 1000
PLACE_MAX = 200
URL_MAX = 300
CAPACITY_MAX = 1000
DURATION_RANGE = (15, 12 * 60)
_DURATION_RE = re.compile(r"^\s*(?:(\d{1,2})\s*h\s*(\d{1,2})?|(\d{1,3})\s*(?:min|mn|m)?)\s*$", re.IGNORECASE)
_URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)


def parse_start(text: str, now: datetime) -> datetime:
    """A start typed in Paris time (services.parsing.parse_moment) → aware UTC; refuses the past and the
    hour a clock change skips or repeats."""
    moment = parse_moment(text, now)
    check_schedulable(moment)
    if moment <= now:
        raise DomainError(N_("Cette date est déjà passée : choisissez une date à venir."))
    return moment.astimezone(UTC)


def parse_duration(text: str) -> int:
    """Minutes from "90", "90 min", "1h30" or "2h"."""
    match = _DURATION_RE.match(text)
    if not match:
        raise DomainError(N_("Indiquez une durée comme 90, 1h30 ou 2h."))
    hours, minutes, plain = match.groups()
    total = int(hours) * 60 + int(minutes or 0) if hours is not None else int(plain)
    return check_duration(total)


def check_duration(minutes: int) -> int:
    if not DURATION_RANGE[0] <= minutes <= DURATION_RANGE[1]:
        raise DomainError(N_("Une formation dure entre {low} minutes et {high} heures."),
                          low=DURATION_RANGE[0], high=DURATION_RANGE[1] // 60)
    return minutes


def parse_capacity(text: str) -> int:
    """Seats as typed: ASCII digits only ("²" is not a number), then the range."""
    try:
        value = whole_number(text, 0, 10**9)
    except DomainError:
        raise DomainError(N_("Indiquez un nombre de places, par exemple 20.")) from None
    return check_capacity(value)


def check_seats_for(capacity: int, booked: int) -> int:
    """Seats may not go below the seats already taken."""
    if capacity < booked:
        raise DomainError(SEATS_TAKEN, booked=booked)
    return capacity


def check_capacity(capacity: int) -> int:
    if not 1 <= capacity <= CAPACITY_MAX:
        raise DomainError(N_("Le nombre de places va de 1 à {max}."), max=CAPACITY_MAX)
    return capacity


def clean_text(text: str, limit: int, *, required: bool = True) -> str:
    value = text.strip()
    if required and not value:
        raise DomainError(N_("Ce champ ne peut pas être vide."))
    if len(value) > limit:
        raise DomainError(N_("Ce texte est trop long ({max} caractères au plus)."), max=limit)
    return value


def parse_location(text: str) -> tuple[str | None, str | None]:
    """(place, online_url): a link starting with http(s) is an online session, anything else an address."""
    value = text.strip()
    if value.lower().startswith(("http://", "https://")):
        return None, check_url(value)
    return clean_text(value, PLACE_MAX), None


def check_url(value: str) -> str:
    value = value.strip()
    if not _URL_RE.match(value) or len(value) > URL_MAX:
        raise DomainError(N_("Ce lien n'est pas valable : il doit commencer par https:// et ne pas contenir "
                             "d'espace."))
    return value


def check_networks(networks: Iterable[str]) -> set[str]:
    chosen = set(networks)
    if not chosen or not chosen <= set(NETWORKS):
        raise DomainError(N_("Choisissez au moins un réseau : climate ou solidarity."))
    return chosen
