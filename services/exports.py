"""Every list the bot holds, as a spreadsheet a coordinator can open in a French Excel.

One framework, many small lists: a list is a function returning rows, declared with `@export_list(...)`
(its key, title, file name and columns as French msgids). `run` checks the coordinator, renders the file in
their language (Paris time, `;` separators, a BOM so Excel reads UTF-8, no formula injection) and writes the
export in the audit trail. Lists hold personal data only where the coordinator's task needs it (names for
teams and participants); the others are anonymous counts.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import BABEL_LOCALES, N_, normalize_locale, t
from locales.formatting import PARIS
from models.heatwave import Alert, AlertAnswer, AlertRecipient
from models.missions import Mission, MissionSignup, SignupStatus
from models.newsletter import NewsletterSubscription
from models.night import NightAssignment, NightEdition, NightRegistration, NightSector
from models.outbox import Campaign, OutboxMessage
from models.procurement import Subscription
from models.training import Booking, BookingStatus, Training
from models.user import User
from services import audit, people, segments, users
from services.errors import DomainError

log = logging.getLogger(__name__)
Cell = str | int | bool | datetime | None


@dataclass(frozen=True)
class Request:
    """What a list is asked for: the reader's language and zone, and a segment where a list takes one."""

    locale: str
    tz: ZoneInfo = PARIS
    segment: segments.Segment = field(default_factory=segments.Segment)


Rows = Callable[[AsyncSession, Request], Awaitable[list[Sequence[Cell]]]]


@dataclass(frozen=True)
class ExportList:
    key: str
    title: str  # msgid: the button and the CLI's list
    filename: str  # msgid: the file's name, without the date and extension
    columns: tuple[str, ...]  # msgids
    rows: Rows


LISTS: dict[str, ExportList] = {}


def export_list(key: str, title: str, filename: str, columns: Sequence[str]) -> Callable[[Rows], Rows]:
    """Declare a list: `@export_list("night_teams", N_("Équipes de la Nuit"), N_("equipes-nuit"), (...))`."""
    def register(rows: Rows) -> Rows:
        if key in LISTS:
            raise ValueError(f"two exports named {key!r}")
        LISTS[key] = ExportList(key, title, filename, tuple(columns), rows)
        return rows
    return register


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    rows: int


def cell(value: Cell, request: Request) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return t(request.locale, "oui") if value else t(request.locale, "non")
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(request.tz), "dd/MM/yyyy HH:mm", tzinfo=request.tz,
                               locale=BABEL_LOCALES[request.locale])
    text = str(value)
    # a name typed as "=HYPERLINK(…)" must stay text in a spreadsheet
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, int) else text


def render(spec: ExportList, rows: Sequence[Sequence[Cell]], request: Request) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([t(request.locale, column) for column in spec.columns])
    writer.writerows([cell(value, request) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def run(session: AsyncSession, actor: User | None, key: str, *, locale: str, now: datetime,
              root_ids: frozenset[int] = frozenset(), segment: segments.Segment | None = None,
              tz: ZoneInfo = PARIS) -> Export:
    """One export, for a coordinator (checked here) or, with `actor=None`, the operator's command line."""
    people.access_desk(actor, root_ids)
    spec = LISTS.get(key)
    if spec is None:
        raise DomainError(N_("Liste inconnue : {key}."), key=key)
    request = Request(normalize_locale(locale), tz, (segment or segments.Segment()).check())
    rows = await spec.rows(session, request)
    await audit.record(session, actor=actor, action="export", subject=key, count=len(rows), now=now)
    log.info("export %s: %d rows", key, len(rows))  # never who or what: a count
    filename = f"{t(request.locale, spec.filename)}-{now.astimezone(tz):%Y-%m-%d}.csv"
    return Export(filename, render(spec, rows, request), len(rows))


# -- the lists ---------------------------------------------------------------------------------------------

@export_list("volunteers", N_("Volontaires"), N_("volontaires"),
             (N_("Nom"), N_("Arrondissement"), N_("Réseaux"), N_("Langue du bot"), N_("Langues parlées"),
              N_("Compétences"), N_("Joignable"), N_("Inscrit le")))
async def volunteers(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    locale = request.locale
    return [(person.full_name, person.arrondissement or t(locale, "Hors de Paris"),
             ", ".join(t(locale, segments.NETWORKS[key]) for key in person.networks),
             person.locale,
             ", ".join(segments.language_name(code, locale) for code in person.languages),
             ", ".join(t(locale, users.SKILLS[key]) for key in person.skills if key in users.SKILLS),
             person.blocked_at is None, person.signed_up_at)
            for person in await segments.members(session, request.segment, reachable_only=False)]


@export_list("alert_answers", N_("Réponses aux alertes par arrondissement"), N_("reponses-alertes"),
             (N_("Alerte"), N_("Ouverte le"), N_("Niveau"), N_("Arrondissement"), N_("Prévenus"),
              N_("Peuvent aider"), N_("Ont vérifié leurs voisins"), N_("Indisponibles"), N_("Sans réponse")))
async def alert_answers(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    answers = dict.fromkeys(("help", "checked", "unavailable"), 0)
    rows = await session.execute(
        select(col(Alert.id), col(Alert.created_at), col(Alert.level), col(AlertRecipient.arrondissement),
               col(AlertAnswer.kind), func.count())
        .join(AlertRecipient, col(AlertRecipient.alert_id) == col(Alert.id))
        .outerjoin(AlertAnswer, (col(AlertAnswer.alert_id) == col(Alert.id))
                   & (col(AlertAnswer.user_id) == col(AlertRecipient.user_id)))
        .group_by(col(Alert.id), col(Alert.created_at), col(Alert.level), col(AlertRecipient.arrondissement),
                  col(AlertAnswer.kind))
        .order_by(col(Alert.id), col(AlertRecipient.arrondissement)))
    table: dict[tuple[int | None, datetime, int, int], Counter[str]] = {}
    for alert_id, created_at, level, area, kind, n in rows.all():
        table.setdefault((alert_id, created_at, level, area), Counter())[kind or ""] += int(n)
    return [(alert_id, created_at, level, area, sum(counts.values()),
             *(counts[kind] for kind in answers), counts[""])
            for (alert_id, created_at, level, area), counts in table.items()]


@export_list("night_teams", N_("Équipes et présence de la Nuit de la Solidarité"), N_("equipes-nuit"),
             (N_("Édition"), N_("Secteur"), N_("Arrondissement"), N_("Rendez-vous"), N_("Heure"), N_("Rôle"),
              N_("Nom"), N_("Présent")))
async def night_teams(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    roles = {"leader": N_("chef d'équipe"), "member": N_("équipier")}
    rows = await session.execute(
        select(col(NightEdition.name), col(NightSector.code), col(NightSector.arrondissement),
               col(NightSector.meeting_point), col(NightSector.meeting_at), col(NightAssignment.role),
               col(User.full_name), col(NightAssignment.present_at))
        .join(NightSector, col(NightSector.id) == col(NightAssignment.sector_id))
        .join(NightEdition, col(NightEdition.id) == col(NightAssignment.edition_id))
        .join(User, col(User.id) == col(NightAssignment.user_id))
        .order_by(col(NightEdition.id), col(NightSector.code), col(NightAssignment.role), col(User.full_name)))
    return [(edition, code, area, point, at, t(request.locale, roles.get(role, role)), name, present is not None)
            for edition, code, area, point, at, role, name, present in rows.all()]


@export_list("night_presence", N_("Présence par secteur de la Nuit de la Solidarité"), N_("presence-nuit"),
             (N_("Édition"), N_("Secteur"), N_("Arrondissement"), N_("Présents"), N_("Dans l'équipe")))
async def night_presence(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    rows = await session.execute(
        select(col(NightEdition.name), col(NightSector.code), col(NightSector.arrondissement),
               func.count(col(NightAssignment.present_at)), func.count(col(NightAssignment.id)))
        .join(NightSector, col(NightSector.id) == col(NightAssignment.sector_id))
        .join(NightEdition, col(NightEdition.id) == col(NightAssignment.edition_id))
        .group_by(col(NightEdition.id), col(NightEdition.name), col(NightSector.code), col(NightSector.arrondissement))
        .order_by(col(NightEdition.id), col(NightSector.code)))
    return [(edition, code, area, int(present), int(total)) for edition, code, area, present, total in rows.all()]


@export_list("night_feedback", N_("Retours des volontaires après la Nuit de la Solidarité"), N_("retours-nuit"),
             (N_("Édition"), N_("Retour"), N_("Personnes")))
async def night_feedback(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    """How the night went for the volunteers (their own experience, 1 to 3): counts, nothing about anyone met."""
    labels = {3: N_("bien"), 2: N_("moyen"), 1: N_("difficile")}
    rows = await session.execute(
        select(col(NightEdition.name), col(NightRegistration.feedback), func.count())
        .join(NightEdition, col(NightEdition.id) == col(NightRegistration.edition_id))
        .where(col(NightRegistration.feedback).is_not(None))
        .group_by(col(NightEdition.id), col(NightEdition.name), col(NightRegistration.feedback))
        .order_by(col(NightEdition.id), col(NightRegistration.feedback).desc()))
    return [(edition, t(request.locale, labels.get(int(score or 0), "?")), int(n)) for edition, score, n in rows.all()]


@export_list("campaigns", N_("Envois et leurs résultats"), N_("envois"),
             (N_("Envoi"), N_("Type"), N_("Titre"), N_("Créé le"), N_("Résultat"), N_("Raison"), N_("Personnes")))
async def campaign_outcomes(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    outcomes = {"sent": N_("envoyé"), "unreachable": N_("injoignable"), "failed": N_("échec"),
                "pending": N_("en attente"), "sending": N_("en attente"), "cancelled": N_("annulé")}
    rows = await session.execute(
        select(col(Campaign.id), col(Campaign.kind), col(Campaign.title), col(Campaign.created_at),
               col(OutboxMessage.status), col(OutboxMessage.last_error), func.count())
        .join(OutboxMessage, col(OutboxMessage.campaign_id) == col(Campaign.id))
        .group_by(col(Campaign.id), col(Campaign.kind), col(Campaign.title), col(Campaign.created_at),
                  col(OutboxMessage.status), col(OutboxMessage.last_error))
        .order_by(col(Campaign.id), col(OutboxMessage.status)))
    return [(campaign_id, kind, title, at, t(request.locale, outcomes.get(status, status)),
             None if status == "sent" else error, int(n))
            for campaign_id, kind, title, at, status, error, n in rows.all()]


@export_list("training_participants", N_("Participants aux formations"), N_("participants-formations"),
             (N_("Formation"), N_("Date"), N_("Nom"), N_("Inscription"), N_("Présent")))
async def training_participants(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    statuses = {BookingStatus.BOOKED: N_("place réservée"), BookingStatus.WAITLISTED: N_("liste d'attente")}
    rows = await session.execute(
        select(Training, col(User.full_name), col(Booking.status), col(Booking.attended))
        .join(Booking, col(Booking.training_id) == col(Training.id))
        .join(User, col(User.id) == col(Booking.user_id))
        .where(col(Booking.status) != BookingStatus.CANCELLED, col(User.erased_at).is_(None))
        .order_by(col(Training.starts_at), col(Training.id), col(Booking.status), col(Booking.seq)))
    return [(training.title(request.locale), training.starts_at, name,
             t(request.locale, statuses.get(BookingStatus(status), status)), attended)
            for training, name, status, attended in rows.all()]


@export_list("mission_signups", N_("Inscrits aux missions des associations"), N_("inscrits-missions"),
             (N_("Association"), N_("Mission"), N_("Date"), N_("Arrondissement"), N_("Nom")))
async def mission_signups(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    rows = await session.execute(
        select(Mission, col(User.full_name))
        .join(MissionSignup, col(MissionSignup.mission_id) == col(Mission.id))
        .join(User, col(User.id) == col(MissionSignup.user_id))
        .where(col(MissionSignup.status) == SignupStatus.BOOKED, col(User.erased_at).is_(None))
        .order_by(col(Mission.starts_at), col(Mission.id), col(MissionSignup.updated_at), col(MissionSignup.id)))
    return [(mission.association, mission.title, mission.starts_at, mission.arrondissement, name)
            for mission, name in rows.all()]


@export_list("newsletter_readers", N_("Lecteurs de la lettre (par langue)"), N_("lecteurs-lettre"),
             (N_("Langue"), N_("Abonnés")))
async def newsletter_readers(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    rows = await session.execute(
        select(col(NewsletterSubscription.locale), func.count()).where(col(NewsletterSubscription.active))
        .group_by(col(NewsletterSubscription.locale)).order_by(col(NewsletterSubscription.locale)))
    return [(segments.language_name(code, request.locale), int(n)) for code, n in rows.all()]


@export_list("procurement_subscriptions", N_("Abonnements aux marchés publics (comptes anonymes)"),
             N_("abonnements-marches"), (N_("Métier (code CPV)"), N_("Lieu"), N_("Abonnements")))
async def procurement_subscriptions(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    counts: Counter[tuple[str, str]] = Counter()
    everywhere, any_trade = t(request.locale, "partout"), t(request.locale, "tous")
    for trades, places in (await session.execute(
            select(col(Subscription.cpv_prefixes), col(Subscription.places)).where(~col(Subscription.paused)))).all():
        for trade in trades or [any_trade]:
            for place in places or [everywhere]:
                counts[(trade, place)] += 1
    return [(trade, place, n) for (trade, place), n in sorted(counts.items())]


@export_list("audit", N_("Journal des actions des coordinateurs"), N_("journal-coordination"),
             (N_("Quand"), N_("Qui"), N_("Action"), N_("Objet"), N_("Personne concernée"), N_("Personnes"),
              N_("Envoi")))
async def audit_trail(session: AsyncSession, request: Request) -> list[Sequence[Cell]]:
    return [(line.at, line.actor or t(request.locale, "ligne de commande"), action_label(line.action, request.locale),
             line.subject, line.target, line.count, line.campaign_id)
            for line in await audit.trail(session, limit=None)]


_ACTIONS = {"grant": N_("rôle de coordinateur donné"), "revoke": N_("rôle de coordinateur retiré"),
            "message": N_("message à une personne"), "export": N_("export"), "erase": N_("données effacées"),
            "privacy_export": N_("données d'une personne exportées")}


def action_label(action: str, locale: str) -> str:
    kind, _, campaign_kind = action.partition(":")
    if kind == "campaign":
        return t(locale, "envoi ({kind})", kind=campaign_kind)
    return t(locale, _ACTIONS[action]) if action in _ACTIONS else action


def describe_lists(locale: str) -> list[tuple[str, str]]:
    return [(spec.key, t(locale, spec.title)) for spec in LISTS.values()]

