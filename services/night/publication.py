"""Telling volunteers their team: publication, changes after publication, reminders, thanks (all via the outbox).

After publication every change is minimal: a withdrawal is filled by one unassigned volunteer who chose
that arrondissement (or one surplus member of another team there), a late registration goes into a
team with room; only the people whose team changed get a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from html import escape
from urllib.parse import quote_plus

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, t
from locales.formatting import format_clock, format_day
from models.night import NightAssignment, NightEdition, NightLeader, NightRegistration, NightRole, NightSector
from models.user import User
from services import outbox, users
from services.errors import DomainError
from services.night import rules
from services.timing import paris_datetime, utc

# Buttons in outbox messages are plain Bot API dicts; handlers/rules.py parses this prefix (NightPushCb).
PUSH_PREFIX = "np"
DEADLINE_REMINDER = timedelta(days=2)
AFTERNOON_REMINDER = time(14, 0)  # Paris time, on the day of the night
THANKS_AT = time(11, 0)  # Paris time, the day after


def push_button(text: str, action: str, edition_id: int, value: int = 0) -> dict[str, str]:
    return {"text": text, "callback_data": f"{PUSH_PREFIX}:{action}:{edition_id}:{value}"}


def map_link(address: str) -> str:
    return "https://www.openstreetmap.org/search?query=" + quote_plus(f"{address}, Paris")


async def _leader_name(session: AsyncSession, sector: NightSector) -> str | None:
    if sector.leader_id is not None:
        leader = await session.get(NightLeader, sector.leader_id)
        return leader.first_name if leader else None
    query = select(User).join(NightAssignment, col(NightAssignment.user_id) == User.id).where(
        col(NightAssignment.sector_id) == sector.id, col(NightAssignment.role) == NightRole.LEADER)
    row = (await session.execute(query)).scalar_one_or_none()
    return rules.first_name(row) if row else None


async def team_card(session: AsyncSession, edition: NightEdition, place: NightAssignment, locale: str,
                    coordinators: Sequence[User] = ()) -> str:
    """Team, sector, meeting point and time, a map link, in the reader's language; a leader's card also has
    their members' first names and how to reach the coordination."""
    sector = await session.get(NightSector, place.sector_id)
    assert sector is not None
    leader = await _leader_name(session, sector)
    kind = t(locale, rules.SECTOR_KINDS.get(sector.kind, rules.SECTOR_KINDS["other"]))
    lines = [
        t(locale, "🌙 <b>{edition}</b> : votre équipe", edition=escape(edition.name)),
        t(locale, "Équipe {code} — {kind}, Paris {n}", code=escape(sector.code), kind=kind, n=sector.arrondissement),
        t(locale, "Rendez-vous le {day} à {time} : {point}, {address}", day=format_day(sector.meeting_at, locale),
          time=format_clock(sector.meeting_at, locale), point=escape(sector.meeting_point),
          address=escape(sector.meeting_address)),
        t(locale, "<a href=\"{url}\">Voir sur la carte</a>", url=escape(map_link(sector.meeting_address))),
    ]
    if place.role == NightRole.LEADER:
        lines.append(t(locale, "Vous êtes le responsable de cette équipe. Merci !"))
        members = (await session.execute(select(User).join(NightAssignment, col(NightAssignment.user_id) == User.id)
                                          .where(col(NightAssignment.sector_id) == sector.id,
                                                 col(NightAssignment.role) == NightRole.MEMBER)
                                          .order_by(col(User.full_name)))).scalars()
        names = ", ".join(escape(rules.first_name(member)) for member in members) or "—"
        lines.append(t(locale, "Vos équipiers : {names}", names=names))
        reach = [f'<a href="tg://user?id={c.telegram_id}">{escape(rules.first_name(c))}</a>'
                 for c in coordinators[:2] if c.telegram_id is not None]
        if reach:
            lines.append(t(locale, "Pour joindre la coordination : {who}", who=", ".join(reach)))
    elif leader:
        lines.append(t(locale, "Votre responsable : {name}", name=escape(leader)))
    lines.append(t(locale, "Une courte formation a lieu au rendez-vous ; le décompte va de 22 h à 1 h."))
    return "\n".join(lines)


async def _recipients(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, User]:
    rows = (await session.execute(select(User).where(col(User.id).in_(list(user_ids))))).scalars()
    return {user.id: user for user in rows if user.id is not None and user.telegram_id is not None}


async def _send_cards(session: AsyncSession, edition: NightEdition, places: Sequence[NightAssignment],
                      title: str, source_key: str | None, root_ids: frozenset[int] = frozenset()) -> int:
    people = await _recipients(session, [p.user_id for p in places])
    coordinators = await users.list_coordinators(session, root_ids)
    campaign, _ = await outbox.create_campaign(session, kind="night", title=title, source_key=source_key)
    messages = []
    for place in places:
        person = people.get(place.user_id)
        if person is None or person.telegram_id is None:
            continue
        messages.append(outbox.Outgoing(person.telegram_id, [outbox.Part(
            await team_card(session, edition, place, person.locale, coordinators))], person.id))
        place.notified_sector_id = place.sector_id
    count = await outbox.enqueue(session, campaign, messages)
    await session.flush()
    return count


async def publish_count(session: AsyncSession, edition: NightEdition) -> int:
    """How many people publishing tells (their team, or that they wait): the count the coordinator confirms."""
    return len(await rules.active_registrations(session, edition)) + len(
        [uid for uid in (await rules.led_by_imported(session, edition)).values()
         if await rules.get_registration(session, edition, uid) is None])


async def publish(session: AsyncSession, edition: NightEdition, now: datetime,
                  root_ids: frozenset[int] = frozenset()) -> int:
    """Send every volunteer their team (and those without one a waiting-list note); once per edition."""
    if edition.formed_at is None:
        raise DomainError(N_("Formez d'abord les équipes."))
    if edition.published_at is not None:
        raise DomainError(N_("Les équipes sont déjà publiées."))
    if now >= rules.night_start(edition):
        raise DomainError(N_("Cette nuit est terminée."))
    edition.published_at = now
    places = await rules.edition_assignments(session, edition)
    count = await _send_cards(session, edition, places, f"Nuit {edition.night_date}: équipes",
                              f"night:{edition.id}:publish", root_ids)
    placed = {p.user_id for p in places}
    waiting = [r.user_id for r in await rules.active_registrations(session, edition) if r.user_id not in placed]
    await _send_text(session, waiting, "Nuit : liste d'attente", f"night:{edition.id}:waiting", lambda locale: t(
        locale, "🌙 Toutes les équipes de la {edition} sont complètes : vous êtes sur liste d'attente. "
        "Nous vous écrirons si une place se libère.", edition=escape(edition.name)))
    return count


async def _send_text(session: AsyncSession, user_ids: Sequence[int], title: str, source_key: str | None,
                     render: Callable[[str], str],
                     buttons: Callable[[str], dict[str, object]] | None = None) -> int:
    if not user_ids:
        return 0
    people = await _recipients(session, user_ids)
    campaign, new = await outbox.create_campaign(session, kind="night", title=title, source_key=source_key)
    if not new:
        return 0
    messages = [outbox.Outgoing(person.telegram_id, [outbox.Part(render(person.locale),
                                                                buttons(person.locale) if buttons else None)],
                                person.id)
                for person in people.values() if person.telegram_id is not None]
    return await outbox.enqueue(session, campaign, messages)


# -- changes after publication --------------------------------------------------------------------------

async def _waiting(session: AsyncSession, edition: NightEdition) -> list[NightRegistration]:
    """Active registrations without a team, alone (moving one member of a group would split it)."""
    placed = {p.user_id for p in await rules.edition_assignments(session, edition)}
    return [r for r in await rules.active_registrations(session, edition)
            if r.user_id not in placed and not r.group_code]


def _fitting(registrations: Sequence[NightRegistration], sector: NightSector) -> list[NightRegistration]:
    """Those who chose the sector's arrondissement and whose needs allow its kind, in order of preference."""
    wanting = [r for r in registrations if sector.arrondissement in r.arrondissements
               and not set(r.access_needs or ()) & rules.demands(sector.kind)]
    return sorted(wanting, key=lambda r: (r.arrondissements.index(sector.arrondissement), r.id or 0))


async def _tell_coordinators(session: AsyncSession, root_ids: frozenset[int], lines: Callable[[str], list[str]]) -> int:
    coordinators = [c.id for c in await users.list_coordinators(session, root_ids) if c.id is not None]
    return await _send_text(session, coordinators, "Nuit : changements", None,
                            lambda locale: "\n".join(lines(locale)))


async def absorb_withdrawal(session: AsyncSession, edition: NightEdition, left: NightAssignment | None,
                            now: datetime, root_ids: frozenset[int] = frozenset()) -> list[int]:
    """Keep the published teams whole after someone leaves, with the fewest changes: a member's place goes to
    someone waiting (promised a place), else a surplus member of the arrondissement when the team is below its
    minimum; a leader is replaced by someone who can lead (waiting, then in the team), else the coordinators
    are alerted at once with the candidates. Everyone affected is told, and the coordinators get one message
    with every change. Returns the user ids told about a new team."""
    if left is None or edition.published_at is None or now >= rules.night_start(edition):
        return []
    sector = await session.get(NightSector, left.sector_id)
    assert sector is not None and sector.id is not None and edition.id is not None
    pool = _fitting(await _waiting(session, edition), sector)
    changed: list[NightAssignment] = []
    report: list[tuple[str, dict[str, object]]] = []
    who_left = await session.get(User, left.user_id)
    name = rules.first_name(who_left) if who_left and who_left.full_name else "—"
    if left.role == NightRole.LEADER and sector.leader_id is None:
        report.append((N_("{name} (responsable de {code}) s'est retiré."), {"name": name, "code": sector.code}))
        team = [p for p in await rules.edition_assignments(session, edition) if p.sector_id == sector.id]
        registrations = {r.user_id: r for r in await rules.active_registrations(session, edition)}
        waiting_leader = next((r for r in pool if r.can_lead), None)
        promoted = next((p for p in team if registrations.get(p.user_id) and registrations[p.user_id].can_lead), None)
        if waiting_leader is not None:
            place = NightAssignment(edition_id=edition.id, user_id=waiting_leader.user_id, sector_id=sector.id,
                                    role=NightRole.LEADER)
            session.add(place)
            changed += [place, *team]  # team mates learn their new leader's name
            report.append((N_("Nouveau responsable : {name} (liste d'attente)."),
                           {"name": await _name(session, waiting_leader.user_id)}))
        elif promoted is not None:
            promoted.role = NightRole.LEADER
            changed += team
            report.append((N_("Nouveau responsable : {name}, de la même équipe."),
                           {"name": await _name(session, promoted.user_id)}))
            refill = next((r for r in pool), None)
            if refill is not None:
                place = NightAssignment(edition_id=edition.id, user_id=refill.user_id, sector_id=sector.id)
                session.add(place)
                changed.append(place)
                report.append((N_("{name} rejoint l'équipe {code}."),
                               {"name": await _name(session, refill.user_id), "code": sector.code}))
        else:
            candidates = [r for r in registrations.values() if r.can_lead and sector.arrondissement in r.arrondissements
                          and not set(r.access_needs or ()) & rules.demands(sector.kind)]
            names = ", ".join([await _name(session, r.user_id) for r in candidates[:10]]) or "—"
            report.append((N_("⚠️ L'équipe {code} n'a plus de responsable et personne en attente ne peut la mener. "
                              "Candidats (déjà dans d'autres équipes) : {names}. Déplacez l'un d'eux ou "
                              "désignez un responsable (/night_sector)."), {"code": sector.code, "names": names}))
    else:
        report.append((N_("{name} s'est retiré de l'équipe {code}."), {"name": name, "code": sector.code}))
        if pool:
            place = NightAssignment(edition_id=edition.id, user_id=pool[0].user_id, sector_id=sector.id)
            session.add(place)
            changed.append(place)
            report.append((N_("{name} rejoint l'équipe {code} (liste d'attente)."),
                           {"name": await _name(session, pool[0].user_id), "code": sector.code}))
        elif await rules.team_size(session, sector.id) < sector.min_volunteers:
            donor = await _surplus_member(session, edition, sector)
            if donor is not None:
                donor.sector_id = sector.id
                changed.append(donor)
                report.append((N_("{name} passe dans l'équipe {code}."),
                               {"name": await _name(session, donor.user_id), "code": sector.code}))
            else:
                report.append((N_("⚠️ L'équipe {code} est sous son minimum et personne n'attend."),
                               {"code": sector.code}))
    await session.flush()
    if changed:
        await _send_cards(session, edition, changed, "Nuit : changement d'équipe", None, root_ids)
    await _tell_coordinators(session, root_ids, lambda locale: [t(locale, "🌙 Nuit : changements"), *(
        t(locale, message, **params) for message, params in report)])
    return [p.user_id for p in changed]


async def _name(session: AsyncSession, user_id: int) -> str:
    person = await session.get(User, user_id)
    return escape(person.full_name or "—") if person else "—"


async def _surplus_member(session: AsyncSession, edition: NightEdition, short: NightSector) -> NightAssignment | None:
    """A member, alone in no group, of a team in the same arrondissement above its minimum, who may go there."""
    registrations = {r.user_id: r for r in await rules.active_registrations(session, edition)}
    for sector in await rules.list_sectors(session, edition):
        if sector.id == short.id or sector.arrondissement != short.arrondissement or sector.id is None:
            continue
        if await rules.team_size(session, sector.id) > sector.min_volunteers:
            members = [p for p in await rules.edition_assignments(session, edition)
                       if p.sector_id == sector.id and p.role == NightRole.MEMBER and p.user_id in registrations
                       and not registrations[p.user_id].group_code
                       and not set(registrations[p.user_id].access_needs or ()) & rules.demands(short.kind)]
            if members:
                return members[-1]
    return None


async def absorb_registration(session: AsyncSession, edition: NightEdition, registration: NightRegistration,
                              now: datetime, root_ids: frozenset[int] = frozenset()) -> NightAssignment | None:
    """After publication, a new registration (before or after the deadline) joins a team with room that it may
    join (its group's team if a mate is placed); otherwise it waits, and is told either way."""
    if edition.published_at is None or now >= rules.night_start(edition):
        return None
    assert edition.id is not None
    if await rules.assignment_of(session, edition, registration.user_id) is not None:
        return None
    places = await rules.edition_assignments(session, edition)
    sectors = await rules.list_sectors(session, edition)
    plan = {p.user_id: (p.sector_id, p.role) for p in places}
    spot: tuple[int, str] | None = None
    if registration.group_code:
        mates = {r.user_id for r in await rules.active_registrations(session, edition)
                 if r.group_code == registration.group_code and r.user_id != registration.user_id}
        team = next((p.sector_id for p in places if p.user_id in mates), None)
        sector = next((s for s in sectors if s.id == team), None)
        if sector is not None and await rules.team_size(session, team or 0) < sector.max_volunteers and not set(
                registration.access_needs or ()) & rules.demands(sector.kind):
            spot = (team or 0, NightRole.MEMBER)
        elif not mates:
            spot = rules.room_for(registration, sectors, plan)
    else:
        spot = rules.room_for(registration, sectors, plan)
    if spot is None:
        await _send_text(session, [registration.user_id], "Nuit : liste d'attente", None, lambda locale: t(
            locale, "🌙 Merci ! Les équipes sont déjà publiées et complètes dans vos arrondissements : vous êtes "
            "sur liste d'attente. Nous vous écrirons si une place se libère."))
        return None
    place = NightAssignment(edition_id=edition.id, user_id=registration.user_id, sector_id=spot[0], role=spot[1])
    session.add(place)
    await session.flush()
    await _send_cards(session, edition, [place], "Nuit : nouvelle équipe", None, root_ids)
    return place


async def notify_changes(session: AsyncSession, edition: NightEdition, summary: rules.FormSummary,
                         root_ids: frozenset[int] = frozenset()) -> int:
    """After teams are formed again once published: those whose team changed get their card, those who lost
    their place are told they wait. Returns how many people are told."""
    if edition.published_at is None:
        return 0
    told = await _send_cards(session, edition, summary.changed, "Nuit : équipes formées à nouveau", None, root_ids)
    told += await _send_text(session, summary.dropped, "Nuit : liste d'attente", None, lambda locale: t(
        locale, "🌙 Les équipes de la {edition} ont été refaites : vous êtes sur liste d'attente. Nous vous "
        "écrirons si une place se libère.", edition=escape(edition.name)))
    return told


async def notify_moved(session: AsyncSession, edition: NightEdition, place: NightAssignment,
                       root_ids: frozenset[int] = frozenset()) -> int:
    """After publication, a volunteer moved by hand (or on the night) gets their new team."""
    if edition.published_at is None:
        return 0
    return await _send_cards(session, edition, [place], "Nuit : changement d'équipe", None, root_ids)


# -- reminders and thanks (idempotent: one campaign per source_key) -------------------------------------

async def send_due_messages(session: AsyncSession, now: datetime) -> list[str]:
    """Send whatever is due for every edition: deadline reminder, afternoon reminder, thanks. Returns keys sent."""
    sent: list[str] = []
    for edition in (await session.execute(select(NightEdition))).scalars():
        for key, due, until, job in (
            ("deadline", edition.registration_deadline - DEADLINE_REMINDER, edition.registration_deadline,
             _deadline_reminder),
            ("afternoon", utc(paris_datetime(edition.night_date, AFTERNOON_REMINDER)), rules.night_start(edition),
             _afternoon_reminder),
            ("thanks", utc(paris_datetime(edition.night_date + timedelta(days=1), THANKS_AT)),
             rules.night_end(edition) + timedelta(days=7), _thanks),
        ):
            if due <= now < until and await job(session, edition, f"night:{edition.id}:{key}"):
                sent.append(f"night:{edition.id}:{key}")
    return sent


async def _deadline_reminder(session: AsyncSession, edition: NightEdition, key: str) -> int:
    ids = [r.user_id for r in await rules.active_registrations(session, edition)]
    return await _send_text(session, ids, "Nuit : rappel date limite", key, lambda locale: t(
        locale, "🌙 Rappel : vous êtes inscrit à la {edition} ({day}). Vous pouvez modifier ou retirer votre "
        "inscription jusqu'au {deadline} : menu → « Nuit de la Solidarité ».", edition=escape(edition.name),
        day=format_day(rules.night_start(edition), locale), deadline=format_day(edition.registration_deadline, locale)))


async def _afternoon_reminder(session: AsyncSession, edition: NightEdition, key: str) -> int:
    if edition.published_at is None:
        return 0
    places = await rules.edition_assignments(session, edition)
    sectors = {s.id: s for s in await rules.list_sectors(session, edition)}
    assert edition.id is not None
    edition_id = edition.id
    meeting = {p.user_id: sectors[p.sector_id] for p in places}
    people = await _recipients(session, list(meeting))
    campaign, new = await outbox.create_campaign(session, kind="night", title="Nuit : c'est ce soir", source_key=key)
    if not new:
        return 0
    messages = []
    for person in people.values():
        sector = meeting[person.id]  # type: ignore[index]
        text = t(person.locale, "🌙 C'est ce soir ! Rendez-vous à {time} : {point}, {address} (équipe {code}). "
                 "En arrivant, touchez « Je suis là ».", time=format_clock(sector.meeting_at, person.locale),
                 point=escape(sector.meeting_point), address=escape(sector.meeting_address), code=escape(sector.code))
        markup = {"inline_keyboard": [[push_button(t(person.locale, "📍 Je suis là"), "here", edition_id)]]}
        assert person.telegram_id is not None
        messages.append(outbox.Outgoing(person.telegram_id, [outbox.Part(text, markup)], person.id))
    return await outbox.enqueue(session, campaign, messages)


async def _thanks(session: AsyncSession, edition: NightEdition, key: str) -> int:
    if edition.published_at is None:
        return 0
    assert edition.id is not None
    edition_id = edition.id
    ids = [p.user_id for p in await rules.edition_assignments(session, edition)]

    def buttons(locale: str) -> dict[str, object]:
        return {"inline_keyboard": [[push_button(t(locale, label), "feedback", edition_id, score) for score, label in
                                     ((3, N_("😊 Bien")), (2, N_("😐 Moyen")), (1, N_("😞 Difficile")))]]}

    return await _send_text(session, ids, "Nuit : merci", key, lambda locale: t(
        locale, "🌙 Merci d'avoir participé à la {edition} ! Comment s'est passée votre nuit ? "
        "(Ne nous dites rien sur les personnes rencontrées : le décompte reste anonyme.)",
        edition=escape(edition.name)), buttons)


async def record_feedback(session: AsyncSession, edition: NightEdition, user: User, score: int) -> None:
    """The volunteer's own experience (1 to 3); nothing about the people met."""
    if score not in (1, 2, 3):
        raise DomainError(N_("Ce bouton n'est plus valable."))
    assert user.id is not None
    registration = await rules.get_registration(session, edition, user.id)
    if registration is None or await rules.assignment_of(session, edition, user.id) is None:
        raise DomainError(N_("Vous n'étiez dans aucune équipe pour cette nuit."))
    registration.feedback = score
    await session.flush()


# -- erasure ------------------------------------------------------------------------------------------------

async def take_out(session: AsyncSession, user: User) -> list[tuple[NightEdition, NightAssignment]]:
    """Before a person's data is erased: their team places, taken out now (a registered leader's sectors lose
    their leader), so that `repair` can keep the published teams whole."""
    assert user.id is not None
    departures: list[tuple[NightEdition, NightAssignment]] = []
    for leader in (await session.execute(select(NightLeader).where(col(NightLeader.user_id) == user.id))).scalars():
        for sector in (await session.execute(select(NightSector).where(
                col(NightSector.leader_id) == leader.id))).scalars():
            sector.leader_id = None
    for place in (await session.execute(select(NightAssignment).where(
            col(NightAssignment.user_id) == user.id))).scalars():
        edition = await session.get(NightEdition, place.edition_id)
        assert edition is not None
        departures.append((edition, NightAssignment(edition_id=place.edition_id, user_id=place.user_id,
                                                    sector_id=place.sector_id, role=place.role)))
        await session.delete(place)
    await session.flush()
    return departures


async def repair(session: AsyncSession, departures: Sequence[tuple[NightEdition, NightAssignment]], now: datetime,
                 root_ids: frozenset[int] = frozenset()) -> None:
    for edition, left in departures:
        await absorb_withdrawal(session, edition, left, now, root_ids)
