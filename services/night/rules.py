"""Night of Solidarity rules: editions, sectors, registration, forming and publishing teams, the night itself.

Registration: answers can be changed until the deadline; withdrawing and registering late stay possible
until the night starts. Once teams are published, a withdrawal or a late registration is absorbed by
`services.night_publication` with the fewest changes, and only the people whose team changed are told.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_
from models.night import (
    NightAssignment,
    NightEdition,
    NightLeader,
    NightRegistration,
    NightRole,
    NightSector,
    SectorKind,
)
from models.user import User
from services.errors import DomainError
from services.night import assignment as solver
from services.timing import paris_datetime, utc
from services.training import sessions as training

MAX_PREFERENCES = 3
GROUP_MAX = 4  # a volunteer and up to 3 friends
NIGHT_START = time(22, 0)
NIGHT_HOURS = 3  # 22:00 to 01:00
CHECK_IN_OPENS = timedelta(hours=2)  # "I'm here" works from two hours before the meeting time
SECTOR_KINDS: dict[str, str] = {
    SectorKind.STREET: N_("rue"),
    SectorKind.STATION: N_("hall de gare"),
    SectorKind.BUILDING_HALLS: N_("halls d'immeubles"),
    SectorKind.HOSPITAL: N_("hôpital"),
    SectorKind.OTHER: N_("autre"),
}
_GROUP_CODE = re.compile(r"^[A-Z0-9-]{3,24}$")
# Access needs a volunteer picks from a short list, and what each kind of sector demands: a hard rule, the
# solver, moves and late registrations never put someone in a sector demanding what they cannot do.
NEEDS: dict[str, str] = {
    "stairs": N_("escaliers difficiles"),
    "walking": N_("longue marche difficile"),
    "standing": N_("station debout prolongée difficile"),
}
KIND_DEMANDS: dict[str, frozenset[str]] = {
    SectorKind.STREET: frozenset({"walking"}),
    SectorKind.STATION: frozenset({"stairs", "walking", "standing"}),
    SectorKind.BUILDING_HALLS: frozenset({"stairs"}),
    SectorKind.HOSPITAL: frozenset({"standing"}),
    SectorKind.OTHER: frozenset(),
}
# typed where an access need is asked: these say "nothing to report", not a need
_NO_NEED = {"", "-", "aucun", "aucune", "rien", "non", "none", "no", "nothing", "nope", "n/a", "na", "ras",
            "pas de contrainte", "no constraint", "nothing to report"}


def free_text_need(text: str | None) -> str | None:
    """A typed access need, or None when it says there is none ("aucune", "none"…)."""
    cleaned = " ".join((text or "").split())[:200]
    return None if cleaned.lower().strip(" .!") in _NO_NEED else cleaned


def demands(kind: str) -> frozenset[str]:
    return KIND_DEMANDS.get(kind, frozenset())


def may_take_part(user: User) -> bool:
    """The Night is for Solidarity Volunteers and for Parisians; a Climate-only volunteer outside Paris is not
    offered it."""
    return user.solidarity_volunteer or user.arrondissement is not None


# -- editions, sectors and leaders ---------------------------------------------------------------------

def night_start(edition: NightEdition) -> datetime:
    return utc(paris_datetime(edition.night_date, NIGHT_START))


def night_end(edition: NightEdition) -> datetime:
    return night_start(edition) + timedelta(hours=NIGHT_HOURS)


async def create_edition(session: AsyncSession, *, name: str, night_date: date, deadline: date,
                         now: datetime) -> NightEdition:
    """A new edition; registrations close at the end of `deadline` (23:59 Paris time)."""
    closes = utc(paris_datetime(deadline, time(23, 59)))
    edition = NightEdition(name=name.strip()[:80] or "Nuit de la Solidarité", night_date=night_date,
                           registration_deadline=closes)
    if night_start(edition) <= now:
        raise DomainError(N_("La date de la nuit est déjà passée."))
    if closes >= night_start(edition):
        raise DomainError(N_("La clôture des inscriptions doit précéder la nuit."))
    session.add(edition)
    await session.flush()
    return edition


async def get_edition(session: AsyncSession, edition_id: int) -> NightEdition:
    edition = await session.get(NightEdition, edition_id)
    if edition is None:
        raise DomainError(N_("Édition introuvable."))
    return edition


async def current_edition(session: AsyncSession, now: datetime) -> NightEdition | None:
    """The next night not over yet, else none (a past edition is only read through the CLI)."""
    editions = (await session.execute(select(NightEdition).order_by(col(NightEdition.night_date)))).scalars()
    return next((edition for edition in editions if night_end(edition) > now), None)


async def add_leader(session: AsyncSession, edition: NightEdition, *, code: str, first_name: str,
                     organisation: str | None = None, telegram_id: int | None = None) -> NightLeader:
    """Register a team leader, or update the one with this code."""
    code, first_name = code.strip(), " ".join(first_name.split())
    if not code or not first_name:
        raise DomainError(N_("Un responsable a besoin d'un code et d'un prénom."))
    user_id = None
    if telegram_id is not None:
        user = (await session.execute(select(User).where(col(User.telegram_id) == telegram_id))).scalar_one_or_none()
        user_id = user.id if user is not None else None
    if user_id is not None:
        place = await assignment_of(session, edition, user_id)
        if place is not None and place.role == NightRole.MEMBER:
            raise DomainError(N_("Cette personne est déjà équipière dans une équipe : une personne, un rôle. "
                                 "Retirez-la d'abord de son équipe."))
    leader = (await session.execute(select(NightLeader).where(
        col(NightLeader.edition_id) == edition.id, col(NightLeader.code) == code))).scalar_one_or_none()
    if leader is None:
        assert edition.id is not None
        leader = NightLeader(edition_id=edition.id, code=code, first_name=first_name)
        session.add(leader)
    leader.first_name, leader.organisation, leader.user_id = first_name[:64], organisation, user_id
    await session.flush()
    return leader


@dataclass(frozen=True)
class SectorInput:
    code: str
    arrondissement: int
    kind: str
    meeting_point: str
    meeting_address: str
    meeting_time: time
    min_volunteers: int = 3
    max_volunteers: int = 4
    leader_code: str | None = None


async def add_sector(session: AsyncSession, edition: NightEdition, data: SectorInput) -> NightSector:
    """Create or update the sector with this code."""
    if not data.code.strip():
        raise DomainError(N_("Un secteur a besoin d'un code."))
    if not 1 <= data.arrondissement <= 20:
        raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
    if data.kind not in SECTOR_KINDS:
        raise DomainError(N_("Type de secteur inconnu : {kind}."), kind=data.kind)
    if not 1 <= data.min_volunteers <= data.max_volunteers <= 10:
        raise DomainError(N_("Taille d'équipe impossible : il faut 1 ≤ minimum ≤ maximum ≤ 10."))
    if not data.meeting_point.strip() or not data.meeting_address.strip():
        raise DomainError(N_("Un secteur a besoin d'un point de rendez-vous et de son adresse."))
    leader_id = None
    if data.leader_code:
        leader = (await session.execute(select(NightLeader).where(
            col(NightLeader.edition_id) == edition.id, col(NightLeader.code) == data.leader_code))).scalar_one_or_none()
        if leader is None:
            raise DomainError(N_("Responsable inconnu : {code}."), code=data.leader_code)
        leader_id = leader.id
        other = (await session.execute(select(NightSector).where(
            col(NightSector.leader_id) == leader_id, col(NightSector.code) != data.code.strip()))).scalars().first()
        if other is not None:
            raise DomainError(N_("{code} mène déjà le secteur {sector} : une personne, un rôle."),
                              code=data.leader_code, sector=other.code)
    meeting_at = utc(paris_datetime(edition.night_date, data.meeting_time))
    if meeting_at >= night_start(edition) or meeting_at < night_start(edition) - timedelta(hours=6):
        raise DomainError(N_("Le rendez-vous doit être dans les six heures avant 22 h."))
    sector = (await session.execute(select(NightSector).where(
        col(NightSector.edition_id) == edition.id, col(NightSector.code) == data.code.strip()))).scalar_one_or_none()
    if sector is None:
        assert edition.id is not None
        sector = NightSector(edition_id=edition.id, code=data.code.strip(), arrondissement=data.arrondissement,
                             meeting_point="", meeting_address="", meeting_at=meeting_at)
        session.add(sector)
    sector.arrondissement, sector.kind = data.arrondissement, data.kind
    sector.meeting_point, sector.meeting_address = data.meeting_point.strip()[:120], data.meeting_address.strip()[:200]
    sector.meeting_at, sector.leader_id = meeting_at, leader_id
    sector.min_volunteers, sector.max_volunteers = data.min_volunteers, data.max_volunteers
    await session.flush()
    return sector


async def list_sectors(session: AsyncSession, edition: NightEdition) -> list[NightSector]:
    return list((await session.execute(select(NightSector).where(col(NightSector.edition_id) == edition.id)
                                       .order_by(col(NightSector.code)))).scalars())


# -- registration ---------------------------------------------------------------------------------------

def clean_preferences(values: Iterable[int]) -> list[int]:
    """One to three distinct arrondissements, in the order given (most wanted first)."""
    ranked: list[int] = []
    for value in values:
        if not 1 <= value <= 20:
            raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
        if value not in ranked:
            ranked.append(value)
    if not ranked:
        raise DomainError(N_("Choisissez au moins un arrondissement."))
    if len(ranked) > MAX_PREFERENCES:
        raise DomainError(N_("Trois arrondissements au plus."))
    return ranked


def parse_preferences(text: str) -> list[int]:
    """Typed preferences such as "18, 19 10" or "18e 19e"."""
    numbers = re.findall(r"\d+", text)
    if not numbers:
        raise DomainError(N_("Écrivez des numéros d'arrondissement, par exemple : 18 19 10."))
    return clean_preferences(int(number) for number in numbers)


def clean_group_code(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    code = text.strip().upper().replace(" ", "-")
    if not _GROUP_CODE.match(code):
        raise DomainError(N_("Un code de groupe a 3 à 24 lettres ou chiffres, par exemple AMIS-18."))
    return code


def is_experienced(registration: NightRegistration, trainings_attended: int = 0) -> bool:
    """Has done the night before (their own answer) or has attended at least one training."""
    return not registration.first_time or trainings_attended > 0


async def count_registrations(session: AsyncSession, edition_id: int) -> int:
    """Volunteers registered for an edition and not withdrawn."""
    return int((await session.execute(select(func.count()).where(
        col(NightRegistration.edition_id) == edition_id, col(NightRegistration.withdrawn_at).is_(None)))).scalar_one())


async def get_registration(session: AsyncSession, edition: NightEdition, user_id: int) -> NightRegistration | None:
    query = select(NightRegistration).where(col(NightRegistration.edition_id) == edition.id,
                                            col(NightRegistration.user_id) == user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def active_registrations(session: AsyncSession, edition: NightEdition) -> list[NightRegistration]:
    return list((await session.execute(select(NightRegistration).where(
        col(NightRegistration.edition_id) == edition.id, col(NightRegistration.withdrawn_at).is_(None))
        .order_by(col(NightRegistration.id)))).scalars())


@dataclass(frozen=True)
class Answers:
    arrondissements: list[int]
    first_time: bool
    languages: list[str] = field(default_factory=list)
    group_code: str | None = None
    can_lead: bool = False
    access_constraint: str | None = None
    access_needs: list[str] = field(default_factory=list)


async def leader_of(session: AsyncSession, edition: NightEdition, user_id: int) -> NightLeader | None:
    """The imported leader this person is for this edition, if any."""
    return (await session.execute(select(NightLeader).where(
        col(NightLeader.edition_id) == edition.id, col(NightLeader.user_id) == user_id))).scalars().first()


async def register(session: AsyncSession, edition: NightEdition, user: User, answers: Answers,
                   now: datetime) -> tuple[NightRegistration, bool]:
    """Record (or change) a registration; the flag says it was new and came after the deadline."""
    assert user.id is not None and edition.id is not None
    if now >= night_start(edition):
        raise DomainError(N_("Les inscriptions sont closes : la nuit a commencé."))
    if not may_take_part(user):
        raise DomainError(N_("La Nuit de la Solidarité est ouverte aux Volontaires de la Solidarité et aux "
                             "Parisiens : votre profil indique un domicile hors de Paris."))
    if await leader_of(session, edition, user.id) is not None:
        raise DomainError(N_("Vous êtes déjà responsable d'équipe pour cette nuit : une personne, un rôle."))
    existing = await get_registration(session, edition, user.id)
    active = existing is not None and existing.withdrawn_at is None
    if active and now >= edition.registration_deadline:
        raise DomainError(N_("La date limite est passée : votre inscription ne peut plus être modifiée, "
                             "mais vous pouvez toujours vous retirer."))
    prefs = clean_preferences(answers.arrondissements)
    group = clean_group_code(answers.group_code)
    if group is not None:
        others = (await session.execute(select(func.count()).where(
            col(NightRegistration.edition_id) == edition.id, col(NightRegistration.group_code) == group,
            col(NightRegistration.withdrawn_at).is_(None), col(NightRegistration.user_id) != user.id))).scalar_one()
        if others >= GROUP_MAX:
            raise DomainError(N_("Le groupe {code} est complet ({max} personnes au plus)."), code=group, max=GROUP_MAX)
    access = free_text_need(answers.access_constraint)
    registration = existing or NightRegistration(edition_id=edition.id, user_id=user.id)
    registration.arrondissements, registration.first_time = prefs, answers.first_time
    registration.languages = sorted(set(answers.languages))
    registration.group_code, registration.access_constraint = group, access
    registration.access_needs = [need for need in NEEDS if need in answers.access_needs]
    registration.can_lead = answers.can_lead and not answers.first_time  # leading needs a past night
    registration.withdrawn_at, registration.updated_at = None, now
    if existing is None:
        session.add(registration)
    await session.flush()
    return registration, not active and now >= edition.registration_deadline


async def withdraw(session: AsyncSession, edition: NightEdition, user: User, now: datetime) -> NightAssignment | None:
    """Withdraw; returns the team place they left (the caller repairs it when teams are published)."""
    assert user.id is not None
    registration = await get_registration(session, edition, user.id)
    if registration is None or registration.withdrawn_at is not None:
        raise DomainError(N_("Vous n'êtes pas inscrit à cette nuit."))
    if now >= night_end(edition):
        raise DomainError(N_("Cette nuit est terminée."))
    registration.withdrawn_at = registration.updated_at = now
    place = await assignment_of(session, edition, user.id)
    if place is not None:
        await session.delete(place)
    await session.flush()
    return place


async def assignment_of(session: AsyncSession, edition: NightEdition, user_id: int) -> NightAssignment | None:
    return (await session.execute(select(NightAssignment).where(
        col(NightAssignment.edition_id) == edition.id, col(NightAssignment.user_id) == user_id))).scalar_one_or_none()


# -- forming the teams ----------------------------------------------------------------------------------

def solver_input(registrations: Sequence[NightRegistration], sectors: Sequence[NightSector],
                 attended: Mapping[int, int] | None = None) -> tuple[list[solver.Volunteer], list[solver.Team]]:
    """Registrations and sectors as the solver's plain values (ids are database ids as text)."""
    attended = attended or {}
    sizes: dict[str, int] = defaultdict(int)
    for registration in registrations:
        if registration.group_code:
            sizes[registration.group_code] += 1
    volunteers = [solver.Volunteer(
        str(r.user_id), tuple(r.arrondissements), is_experienced(r, attended.get(r.user_id, 0)),
        r.group_code if r.group_code and sizes[r.group_code] > 1 else None, r.can_lead,
        frozenset(r.access_needs or ()), frozenset(r.languages or ())) for r in registrations]
    teams = [solver.Team(str(s.id), s.arrondissement, s.min_volunteers, s.max_volunteers,
                         str(s.leader_id) if s.leader_id else None, demands(s.kind)) for s in sectors]
    return volunteers, teams


# why a sector is not staffed, computed from who is left (the solver staffs every sector it can)
NO_LEADER = N_("pas de responsable : personne de disponible qui peut mener n'a choisi cet arrondissement")
TOO_FEW = N_("pas assez de volontaires disponibles ayant choisi cet arrondissement")
ACCESS = N_("contraintes d'accès : les volontaires disponibles ne peuvent pas aller dans ce type de secteur")
GROUPS = N_("les volontaires disponibles viennent en groupes qui ne tiennent pas dans cette équipe")


@dataclass
class FormSummary:
    sectors: int
    formed: int
    assigned: int
    unassigned: int
    by_rank: list[int]  # people placed in their 1st, 2nd, 3rd choice, then elsewhere
    first_timers: dict[int, int]  # first-timers per team → how many teams
    groups_kept: int
    groups: int
    uncovered: list[tuple[str, str]]  # sector code, reason msgid
    objective: int = 0
    bound: int = 0
    changed: list[NightAssignment] = field(default_factory=list)  # after publication: places to tell
    dropped: list[int] = field(default_factory=list)  # after publication: user ids who lost their place


async def led_by_imported(session: AsyncSession, edition: NightEdition) -> dict[int, int]:
    """Sectors whose registered leader has a Telegram account: sector id → the leader's user id."""
    rows = await session.execute(select(col(NightSector.id), col(NightLeader.user_id)).join(
        NightLeader, col(NightLeader.id) == col(NightSector.leader_id)).where(
        col(NightSector.edition_id) == edition.id, col(NightLeader.user_id).is_not(None)))
    return {int(sector_id or 0): int(user_id or 0) for sector_id, user_id in rows.all()}


async def form_teams(session: AsyncSession, edition: NightEdition, now: datetime, *,
                     keep: bool = True) -> FormSummary:
    """Run the solver and store its plan. Before publication: the draft teams. After publication (until the
    night), `keep` completes the published teams (new people, sectors still empty); otherwise everything is
    formed again. Either way `changed` lists the places whose holders must be told."""
    if now >= night_start(edition):
        raise DomainError(N_("Cette nuit est terminée."))
    sectors = await list_sectors(session, edition)
    if not sectors:
        raise DomainError(N_("Aucun secteur : ajoutez d'abord les secteurs de cette édition."))
    assert edition.id is not None
    imported = await led_by_imported(session, edition)
    registrations = [r for r in await active_registrations(session, edition) if r.user_id not in imported.values()]
    before = {a.user_id: a for a in await edition_assignments(session, edition)}
    kept = {a.user_id: a for a in before.values() if keep and edition.published_at is not None}
    taken = {a.sector_id for a in kept.values() if a.user_id not in imported.values()}
    free_sectors = [s for s in sectors if s.id not in taken]
    free_people = [r for r in registrations if r.user_id not in kept]
    attended = await training.attended_counts(session, [r.user_id for r in free_people])
    volunteers, teams = solver_input(free_people, free_sectors, attended)
    result = solver.solve(volunteers, teams)
    if result.violations:  # pragma: no cover - the solver's plan is checked before it is returned
        raise RuntimeError(f"assignment breaks {len(result.violations)} rules")
    plan: dict[int, tuple[int, str]] = {uid: (a.sector_id, a.role) for uid, a in kept.items()}
    for volunteer in volunteers:
        placement = result.placements.get(volunteer.id)
        if placement is not None:
            plan[int(volunteer.id)] = (int(placement.team_id), placement.role)
    for sector_id, user_id in imported.items():
        plan[user_id] = (sector_id, NightRole.LEADER)
    if kept:  # completing published teams: anyone alone still waiting joins a team with room
        for registration in registrations:
            if registration.user_id not in plan and not registration.group_code:
                spot = room_for(registration, sectors, plan)
                if spot is not None:
                    plan[registration.user_id] = spot
    changed: list[NightAssignment] = []
    for user_id, place in before.items():
        if plan.get(user_id) != (place.sector_id, place.role):
            await session.delete(place)
    await session.flush()
    for user_id, (sector_id, role) in plan.items():
        held = before.get(user_id)
        if held is not None and (held.sector_id, held.role) == (sector_id, role):
            continue
        fresh = NightAssignment(edition_id=edition.id, user_id=user_id, sector_id=sector_id, role=role)
        session.add(fresh)
        changed.append(fresh)
    edition.formed_at = now
    await session.flush()
    summary = await summarise(session, edition)
    summary.objective, summary.bound = result.objective, result.bound
    summary.changed = changed if edition.published_at is not None else []
    summary.dropped = [uid for uid in before if uid not in plan] if edition.published_at is not None else []
    return summary


def room_for(registration: NightRegistration, sectors: Sequence[NightSector],
              plan: Mapping[int, tuple[int, str]]) -> tuple[int, str] | None:
    """A formed team with room that this person may join (their arrondissements in order, smallest team first)."""
    size: dict[int, int] = defaultdict(int)
    formed: set[int] = set()
    for sector_id, role in plan.values():
        formed.add(sector_id)
        size[sector_id] += role == NightRole.MEMBER
    for arrondissement in registration.arrondissements:
        roomy = sorted((s for s in sectors if s.arrondissement == arrondissement and s.id in formed
                        and size[s.id or 0] < s.max_volunteers and not set(registration.access_needs or ()) &
                        demands(s.kind)), key=lambda s: (size[s.id or 0], s.code))
        if roomy and roomy[0].id is not None:
            return roomy[0].id, NightRole.MEMBER
    return None


async def edition_assignments(session: AsyncSession, edition: NightEdition) -> list[NightAssignment]:
    return list((await session.execute(select(NightAssignment).where(col(NightAssignment.edition_id) == edition.id)
                                       .order_by(col(NightAssignment.id)))).scalars())


def staffed_sectors(sectors: Sequence[NightSector], assignments: Iterable[NightAssignment]) -> set[int]:
    """Sectors whose team is formed: a leader (registered or a volunteer) and at least the minimum of members
    (on the night a reinforcement may take a team past its maximum: it still counts)."""
    members: dict[int, int] = defaultdict(int)
    led: set[int] = set()
    for place in assignments:
        if place.role == NightRole.LEADER:
            led.add(place.sector_id)
        else:
            members[place.sector_id] += 1
    return {s.id for s in sectors if s.id is not None and (s.leader_id is not None or s.id in led)
            and s.min_volunteers <= members[s.id]}


async def summarise(session: AsyncSession, edition: NightEdition) -> FormSummary:
    """What the coordinator reads before publishing: coverage, preferences met, first-timers, groups."""
    imported = await led_by_imported(session, edition)
    registrations = [r for r in await active_registrations(session, edition) if r.user_id not in imported.values()]
    sectors = await list_sectors(session, edition)
    everyone = await edition_assignments(session, edition)
    assignments = {a.user_id: a for a in everyone if a.user_id not in imported.values()}
    sector_of = {s.id: s for s in sectors}
    by_rank = [0] * (MAX_PREFERENCES + 1)
    team_first: dict[int, int] = defaultdict(int)
    groups: dict[str, set[int | None]] = defaultdict(set)
    for registration in registrations:
        placed = assignments.get(registration.user_id)
        if registration.group_code:
            groups[registration.group_code].add(placed.sector_id if placed else None)
        if placed is None:
            continue
        arrondissement = sector_of[placed.sector_id].arrondissement
        prefs = registration.arrondissements
        by_rank[prefs.index(arrondissement) if arrondissement in prefs else MAX_PREFERENCES] += 1
        if placed.role == NightRole.MEMBER and registration.first_time:
            team_first[placed.sector_id] += 1
    formed = staffed_sectors(sectors, everyone)
    first_timers: dict[int, int] = defaultdict(int)
    for sector_id in formed:
        first_timers[team_first[sector_id]] += 1
    real_groups = {code: places for code, places in groups.items()
                   if sum(r.group_code == code for r in registrations) > 1}
    volunteers, teams = solver_input([r for r in registrations if r.user_id not in assignments], sectors)
    uncovered = [(s.code, uncovered_reason(team, volunteers))
                 for s, team in zip(sectors, teams, strict=True) if s.id not in formed]
    return FormSummary(
        sectors=len(sectors), formed=len(formed), assigned=len(assignments),
        unassigned=len(registrations) - len(assignments), by_rank=by_rank, first_timers=dict(first_timers),
        groups_kept=sum(len(places) == 1 and None not in places for places in real_groups.values()),
        groups=len(real_groups), uncovered=uncovered)


def uncovered_reason(team: solver.Team, waiting: Sequence[solver.Volunteer]) -> str:
    """Why nobody left could staff this sector: the missing piece, computed from the people still waiting."""
    chose = [v for v in waiting if team.arrondissement in v.prefs]
    fit = [v for v in chose if solver.eligible(v, team)]
    if team.needs_leader and not any(v.can_lead and not v.group for v in fit):
        return NO_LEADER if len(fit) >= team.min_volunteers + 1 or len(chose) == len(fit) else ACCESS
    if len(fit) < team.min_volunteers + int(team.needs_leader):
        return ACCESS if len(chose) >= team.min_volunteers + int(team.needs_leader) else TOO_FEW
    return GROUPS


async def find_people(session: AsyncSession, edition: NightEdition, text: str) -> list[tuple[User, NightRegistration]]:
    """Registered people whose name contains the text (case and accents as typed), at most 20."""
    needle = " ".join(text.split()).casefold()
    if len(needle) < 2:
        raise DomainError(N_("Écrivez au moins deux lettres du nom."))
    rows = (await session.execute(select(User, NightRegistration).join(
        NightRegistration, col(NightRegistration.user_id) == col(User.id)).where(
        col(NightRegistration.edition_id) == edition.id, col(NightRegistration.withdrawn_at).is_(None))
        .order_by(col(User.full_name)))).all()
    return [(user, registration) for user, registration in rows if needle in (user.full_name or "").casefold()][:20]


async def move_volunteer(session: AsyncSession, edition: NightEdition, telegram_id: int | None,
                         sector_code: str, *, user_id: int | None = None) -> NightAssignment:
    """A coordinator's hand adjustment: put this registered volunteer in that sector's team, as a member.

    Refused when it would break a hard rule: an arrondissement they did not choose, a sector their access needs
    rule out, a full team, a group split, or a formed team left below its minimum or without its leader."""
    if user_id is None:
        user = (await session.execute(select(User).where(col(User.telegram_id) == telegram_id))).scalar_one_or_none()
    else:
        user = await session.get(User, user_id)
    registration = await get_registration(session, edition, user.id) if user and user.id else None
    if user is None or registration is None or registration.withdrawn_at is not None:
        raise DomainError(N_("Cette personne n'est pas inscrite à cette nuit."))
    sector = (await session.execute(select(NightSector).where(
        col(NightSector.edition_id) == edition.id, col(NightSector.code) == sector_code))).scalar_one_or_none()
    if sector is None:
        raise DomainError(N_("Secteur inconnu : {code}."), code=sector_code)
    assert user.id is not None and edition.id is not None and sector.id is not None
    place = await assignment_of(session, edition, user.id)
    if place is not None and place.sector_id == sector.id:
        raise DomainError(N_("Cette personne est déjà dans cette équipe."))
    if sector.arrondissement not in registration.arrondissements:
        raise DomainError(N_("Cette personne n'a pas choisi le {n}e arrondissement."), n=sector.arrondissement)
    if set(registration.access_needs or ()) & demands(sector.kind):
        raise DomainError(N_("Refusé : les besoins d'accès de cette personne excluent ce type de secteur."))
    if registration.group_code and sum(r.group_code == registration.group_code
                                       for r in await active_registrations(session, edition)) > 1:
        raise DomainError(N_("Cette personne vient en groupe ({code}) : on ne sépare pas un groupe."),
                          code=registration.group_code)
    if await team_size(session, sector.id) >= sector.max_volunteers:
        raise DomainError(N_("L'équipe {code} est complète ({max} volontaires)."), code=sector.code,
                          max=sector.max_volunteers)
    if place is not None:
        old = await session.get(NightSector, place.sector_id)
        assert old is not None
        staffed = staffed_sectors([old], await edition_assignments(session, edition))
        if old.id in staffed and (place.role == NightRole.LEADER or
                                  await team_size(session, place.sector_id) <= old.min_volunteers):
            raise DomainError(N_("Refusé : l'équipe {code} perdrait son responsable ou passerait sous son "
                                 "minimum."), code=old.code)
    if place is None:
        place = NightAssignment(edition_id=edition.id, user_id=user.id, sector_id=sector.id)
        session.add(place)
    place.sector_id, place.role = sector.id, NightRole.MEMBER
    await session.flush()
    return place


async def team_size(session: AsyncSession, sector_id: int) -> int:
    """Members of a team, its leader not counted."""
    return (await session.execute(select(func.count()).where(
        col(NightAssignment.sector_id) == sector_id, col(NightAssignment.role) == NightRole.MEMBER))).scalar_one()


# -- the night -------------------------------------------------------------------------------------------

async def check_in(session: AsyncSession, edition: NightEdition, user: User, now: datetime) -> NightSector:
    """"I'm here" at the meeting point; tapping twice changes nothing."""
    assert user.id is not None
    place = await assignment_of(session, edition, user.id)
    if place is None or edition.published_at is None:
        raise DomainError(N_("Vous n'êtes dans aucune équipe pour cette nuit."))
    sector = await session.get(NightSector, place.sector_id)
    assert sector is not None
    if now < sector.meeting_at - CHECK_IN_OPENS:
        raise DomainError(N_("C'est trop tôt : ce bouton marche à partir de deux heures avant le rendez-vous."))
    if now >= night_end(edition):
        raise DomainError(N_("Cette nuit est terminée."))
    place.present_at = place.present_at or now
    await session.flush()
    return sector


@dataclass
class TeamPresence:
    """Members only in `present` and `missing` (the leader apart), like the reinforcement counts them."""

    sector: NightSector
    leader: str
    present: list[str]
    missing: list[str]
    formed: bool = True


@dataclass
class MeetingPoint:
    name: str
    address: str
    teams: list[TeamPresence]


async def may_see_presence(session: AsyncSession, edition: NightEdition, user: User, is_coordinator: bool) -> bool:
    if is_coordinator:
        return True
    assert user.id is not None
    place = await assignment_of(session, edition, user.id)
    if place is not None and place.role == NightRole.LEADER:
        return True
    return (await session.execute(select(func.count()).where(
        col(NightLeader.edition_id) == edition.id, col(NightLeader.user_id) == user.id))).scalar_one() > 0


async def presence_board(session: AsyncSession, edition: NightEdition, user: User,
                         is_coordinator: bool) -> list[MeetingPoint]:
    """Who is present per meeting point: all of them for coordinators, a leader's own meeting point otherwise."""
    if not await may_see_presence(session, edition, user, is_coordinator):
        raise DomainError(N_("Seuls les responsables d'équipe et les coordinateurs voient les présences."))
    sectors = await list_sectors(session, edition)
    if not is_coordinator:
        assert user.id is not None
        own = await _led_sectors(session, edition, user.id)
        points = {(s.meeting_point, s.meeting_address) for s in sectors if s.id in own}
        sectors = [s for s in sectors if (s.meeting_point, s.meeting_address) in points]
    rows = (await session.execute(select(NightAssignment, User).join(User, col(User.id) == NightAssignment.user_id)
                                  .where(col(NightAssignment.edition_id) == edition.id)
                                  .order_by(col(User.full_name)))).all()
    leaders = {leader.id: leader.first_name for leader in (await session.execute(
        select(NightLeader).where(col(NightLeader.edition_id) == edition.id))).scalars()}
    points_out: dict[tuple[str, str], MeetingPoint] = {}
    formed = staffed_sectors(sectors, [place for place, _person in rows])
    for sector in sectors:
        team = TeamPresence(sector, leaders.get(sector.leader_id, "—"), [], [], sector.id in formed)
        for place, person in rows:
            if place.sector_id != sector.id:
                continue
            name = first_name(person)
            if place.role == NightRole.LEADER:
                team.leader = name
                continue
            (team.present if place.present_at else team.missing).append(name)
        key = (sector.meeting_point, sector.meeting_address)
        points_out.setdefault(key, MeetingPoint(key[0], key[1], [])).teams.append(team)
    return list(points_out.values())


async def _led_sectors(session: AsyncSession, edition: NightEdition, user_id: int) -> set[int | None]:
    led: set[int | None] = {a.sector_id for a in await edition_assignments(session, edition)
           if a.user_id == user_id and a.role == NightRole.LEADER}
    leader_ids = {leader.id for leader in (await session.execute(select(NightLeader).where(
        col(NightLeader.edition_id) == edition.id, col(NightLeader.user_id) == user_id))).scalars()}
    led |= {s.id for s in await list_sectors(session, edition) if s.leader_id in leader_ids}
    return set(led)


def first_name(user: User) -> str:
    return (user.full_name or "—").split()[0]


async def reinforce(session: AsyncSession, edition: NightEdition, sector_id: int, user: User,
                    is_coordinator: bool, now: datetime) -> NightAssignment:
    """One tap on the night: move a present member from the best-staffed team at the same meeting point
    into this team, which has fewer present members than its minimum. Returns the moved place."""
    if not await may_see_presence(session, edition, user, is_coordinator):
        raise DomainError(N_("Seuls les responsables d'équipe et les coordinateurs voient les présences."))
    short = await session.get(NightSector, sector_id)
    if short is None or short.edition_id != edition.id:
        raise DomainError(N_("Secteur inconnu : {code}."), code=str(sector_id))
    if not is_coordinator:
        assert user.id is not None
        led = await _led_sectors(session, edition, user.id)
        points = {(s.meeting_point, s.meeting_address) for s in await list_sectors(session, edition) if s.id in led}
        if (short.meeting_point, short.meeting_address) not in points:
            raise DomainError(N_("Ce secteur ne part pas de votre point de rendez-vous."))
    places = await edition_assignments(session, edition)
    if sector_id not in staffed_sectors([short], places):
        raise DomainError(N_("Cette équipe n'est pas formée : rien à renforcer."))
    present: dict[int, list[NightAssignment]] = defaultdict(list)
    for place in places:
        if place.present_at is not None and place.role == NightRole.MEMBER:
            present[place.sector_id].append(place)
    if len(present[sector_id]) >= short.min_volunteers:
        raise DomainError(N_("Cette équipe a déjà assez de présents."))
    donors = [s for s in await list_sectors(session, edition)
              if s.id != sector_id and (s.meeting_point, s.meeting_address) == (short.meeting_point,
                                                                                 short.meeting_address)
              and len(present[s.id or 0]) > s.min_volunteers]
    if not donors:
        raise DomainError(N_("Aucune équipe de ce point de rendez-vous n'a de présent en trop."))
    donor = max(donors, key=lambda s: (len(present[s.id or 0]) - s.min_volunteers, s.code))
    moved = sorted(present[donor.id or 0], key=lambda p: p.id or 0)[-1]
    moved.sector_id = sector_id
    await session.flush()
    return moved


# -- the roster and after the night -----------------------------------------------------------------------

async def latest_edition(session: AsyncSession, now: datetime) -> NightEdition | None:
    """The coordinators' edition: the next night not over, else the last one (its presence and feedback)."""
    upcoming = await current_edition(session, now)
    if upcoming is not None:
        return upcoming
    return (await session.execute(select(NightEdition).order_by(col(NightEdition.night_date).desc()))).scalars().first()


@dataclass
class RosterPerson:
    user_id: int
    name: str
    role: str | None  # NightRole, or None: waiting
    first_time: bool
    needs: list[str]  # NEEDS keys
    note: str | None  # their own words about access, for coordinators only
    languages: list[str]
    present: bool
    prefs: list[int]


@dataclass
class RosterTeam:
    sector: NightSector
    leader: str | None  # a registered leader's first name (when they are not a bot user)
    people: list[RosterPerson]
    formed: bool


@dataclass
class Roster:
    points: list[tuple[str, str, list[RosterTeam]]]  # meeting point, address, teams
    waiting: list[RosterPerson]


async def roster(session: AsyncSession, edition: NightEdition) -> Roster:
    """Every team by meeting point with its people (names, roles, needs, languages, presence), and who waits."""
    sectors = await list_sectors(session, edition)
    places = {a.user_id: a for a in await edition_assignments(session, edition)}
    rows = (await session.execute(select(User, NightRegistration).outerjoin(
        NightRegistration, (col(NightRegistration.user_id) == col(User.id))
        & (col(NightRegistration.edition_id) == edition.id)).where(
        col(User.id).in_(list(places)) | (col(NightRegistration.id).is_not(None)
                                          & col(NightRegistration.withdrawn_at).is_(None)))
        .order_by(col(User.full_name)))).all()
    leaders = {leader.id: leader for leader in (await session.execute(
        select(NightLeader).where(col(NightLeader.edition_id) == edition.id))).scalars()}
    formed = staffed_sectors(sectors, places.values())
    by_sector: dict[int, list[RosterPerson]] = defaultdict(list)
    waiting: list[RosterPerson] = []
    for user, registration in rows:
        assert user.id is not None
        place = places.get(user.id)
        person = RosterPerson(
            user.id, user.full_name or "—", place.role if place else None,
            registration.first_time if registration else False,
            list(registration.access_needs or ()) if registration else [],
            registration.access_constraint if registration else None,
            list(registration.languages or user.languages or ()) if registration else list(user.languages or ()),
            bool(place and place.present_at), list(registration.arrondissements) if registration else [])
        if place is None:
            waiting.append(person)
        else:
            by_sector[place.sector_id].append(person)
    points: dict[tuple[str, str], list[RosterTeam]] = {}
    for sector in sectors:
        people = sorted(by_sector[sector.id or 0], key=lambda p: (p.role != NightRole.LEADER, p.name))
        registered = leaders.get(sector.leader_id)
        name = registered.first_name if registered and not any(p.role == NightRole.LEADER for p in people) else None
        points.setdefault((sector.meeting_point, sector.meeting_address), []).append(
            RosterTeam(sector, name, people, sector.id in formed))
    return Roster([(point, address, teams) for (point, address), teams in points.items()], waiting)


@dataclass
class Afterwards:
    """After the night: presence per sector and the feedback, as counts (nothing about the people met)."""

    sectors: list[tuple[str, int, int]]  # code, present members, members
    feedback: dict[int, int]  # score (1 to 3) → how many
    placed: int


async def afterwards(session: AsyncSession, edition: NightEdition) -> Afterwards:
    sectors = {s.id: s for s in await list_sectors(session, edition)}
    present: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    places = await edition_assignments(session, edition)
    for place in places:
        total[place.sector_id] += 1
        present[place.sector_id] += place.present_at is not None
    scores: dict[int, int] = defaultdict(int)
    for score in (await session.execute(select(col(NightRegistration.feedback)).where(
            col(NightRegistration.edition_id) == edition.id, col(NightRegistration.feedback).is_not(None)))).scalars():
        scores[int(score or 0)] += 1
    order = sorted(total, key=lambda sector_id: sectors[sector_id].code)
    return Afterwards([(sectors[sid].code, present[sid], total[sid]) for sid in order], dict(scores), len(places))
