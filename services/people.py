"""The coordinator's desk: find a volunteer, see what the bot knows about them, act on it.

Every function takes the acting coordinator and checks the role itself (`access_desk`), so the bot and the
command line apply the same rule. Read-only over the other features' tables; actions are audited.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t, tn
from locales.formatting import format_arrondissement, format_when
from models.heatwave import AlertAnswer, AlertRecipient
from models.night import NightAssignment, NightEdition, NightRegistration
from models.outbox import Campaign, DeliveryStatus, OutboxMessage
from models.training import Booking, BookingStatus, Training
from models.user import User
from services import audit, outbox, segments, users
from services.errors import DomainError, NotAllowed, StaleButton

PAGE_SIZE = 8
MESSAGE_MAX = 2000
_ANSWER_LABELS = {"help": N_("peut aider"), "checked": N_("a vérifié ses voisins"),
                  "unavailable": N_("indisponible")}


def access_desk(actor: User | None, root_ids: frozenset[int]) -> None:
    """Only coordinators use the desk (checked on every request, not only when a menu is drawn).

    `actor=None` is the operator at the command line, who holds the database itself.
    """
    if actor is not None and not users.is_coordinator(actor, root_ids):
        raise NotAllowed(N_("Cette action est réservée aux coordinateurs."))


async def access_person(session: AsyncSession, actor: User | None, user_id: int, root_ids: frozenset[int]) -> User:
    """A volunteer a coordinator may look at: a live account (an erased or unknown one is a stale button)."""
    access_desk(actor, root_ids)
    person = await session.get(User, user_id)
    if person is None or person.erased_at is not None or person.telegram_id is None:
        raise StaleButton
    return person


async def search(session: AsyncSession, actor: User | None, text: str, root_ids: frozenset[int]) -> list[User]:
    """Volunteers matching a typed line: a name (accents and case ignored), arrondissements, networks…"""
    access_desk(actor, root_ids)
    segment = segments.parse_search(text)
    if segment == segments.Segment():
        raise DomainError(N_("Écrivez un nom, un arrondissement, un réseau, une compétence ou une langue."))
    return await segments.members(session, segment, reachable_only=False)


async def find(session: AsyncSession, actor: User | None, who: str, root_ids: frozenset[int]) -> User:
    """One person from the command line: a Telegram id, or a search that matches exactly one volunteer."""
    access_desk(actor, root_ids)
    if who.strip().lstrip("-").isascii() and who.strip().lstrip("-").isdecimal():
        person = await users.get_user(session, int(who))
        if person is None:
            raise DomainError(N_("Aucun utilisateur avec l'identifiant {id} : il doit d'abord écrire au bot."), id=who)
        return person
    found = await search(session, actor, who, root_ids)
    if len(found) != 1:
        raise DomainError(N_("{count} volontaires correspondent : précisez."), count=len(found))
    return found[0]


# -- the profile -------------------------------------------------------------------------------------------

Undelivered = tuple[str, str, str | None, datetime]  # (campaign kind, outcome, reason, when)


@dataclass
class Profile:
    person: User
    trainings: list[tuple[str, str, bool | None]] = field(default_factory=list)  # (title fr, title en, attended)
    alerts_received: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    nights: list[tuple[str, bool, bool]] = field(default_factory=list)  # (edition, withdrawn, present)
    undelivered: list[Undelivered] = field(default_factory=list)


async def profile(session: AsyncSession, actor: User | None, user_id: int, root_ids: frozenset[int]) -> Profile:
    person = await access_person(session, actor, user_id, root_ids)
    found = Profile(person)
    rows = await session.execute(
        select(col(Training.title_fr), col(Training.title_en), col(Booking.attended))
        .join(Training, col(Training.id) == col(Booking.training_id))
        .where(col(Booking.user_id) == user_id, col(Booking.status) == BookingStatus.BOOKED)
        .order_by(col(Training.starts_at).desc()))
    found.trainings = [(fr, en, attended) for fr, en, attended in rows.all()]
    found.alerts_received = int((await session.execute(
        select(func.count()).select_from(AlertRecipient).where(col(AlertRecipient.user_id) == user_id))).scalar_one())
    found.answers = {kind: int(n) for kind, n in (await session.execute(
        select(col(AlertAnswer.kind), func.count()).where(col(AlertAnswer.user_id) == user_id)
        .group_by(col(AlertAnswer.kind)))).all()}
    present = (select(func.count()).select_from(NightAssignment)
               .where(col(NightAssignment.edition_id) == col(NightRegistration.edition_id),
                      col(NightAssignment.user_id) == user_id, col(NightAssignment.present_at).is_not(None))
               .scalar_subquery())
    found.nights = [(name, withdrawn is not None, bool(n)) for name, withdrawn, n in (await session.execute(
        select(col(NightEdition.name), col(NightRegistration.withdrawn_at), present)
        .join(NightEdition, col(NightEdition.id) == col(NightRegistration.edition_id))
        .where(col(NightRegistration.user_id) == user_id).order_by(col(NightEdition.id).desc()))).all()]
    found.undelivered = await undelivered(session, user_id)
    return found


async def undelivered(session: AsyncSession, user_id: int, limit: int = 5) -> list[Undelivered]:
    """The last messages that did not reach this person: (campaign kind, outcome, reason, when)."""
    rows = await session.execute(
        select(col(Campaign.kind), col(OutboxMessage.status), col(OutboxMessage.last_error),
               col(Campaign.created_at))
        .join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
        .where(col(OutboxMessage.user_id) == user_id,
               col(OutboxMessage.status).in_([DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED]))
        .order_by(col(Campaign.created_at).desc()).limit(limit))
    return [(kind, status, error, at) for kind, status, error, at in rows.all()]


def _yes_no(value: bool, locale: str) -> str:
    return t(locale, "oui") if value else t(locale, "non")


def profile_text(found: Profile, locale: str, root_ids: frozenset[int]) -> str:
    person = found.person
    place = (format_arrondissement(person.arrondissement, locale) if person.arrondissement
             else (person.postal_code or "—"))
    networks = ", ".join(t(locale, segments.NETWORKS[key]) for key in person.networks) or "—"
    skills = ", ".join(t(locale, users.SKILLS[key]) for key in person.skills if key in users.SKILLS) or "—"
    spoken = ", ".join(segments.language_name(code, locale) for code in person.languages) or "—"
    lines = [
        f"<b>{html.escape(person.full_name or '—')}</b> (<code>{person.telegram_id}</code>)",
        t(locale, "Lieu : {place}", place=place),
        t(locale, "Réseaux : {networks}", networks=networks),
        t(locale, "Compétences : {skills}", skills=skills),
        t(locale, "Langues parlées : {languages}", languages=spoken),
        t(locale, "Langue du bot : {language}", language=segments.language_name(person.locale, locale)),
        t(locale, "Coordinateur : {answer}", answer=_yes_no(users.is_coordinator(person, root_ids), locale)),
    ]
    attended = sum(1 for *_titles, came in found.trainings if came)
    lines.append(t(locale, "Formations : {booked} réservée(s), {attended} suivie(s)",
                   booked=len(found.trainings), attended=attended))
    lines += [f"  • {html.escape(en if locale == 'en' else fr)}" for fr, en, _came in found.trainings[:5]]
    answers = ", ".join(f"{t(locale, _ANSWER_LABELS.get(kind, kind))} ×{n}"
                        for kind, n in sorted(found.answers.items()))
    lines.append(t(locale, "Alertes reçues : {count} ; réponses : {answers}",
                   count=found.alerts_received, answers=answers or "—"))
    nights = ", ".join(
        html.escape(name) + (t(locale, " (désisté)") if withdrawn else t(locale, " (présent)") if came else "")
        for name, withdrawn, came in found.nights)
    lines.append(t(locale, "Nuit de la Solidarité : {nights}", nights=nights or "—"))
    lines.append(reachability_line(found, locale))
    return "\n".join(lines)


def reachability_line(found: Profile, locale: str) -> str:
    if found.person.blocked_at is not None:
        return t(locale, "Joignable : non (a bloqué le bot le {when})",
                 when=format_when(found.person.blocked_at, locale))
    if found.undelivered:
        return tn(locale, "Joignable : oui, mais {n} message récent n'est pas arrivé",
                  "Joignable : oui, mais {n} messages récents ne sont pas arrivés", len(found.undelivered),
                  n=len(found.undelivered))
    return t(locale, "Joignable : oui")


_OUTCOMES = {DeliveryStatus.UNREACHABLE: N_("injoignable (bot bloqué ou compte supprimé)"),
             DeliveryStatus.FAILED: N_("échec")}


def why_unreachable_text(found: Profile, locale: str) -> str:
    lines = [reachability_line(found, locale)]
    for kind, status, error, at in found.undelivered:
        reason = t(locale, _OUTCOMES.get(DeliveryStatus(status), status))
        detail = f" — {html.escape(error)}" if error else ""
        lines.append(f"• {format_when(at, locale)} · {html.escape(kind)} : {reason}{detail}")
    if len(lines) == 1 and found.person.blocked_at is None:
        lines.append(t(locale, "Aucun message perdu : tout ce que le bot lui a envoyé est arrivé."))
    return "\n".join(lines)


# -- acting on a person -------------------------------------------------------------------------------------

_GRANTED = N_("Vous êtes maintenant coordinateur des volontaires de Paris. Tapez /coord pour ouvrir le menu "
              "coordinateur.")
_REVOKED = N_("Vous n'êtes plus coordinateur des volontaires de Paris. Merci pour votre aide !")


async def _tell(session: AsyncSession, person: User, text: str, kind: str) -> int:
    """One message to one person, through the outbox (retries, blocked accounts and the rate limit for free)."""
    assert person.telegram_id is not None
    campaign, _new = await outbox.create_campaign(session, kind=kind, title=kind)
    await outbox.enqueue(session, campaign, [outbox.Outgoing(person.telegram_id, [outbox.Part(text)], person.id)])
    assert campaign.id is not None
    return campaign.id


async def change_role(session: AsyncSession, actor: User | None, person: User, granted: bool,
                      root_ids: frozenset[int], *, now: datetime) -> User:
    """Grant or revoke the coordinator role; the person is told, and the change is in the audit trail."""
    access_desk(actor, root_ids)
    assert person.telegram_id is not None
    if users.is_coordinator(person, root_ids) == granted:
        raise DomainError(N_("Rien à changer : {name} est déjà coordinateur.") if granted
                          else N_("Rien à changer : {name} n'est pas coordinateur."),
                          name=person.full_name or person.telegram_id)
    await users.set_coordinator(session, person.telegram_id, granted, root_ids)
    campaign_id = await _tell(session, person, t(person.locale, _GRANTED if granted else _REVOKED), "role")
    await audit.record(session, actor=actor, action="grant" if granted else "revoke", now=now, count=1,
                       target=person, campaign_id=campaign_id)
    return person


async def send_message(session: AsyncSession, actor: User, person: User, text: str, root_ids: frozenset[int],
                       *, now: datetime) -> None:
    """A coordinator's message to one volunteer (its text is not kept in the audit trail)."""
    access_desk(actor, root_ids)
    text = text.strip()
    if not text:
        raise DomainError(N_("Un message ne peut pas être vide."))
    if len(text) > MESSAGE_MAX:
        raise DomainError(N_("Ce message est trop long ({max} caractères au plus)."), max=MESSAGE_MAX)
    body = t(person.locale, "✉️ Message de la coordination ({name}) :", name=html.escape(actor.full_name or "—"))
    campaign_id = await _tell(session, person, f"{body}\n\n{html.escape(text)}", "message")
    await audit.record(session, actor=actor, action="message", now=now, count=1, target=person,
                       campaign_id=campaign_id)
