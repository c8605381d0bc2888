"""Météo-France heat-wave vigilance: read the `cartevigilance/encours` JSON and propose an alert to coordinators.

The poller only proposes: nothing reaches volunteers until a coordinator confirms. Structure read (DPVigilance
API): product.update_time, product.periods[] with echeance "J" (today) or "J1" (tomorrow), and
timelaps.domain_ids[] with domain_id (department), phenomenon_items[] {phenomenon_id, phenomenon_max_color_id}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t
from locales.formatting import format_day
from models.heatwave import Alert
from models.user import User
from services.callbacks.heatwave import get_ready_markup, proposal_markup
from services.errors import DomainError, StaleButton
from services.heatwave.alerts import LEVEL_NAMES, level_label, open_alerts
from services.outbox import Outgoing, Part, create_campaign, enqueue
from services.timing import PARIS, to_paris

PARIS_DEPARTMENT = "75"
HEATWAVE_PHENOMENON = "6"  # Météo-France phenomenon ids: 6 = canicule
GREEN, YELLOW, ORANGE, RED = 1, 2, 3, 4
PROPOSE_FROM = ORANGE


class VigilanceFormatError(ValueError):
    """The response does not have the documented structure: nothing is proposed from it."""


@dataclass(frozen=True)
class Vigilance:
    """The heat-wave colour of one department, per period ("J" today, "J1" tomorrow)."""

    department: str
    update_time: datetime
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> int:
        return self.levels.get("J", GREEN)

    @property
    def tomorrow(self) -> int:
        return self.levels.get("J1", GREEN)


def _field(mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise VigilanceFormatError(f"missing {where}.{key}")
    value = mapping[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise VigilanceFormatError(f"{where}.{key} has the wrong type")
    return value


def parse_vigilance(data: Any, department: str = PARIS_DEPARTMENT,
                    phenomenon: str = HEATWAVE_PHENOMENON) -> Vigilance:
    """The department's heat-wave colours (1 green … 4 red); green when it is not listed for a period."""
    product = _field(data, "product", dict, "")
    try:
        update_time = datetime.fromisoformat(str(_field(product, "update_time", str, "product")).replace("Z", "+00:00"))
    except ValueError as error:
        raise VigilanceFormatError("product.update_time is not a date") from error
    if update_time.tzinfo is None:
        raise VigilanceFormatError("product.update_time has no time zone")
    levels: dict[str, int] = {}
    for index, period in enumerate(_field(product, "periods", list, "product")):
        where = f"product.periods[{index}]"
        echeance = _field(period, "echeance", str, where)
        domains = _field(_field(period, "timelaps", dict, where), "domain_ids", list, f"{where}.timelaps")
        level = GREEN
        for domain in domains:
            if str(_field(domain, "domain_id", (str, int), "domain")) != department:
                continue
            for item in _field(domain, "phenomenon_items", list, "domain"):
                if str(_field(item, "phenomenon_id", (str, int), "phenomenon")) != phenomenon:
                    continue
                colour = _field(item, "phenomenon_max_color_id", int, "phenomenon")
                if not GREEN <= colour <= RED:
                    raise VigilanceFormatError(f"colour {colour} out of 1..4")
                level = max(level, colour)
        levels[echeance] = level
    if "J" not in levels:
        raise VigilanceFormatError("no period for today (echeance J)")
    return Vigilance(department, update_time, levels)


def proposal_text(vigilance: Vigilance, locale: str, running: Alert | None = None) -> str:
    level = vigilance.today
    head = t(locale, "🌡 <b>Météo-France : Paris en vigilance canicule {level}</b>", level=level_label(level, locale))
    if running is not None:
        body = t(locale, "L'alerte n° {id} est en vigilance {current} : la passer en {level} ? Ses destinataires "
                         "seront prévenus après votre confirmation.", id=running.id,
                 current=level_label(running.level, locale), level=level_label(level, locale))
    else:
        body = t(locale, "Proposition d'alerte : tout Paris, Volontaires du Climat, vigilance {level}. Rien n'est "
                         "envoyé aux volontaires sans votre confirmation.", level=level_label(level, locale))
    return "\n\n".join([head, body])


async def propose_alert(session: AsyncSession, vigilance: Vigilance, coordinators: list[User], *,
                        markup_for: Callable[[int, str, int | None], dict[str, Any]] = proposal_markup) -> int:
    """Tell coordinators (through the outbox) that Paris is orange or red; once per day and level.

    With no alert running, the proposal is a new all-Paris alert; with one running at a lower level, it is
    raising that alert. `markup_for(level, locale, alert id or None)` draws the one-tap button. Returns how
    many coordinators were told (0 if there is nothing to propose or it was already proposed).
    """
    level = vigilance.today
    if level < PROPOSE_FROM or level not in LEVEL_NAMES:
        return 0
    running = await open_alerts(session)
    if any(alert.level >= level for alert in running):
        return 0  # an alert at this level or higher is already running
    lower = running[0] if running else None
    day = to_paris(vigilance.update_time).date().isoformat()
    campaign, new = await create_campaign(session, kind="alert_proposal", title=f"vigilance {day} level {level}",
                                          source_key=f"vigilance:{vigilance.department}:{day}:{level}")
    if not new:
        return 0
    reachable = [person for person in coordinators if person.telegram_id is not None and person.blocked_at is None]
    if not reachable:
        raise DomainError(N_("Aucun coordinateur joignable pour la proposition d'alerte."))
    return await enqueue(session, campaign, [
        Outgoing(person.telegram_id, [Part(proposal_text(vigilance, person.locale, lower),
                                           markup_for(level, person.locale, lower.id if lower else None))],
                 person.id)
        for person in reachable if person.telegram_id is not None])


# -- "get ready": tomorrow's orange or red ----------------------------------------------------------------

def get_ready_proposal_text(level: int, day: date, locale: str) -> str:
    return "\n\n".join([
        t(locale, "🌡 <b>Météo-France : demain {day}, vigilance canicule {level} à Paris</b>",
          day=format_day(datetime.combine(day, datetime.min.time(), tzinfo=PARIS), locale),
          level=level_label(level, locale)),
        t(locale, "Proposition : prévenir dès aujourd'hui les Volontaires du Climat de Paris (« Préparez-vous » : "
                  "disponibilité pour demain, voisins suivis, registre REFLEX au 3975). Un appui sur le bouton "
                  "l'envoie."),
    ])


def get_ready_text(level: int, locale: str) -> str:
    return "\n\n".join([
        t(locale, "🌡 <b>Préparez-vous : vigilance canicule {level} annoncée demain à Paris</b>",
          level=level_label(level, locale)),
        t(locale, "• Serez-vous disponible demain pour prendre des nouvelles de voisins isolés ? Une alerte vous "
                  "le demandera avec des boutons.\n"
                  "• Pensez aux voisins que vous suivez : appelez-les dès ce soir, rappelez-leur de fermer les volets "
                  "et de boire.\n"
                  "• Une personne âgée ou isolée peut s'inscrire au registre REFLEX de la Ville au 3975."),
        t(locale, "Le kit canicule : /kit"),
    ])


async def propose_get_ready(session: AsyncSession, vigilance: Vigilance, coordinators: list[User], *,
                            markup_for: Callable[[int, int, str], dict[str, Any]] = get_ready_markup) -> int:
    """When tomorrow is orange or red, propose the "get ready" message to coordinators, once per day."""
    level = vigilance.tomorrow
    if level < PROPOSE_FROM or level not in LEVEL_NAMES:
        return 0
    day = to_paris(vigilance.update_time).date() + timedelta(days=1)
    campaign, new = await create_campaign(session, kind="alert_getready_proposal", title=f"get ready {day}",
                                          source_key=f"getready-proposal:{vigilance.department}:{day.isoformat()}")
    if not new:
        return 0
    number = int(day.strftime("%Y%m%d"))
    return await enqueue(session, campaign, [
        Outgoing(person.telegram_id, [Part(get_ready_proposal_text(level, day, person.locale),
                                           markup_for(level, number, person.locale))], person.id)
        for person in coordinators if person.telegram_id is not None and person.blocked_at is None])


async def send_get_ready(session: AsyncSession, level: int, day: date, *, created_by: int | None,
                         now: datetime) -> int:
    """Send "get ready" to every reachable Climate Volunteer living in Paris; once per day (a second tap is told)."""
    if level not in LEVEL_NAMES or level < PROPOSE_FROM:
        raise StaleButton
    if day < to_paris(now).date():
        raise DomainError(N_("Cette proposition est passée : demain est déjà là."))
    campaign, new = await create_campaign(session, kind="alert_getready", title=f"get ready {day}",
                                          source_key=f"getready:{day.isoformat()}", created_by=created_by)
    if not new:
        raise DomainError(N_("« Préparez-vous » a déjà été envoyé pour ce jour-là."))
    rows = (await session.execute(select(col(User.id), col(User.telegram_id), col(User.locale)).where(and_(
        col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None), col(User.blocked_at).is_(None),
        col(User.telegram_id).is_not(None), col(User.arrondissement).is_not(None), col(User.climate_volunteer)))
        .order_by(col(User.id)))).all()
    texts: dict[str, str] = {}
    return await enqueue(session, campaign, [
        Outgoing(chat_id or 0, [Part(texts.setdefault(locale, get_ready_text(level, locale)))], user_id)
        for user_id, chat_id, locale in rows])
