"""What a coordinator types for a training, checked: networks, texts, Paris dates, durations, places, seats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from locales import N_
from services.errors import DomainError
from services.timing import PARIS, check_schedulable

NETWORKS = {"climate": N_("Volontaires du Climat"), "solidarity": N_("Volontaires de la Solidarité")}
TITLE_MAX = 120
THEME_MAX = 80
DESCRIPTION_MAX = 1000
PLACE_MAX = 200
URL_MAX = 300
CAPACITY_MAX = 1000
DURATION_RANGE = (15, 12 * 60)
_DATE_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %HH%M", "%d/%m/%Y %Hh", "%d/%m/%y %H:%M",
                 "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M")
_DURATION_RE = re.compile(r"^\s*(?:(\d{1,2})\s*h\s*(\d{1,2})?|(\d{1,3})\s*(?:min|mn|m)?)\s*$", re.IGNORECASE)
_URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)


def parse_start(text: str, now: datetime) -> datetime:
    """"12/12/2026 18:30" in Paris time → aware UTC; refuses the past and the 02:00–03:00 hour."""
    cleaned = " ".join(text.replace("à", " ").replace(",", " ").split())
    for pattern in _DATE_FORMATS:
        try:
            naive = datetime.strptime(cleaned, pattern)
            break
        except ValueError:
            continue
    else:
        raise DomainError(N_("Je n'ai pas compris cette date. Écrivez par exemple 12/12/2026 18:30."))
    check_schedulable(naive.time())
    moment = naive.replace(tzinfo=PARIS)
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
    value = text.strip()
    if not value.isdigit():
        raise DomainError(N_("Indiquez un nombre de places, par exemple 20."))
    return check_capacity(int(value))


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
