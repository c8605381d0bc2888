"""Escalation the coordinator sets once: until every arrondissement reaches its target, re-ask those who have
not answered at a cadence (Paris hours, never 02:00-03:00), then widen the call to volunteers of adjacent
arrondissements and of the other network. Everything goes through the outbox, one campaign per step, so a
volunteer is asked at most once per step (the outbox's UNIQUE campaign+chat); each step is logged.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from itertools import combinations
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t
from models.heatwave import Alert, AlertAnswer, AlertEscalation, AlertRecipient, AlertStatus, AlertStep
from models.user import User
from services.errors import DomainError
from services.heatwave.alerts import MarkupFor, answer_markup, areas_label, level_label, open_alert
from services.heatwave.coverage import AreaState, alert_coverage
from services.heatwave.map import load_arrondissements
from services.outbox import Outgoing, Part, create_campaign, enqueue
from services.timing import PARIS, check_daily_clock, to_paris

TARGETS = (1, 2, 3, 5, 10, 20)
CADENCES = (6, 12, 24)  # hours between re-asks
HOURS = (8, 10, 14, 18)  # first re-ask of the day, Paris time
DELAYS = (60, 240, 720, 1440)  # minutes before the call widens


@lru_cache(maxsize=1)
def adjacency() -> dict[int, frozenset[int]]:
    """Arrondissements sharing a border, from the City's GeoJSON (shared boundary vertices)."""
    points = {number: {(round(x, 6), round(y, 6)) for ring in rings for x, y in ring}
              for number, (rings, _centre) in load_arrondissements().items()}
    neighbours: dict[int, set[int]] = {number: set() for number in points}
    for a, b in combinations(sorted(points), 2):
        if len(points[a] & points[b]) >= 2:  # a border, not a single touching corner
            neighbours[a].add(b)
            neighbours[b].add(a)
    return {number: frozenset(found) for number, found in neighbours.items()}


def next_reask(after: datetime, hour: int, every_hours: int) -> datetime:
    """The first re-ask slot strictly after `after`: `hour` + k × `every_hours`, Paris time, none in 02:00-03:00
    (a wall time the DST change skips or repeats)."""
    paris = to_paris(after)
    slots = sorted({(hour + k * every_hours) % 24 for k in range(24 // every_hours)} - {2})
    for offset in range(3):
        day = paris.date() + timedelta(days=offset)
        for slot in slots:
            candidate = datetime.combine(day, time(slot), tzinfo=PARIS)
            if candidate > paris:
                return candidate.astimezone(UTC)
    raise AssertionError("every day has a slot")


async def set_escalation(session: AsyncSession, alert_id: int, *, now: datetime, target: int | None = None,
                         reask_hour: int | None = None, reask_every_hours: int | None = None,
                         widen_after_minutes: int | None = None, enabled: bool | None = None) -> AlertEscalation:
    """Change one or more settings (a new alert starts from the defaults, off); switching on starts the clock."""
    await open_alert(session, alert_id)
    escalation = await session.get(AlertEscalation, alert_id)
    if escalation is None:
        escalation = AlertEscalation(alert_id=alert_id, enabled=False, set_at=now)
        session.add(escalation)
    if reask_hour is not None:
        check_daily_clock(time(reask_hour))
    choices = ((target, "target", TARGETS, N_("Objectif possible : {values} volontaires par arrondissement.")),
               (reask_hour, "reask_hour", HOURS, N_("Heure de relance possible : {values} h.")),
               (reask_every_hours, "reask_every_hours", CADENCES,
                N_("Rythme de relance possible : toutes les {values} heures.")),
               (widen_after_minutes, "widen_after_minutes", DELAYS,
                N_("Délai d'élargissement possible : {values} minutes.")))
    for value, name, allowed, refusal in choices:
        if value is None:
            continue
        if value not in allowed:
            raise DomainError(refusal, values=", ".join(map(str, allowed)))
        setattr(escalation, name, value)
    if enabled is not None and enabled != escalation.enabled:
        escalation.enabled = enabled
        if enabled:
            escalation.set_at = now
    if escalation.enabled:
        escalation.next_reask_at = next_reask(now, escalation.reask_hour, escalation.reask_every_hours)
    await session.flush()
    return escalation


def reask_text(alert: Alert, areas: Sequence[int], locale: str) -> str:
    return "\n\n".join([
        t(locale, "⏰ <b>Alerte canicule en cours (vigilance {level})</b>", level=level_label(alert.level, locale)),
        t(locale, "Il manque encore des volontaires dans : {areas}. Vous n'avez pas encore répondu : pouvez-vous "
                  "passer voir vos voisins isolés aujourd'hui ?", areas=areas_label(areas, locale)),
    ])


def widen_text(alert: Alert, area: int, locale: str) -> str:
    return "\n\n".join([
        t(locale, "🌡 <b>Alerte canicule : renfort demandé dans le {area}</b>", area=areas_label([area], locale)),
        t(locale, "Vigilance {level}. Il n'y a pas assez de volontaires dans cet arrondissement voisin du vôtre. "
                  "Pouvez-vous y prendre des nouvelles de personnes isolées ? Répondez avec un bouton.",
          level=level_label(alert.level, locale)),
    ])


def message_text(alert: Alert, text: str, locale: str) -> str:
    return "\n\n".join([t(locale, "📣 <b>Message de la coordination (alerte n° {id})</b>", id=alert.id),
                        html.escape(text)])


async def _lacking(session: AsyncSession, alert_id: int) -> list[tuple[int, int]]:
    """(arrondissement, how far below target), most lacking first."""
    coverage = await alert_coverage(session, alert_id)
    return [(area.arrondissement, area.target - area.covered) for area in coverage.by_area
            if area.state != AreaState.COVERED]


async def _silent_rows(session: AsyncSession, alert_id: int,
                       areas: Sequence[int]) -> list[tuple[int, int, str, int]]:
    """(user id, chat id, locale) of reachable recipients counted for these arrondissements, without an answer."""
    answered = select(col(AlertAnswer.user_id)).where(col(AlertAnswer.alert_id) == alert_id)
    rows = await session.execute(
        select(col(User.id), col(User.telegram_id), col(User.locale))
        .join(AlertRecipient, col(AlertRecipient.user_id) == col(User.id))
        .where(col(AlertRecipient.alert_id) == alert_id, col(AlertRecipient.arrondissement).in_(list(areas)),
               col(User.id).not_in(answered), col(User.blocked_at).is_(None), col(User.telegram_id).is_not(None))
        .order_by(col(User.id)))
    return [(row[0] or 0, row[1] or 0, row[2], 0) for row in rows.all()]


async def _enqueue(session: AsyncSession, alert: Alert, *, kind: str, source_key: str,
                   rows: Sequence[tuple[int, int, str, int]], text_for: Callable[[str, int], str],
                   markup_for: MarkupFor) -> int:
    """One campaign per step (idempotent on its key); rows are (user, chat, locale, text key), each text
    rendered once per language and key."""
    assert alert.id is not None
    campaign, _new = await create_campaign(session, kind=kind, title=f"alert {alert.id} {kind}", source_key=source_key,
                                           created_by=alert.created_by)
    texts: dict[tuple[str, int], str] = {}
    markups: dict[str, dict[str, Any] | None] = {}
    outgoing = []
    for user_id, chat_id, locale, key in rows:
        if (locale, key) not in texts:
            texts[locale, key] = text_for(locale, key)
        if locale not in markups:
            markups[locale] = markup_for(alert.id, locale)
        outgoing.append(Outgoing(chat_id, [Part(texts[locale, key], markups[locale])], user_id))
    return await enqueue(session, campaign, outgoing)


async def _log(session: AsyncSession, alert_id: int, kind: str, round_: int, areas: Sequence[int], asked: int,
               now: datetime) -> None:
    session.add(AlertStep(alert_id=alert_id, kind=kind, round=round_, areas=sorted(areas), asked=asked, at=now))
    await session.flush()


async def reask(session: AsyncSession, alert: Alert, escalation: AlertEscalation, *, now: datetime,
                markup_for: MarkupFor = answer_markup) -> int:
    """One re-ask round: those who have not answered, only where the target is not reached."""
    assert alert.id is not None
    lacking = [area for area, _gap in await _lacking(session, alert.id)]
    escalation.reask_rounds += 1
    escalation.next_reask_at = next_reask(now, escalation.reask_hour, escalation.reask_every_hours)
    rows = await _silent_rows(session, alert.id, lacking) if lacking else []
    asked = await _enqueue(session, alert, kind="alert_reask", source_key=f"alert:{alert.id}:reask:"
                           f"{escalation.reask_rounds}", rows=rows,
                           text_for=lambda locale, _key: reask_text(alert, lacking, locale),
                           markup_for=markup_for) if rows else 0
    await _log(session, alert.id, "reask", escalation.reask_rounds, lacking, asked, now)
    return asked


async def widen(session: AsyncSession, alert: Alert, *, now: datetime, markup_for: MarkupFor = answer_markup) -> int:
    """Call volunteers of adjacent arrondissements and of either network who are not recipients yet; each is
    counted for the lacking arrondissement they are called to (their own if it lacks, else the neediest
    neighbour)."""
    assert alert.id is not None
    lacking = dict(await _lacking(session, alert.id))
    if not lacking:
        return 0
    near = adjacency()
    homes = set(lacking) | {n for area in lacking for n in near[area]}
    already = select(col(AlertRecipient.user_id)).where(col(AlertRecipient.alert_id) == alert.id)
    candidates = (await session.execute(
        select(col(User.id), col(User.telegram_id), col(User.locale), col(User.arrondissement))
        .where(col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None), col(User.blocked_at).is_(None),
               col(User.telegram_id).is_not(None), col(User.arrondissement).in_(sorted(homes)),
               col(User.id).not_in(already))
        .order_by(col(User.id)))).all()
    assigned: list[tuple[int, int, str, int]] = []
    recipients: list[dict[str, Any]] = []
    for user_id, chat_id, locale, home in candidates:  # every id and home is set (the query's filters)
        assert user_id is not None and home is not None
        area = home if home in lacking else max((n for n in near[home] if n in lacking),
                                                key=lambda n: (lacking[n], -n))
        assigned.append((user_id, chat_id or 0, locale, area))
        recipients.append({"alert_id": alert.id, "user_id": user_id, "arrondissement": area,
                           "widened_from": home if home != area else None})
    for start in range(0, len(recipients), 1000):
        await session.execute(insert(AlertRecipient), recipients[start:start + 1000])
    asked = await _enqueue(session, alert, kind="alert_widen", source_key=f"alert:{alert.id}:widen", rows=assigned,
                           text_for=lambda locale, area: widen_text(alert, area, locale),
                           markup_for=markup_for) if assigned else 0
    await _log(session, alert.id, "widen", 0, sorted(lacking), asked, now)
    return asked


async def run_escalation(session: AsyncSession, *, now: datetime,
                         markup_for: MarkupFor = answer_markup) -> dict[int, dict[str, int]]:
    """What the job does every minute: due re-asks and due widenings of open alerts; alert id → asked."""
    due = (await session.execute(
        select(Alert, AlertEscalation).join(AlertEscalation, col(AlertEscalation.alert_id) == col(Alert.id))
        .where(col(Alert.status) == AlertStatus.OPEN, col(AlertEscalation.enabled)))).all()
    done: dict[int, dict[str, int]] = {}
    for alert, escalation in due:
        assert alert.id is not None
        if escalation.widened_at is None and now >= escalation.set_at + timedelta(
                minutes=escalation.widen_after_minutes):
            escalation.widened_at = now
            done.setdefault(alert.id, {})["widen"] = await widen(session, alert, now=now, markup_for=markup_for)
        if escalation.next_reask_at is not None and escalation.next_reask_at <= now:
            done.setdefault(alert.id, {})["reask"] = await reask(session, alert, escalation, now=now,
                                                                 markup_for=markup_for)
    await session.flush()
    return done


async def count_silent(session: AsyncSession, alert_id: int, area: int) -> int:
    await open_alert(session, alert_id)
    return len(await _silent_rows(session, alert_id, [area]))


async def message_silent(session: AsyncSession, alert_id: int, area: int, text: str, *, expected: int, now: datetime,
                         markup_for: MarkupFor = answer_markup) -> int:
    """A coordinator's own message to those who have not answered in one arrondissement, with the answer
    buttons; refused if the count changed since it was confirmed."""
    alert = await open_alert(session, alert_id)
    assert alert.id is not None
    rows = await _silent_rows(session, alert.id, [area])
    if len(rows) != expected:
        raise DomainError(N_("Le nombre a changé : {n} sans réponse maintenant. Rien n'a été envoyé."), n=len(rows))
    steps = (await session.execute(select(AlertStep).where(col(AlertStep.alert_id) == alert.id,
                                                            col(AlertStep.kind) == "message"))).scalars().all()
    key = f"alert:{alert.id}:message:{len(steps) + 1}"
    asked = await _enqueue(session, alert, kind="alert_message", source_key=key, rows=rows,
                           text_for=lambda locale, _key: message_text(alert, text, locale),
                           markup_for=markup_for) if rows else 0
    await _log(session, alert.id, "message", len(steps) + 1, [area], asked, now)
    return asked

