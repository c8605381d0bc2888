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
from services import outbox
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


async def team_card(session: AsyncSession, edition: NightEdition, place: NightAssignment, locale: str) -> str:
    """Team, sector, meeting point and time, leader's first name and a map link, in the reader's language."""
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
    elif leader:
        lines.append(t(locale, "Votre responsable : {name}", name=escape(leader)))
    lines.append(t(locale, "Une courte formation a lieu au rendez-vous ; le décompte va de 22 h à 1 h."))
    return "\n".join(lines)


async def _recipients(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, User]:
    rows = (await session.execute(select(User).where(col(User.id).in_(list(user_ids))))).scalars()
    return {user.id: user for user in rows if user.id is not None and user.telegram_id is not None}


async def _send_cards(session: AsyncSession, edition: NightEdition, places: Sequence[NightAssignment],
                      title: str, source_key: str | None) -> int:
    people = await _recipients(session, [p.user_id for p in places])
    campaign, _ = await outbox.create_campaign(session, kind="night", title=title, source_key=source_key)
    messages = []
    for place in places:
        person = people.get(place.user_id)
        if person is None or person.telegram_id is None:
            continue
        messages.append(outbox.Outgoing(person.telegram_id, [outbox.Part(
            await team_card(session, edition, place, person.locale))], person.id))
        place.notified_sector_id = place.sector_id
    count = await outbox.enqueue(session, campaign, messages)
    await session.flush()
    return count


async def publish(session: AsyncSession, edition: NightEdition, now: datetime) -> int:
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
                              f"night:{edition.id}:publish")
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

async def _unplaced(session: AsyncSession, edition: NightEdition) -> list[NightRegistration]:
    """Active registrations without a team, alone (moving one member of a group would split it)."""
    placed = {p.user_id for p in await rules.edition_assignments(session, edition)}
    return [r for r in await rules.active_registrations(session, edition)
            if r.user_id not in placed and not r.group_code]


def _by_preference(registrations: Sequence[NightRegistration], arrondissement: int) -> list[NightRegistration]:
    wanting = [r for r in registrations if arrondissement in r.arrondissements]
    return sorted(wanting, key=lambda r: (r.arrondissements.index(arrondissement), r.id or 0))


async def absorb_withdrawal(session: AsyncSession, edition: NightEdition, left: NightAssignment | None,
                            now: datetime) -> list[int]:
    """Fill the place a volunteer left with one change; returns the user ids told about their new team."""
    if left is None or edition.published_at is None or now >= rules.night_start(edition):
        return []
    sector = await session.get(NightSector, left.sector_id)
    assert sector is not None and sector.id is not None and edition.id is not None
    pool = _by_preference(await _unplaced(session, edition), sector.arrondissement)
    changed: list[NightAssignment] = []
    if left.role == NightRole.LEADER:
        leader = next((r for r in pool if r.can_lead), None)
        if leader is not None:
            place = NightAssignment(edition_id=edition.id, user_id=leader.user_id, sector_id=sector.id,
                                    role=NightRole.LEADER)
            session.add(place)
            changed.append(place)
            # team mates learn their new leader's name
            changed += [p for p in await rules.edition_assignments(session, edition)
                        if p.sector_id == sector.id and p.role == NightRole.MEMBER]
    elif await rules.team_size(session, sector.id) < sector.min_volunteers:
        if pool:
            place = NightAssignment(edition_id=edition.id, user_id=pool[0].user_id, sector_id=sector.id)
            session.add(place)
            changed.append(place)
        else:
            donor = await _surplus_member(session, edition, sector)
            if donor is not None:
                donor.sector_id = sector.id
                changed.append(donor)
    await session.flush()
    if changed:
        await _send_cards(session, edition, changed, "Nuit : changement d'équipe", None)
    return [p.user_id for p in changed]


async def _surplus_member(session: AsyncSession, edition: NightEdition, short: NightSector) -> NightAssignment | None:
    """A member, alone in no group, of a team in the same arrondissement above its minimum."""
    groups = {r.user_id for r in await rules.active_registrations(session, edition) if r.group_code}
    for sector in await rules.list_sectors(session, edition):
        if sector.id == short.id or sector.arrondissement != short.arrondissement or sector.id is None:
            continue
        if await rules.team_size(session, sector.id) > sector.min_volunteers:
            members = [p for p in await rules.edition_assignments(session, edition)
                       if p.sector_id == sector.id and p.role == NightRole.MEMBER and p.user_id not in groups]
            if members:
                return members[-1]
    return None


async def absorb_late_registration(session: AsyncSession, edition: NightEdition, registration: NightRegistration,
                                   now: datetime) -> NightAssignment | None:
    """Put a registration made after publication into a team with room (with their group if any), and tell them."""
    if edition.published_at is None or now >= rules.night_start(edition):
        return None
    assert edition.id is not None
    places = await rules.edition_assignments(session, edition)
    sectors = await rules.list_sectors(session, edition)
    size = {s.id: sum(p.sector_id == s.id and p.role == NightRole.MEMBER for p in places) for s in sectors}
    led = {p.sector_id for p in places if p.role == NightRole.LEADER}
    formed = {p.sector_id for p in places}
    choice: tuple[NightSector, str] | None = None
    if registration.group_code:
        mates = {r.user_id for r in await rules.active_registrations(session, edition)
                 if r.group_code == registration.group_code and r.user_id != registration.user_id}
        team = next((p.sector_id for p in places if p.user_id in mates), None)
        sector = next((s for s in sectors if s.id == team), None)
        if sector is not None and size[sector.id] < sector.max_volunteers:
            choice = (sector, NightRole.MEMBER)
    else:
        for arrondissement in registration.arrondissements:
            here = [s for s in sectors if s.arrondissement == arrondissement]
            if registration.can_lead:
                lead = next((s for s in here if s.leader_id is None and s.id not in led and s.id in formed), None)
                if lead is not None:
                    choice = (lead, NightRole.LEADER)
                    break
            # a formed team with room, the smallest first (a team below its minimum gets help first)
            roomy = sorted((s for s in here if s.id in formed and size[s.id] < s.max_volunteers),
                           key=lambda s: (size[s.id], s.code))
            if roomy:
                choice = (roomy[0], NightRole.MEMBER)
                break
    if choice is None:
        await _send_text(session, [registration.user_id], "Nuit : liste d'attente", None, lambda locale: t(
            locale, "🌙 Merci ! Les équipes sont déjà publiées et complètes dans vos arrondissements : vous êtes "
            "sur liste d'attente. Nous vous écrirons si une place se libère."))
        return None
    sector, role = choice
    assert sector.id is not None
    place = NightAssignment(edition_id=edition.id, user_id=registration.user_id, sector_id=sector.id, role=role)
    session.add(place)
    await session.flush()
    await _send_cards(session, edition, [place], "Nuit : nouvelle équipe", None)
    return place


async def notify_moved(session: AsyncSession, edition: NightEdition, place: NightAssignment) -> int:
    """After publication, a volunteer moved by hand (or on the night) gets their new team."""
    if edition.published_at is None:
        return 0
    return await _send_cards(session, edition, [place], "Nuit : changement d'équipe", None)


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
