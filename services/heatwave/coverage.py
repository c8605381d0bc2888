"""Coverage that tells the truth: per arrondissement, how many recipients can help or checked on their
neighbours (both count; "not available" does not) against the target, and whether there is any volunteer.

Four states: covered (at target), partly covered, not covered (volunteers, none helping yet) and no
volunteer at all (nobody to ask: a different problem, drawn differently). The live view, the map, `heatwave
status` and the CSV export all read it from here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t, tn
from locales.formatting import format_when
from models.heatwave import Alert, AlertAnswer, AlertAnswerEvent, AlertEscalation, AlertRecipient, AlertStep, AnswerKind
from models.user import User
from services.heatwave.alerts import alert_areas, areas_label, get_alert, level_label
from services.outbox import Progress, campaign_progress

DEFAULT_TARGET = 1  # without escalation: one volunteer who can help or checked is "covered"


class AreaState(StrEnum):
    NO_VOLUNTEER = "none"
    UNCOVERED = "uncovered"
    PARTIAL = "partial"
    COVERED = "covered"


STATE_LABELS = {AreaState.NO_VOLUNTEER: N_("aucun volontaire"), AreaState.UNCOVERED: N_("non couvert"),
                AreaState.PARTIAL: N_("en partie"), AreaState.COVERED: N_("couvert")}
# a shape as well as a colour, so that the state reads without colour vision
STATE_MARKS = {AreaState.NO_VOLUNTEER: "∅", AreaState.UNCOVERED: "✖", AreaState.PARTIAL: "◐",
               AreaState.COVERED: "✔"}
STATE_ORDER = (AreaState.NO_VOLUNTEER, AreaState.UNCOVERED, AreaState.PARTIAL, AreaState.COVERED)


@dataclass
class AreaCoverage:
    arrondissement: int
    recipients: int = 0
    help: int = 0
    checked: int = 0
    unavailable: int = 0
    people_checked: int = 0
    target: int = DEFAULT_TARGET

    @property
    def answered(self) -> int:
        return self.help + self.checked + self.unavailable

    @property
    def silent(self) -> int:
        return self.recipients - self.answered

    @property
    def covered(self) -> int:
        """Volunteers on the ground: those who can help and those who checked on their neighbours."""
        return self.help + self.checked

    @property
    def state(self) -> AreaState:
        if self.recipients == 0:
            return AreaState.NO_VOLUNTEER
        if self.covered >= self.target:
            return AreaState.COVERED
        return AreaState.PARTIAL if self.covered else AreaState.UNCOVERED

    @property
    def flagged(self) -> bool:
        return self.state != AreaState.COVERED

    @property
    def help_share(self) -> float:
        return min(self.covered / self.target, 1.0) if self.recipients else 0.0


@dataclass
class Coverage:
    alert: Alert
    areas: list[int]
    delivery: Progress
    by_area: list[AreaCoverage] = field(default_factory=list)  # what needs help first
    escalation: AlertEscalation | None = None
    steps: list[AlertStep] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(area, name) for area in self.by_area)

    @property
    def states(self) -> dict[int, AreaState]:
        return {area.arrondissement: area.state for area in self.by_area}

    @property
    def all_covered(self) -> bool:
        return all(area.state == AreaState.COVERED for area in self.by_area)


async def alert_coverage(session: AsyncSession, alert_id: int) -> Coverage:
    """Delivery from the outbox rows, answers by kind and per arrondissement, in one pass each."""
    alert = await get_alert(session, alert_id)
    areas = await alert_areas(session, alert_id)
    delivery = await campaign_progress(session, alert.campaign_id) if alert.campaign_id else Progress()
    escalation = await session.get(AlertEscalation, alert_id)
    target = escalation.target if escalation is not None else DEFAULT_TARGET  # the goal, escalating or not
    per_kind = {kind: func.sum(case((col(AlertAnswer.kind) == kind, 1), else_=0)) for kind in AnswerKind}
    rows = (await session.execute(
        select(col(AlertRecipient.arrondissement), func.count(col(AlertRecipient.id)),
               *per_kind.values(), func.coalesce(func.sum(col(AlertAnswer.people_checked)), 0))
        .outerjoin(AlertAnswer, (col(AlertAnswer.alert_id) == col(AlertRecipient.alert_id))
                   & (col(AlertAnswer.user_id) == col(AlertRecipient.user_id)))
        .where(col(AlertRecipient.alert_id) == alert_id)
        .group_by(col(AlertRecipient.arrondissement)))).all()
    found = {row[0]: AreaCoverage(row[0], row[1], int(row[2] or 0), int(row[3] or 0), int(row[4] or 0), int(row[5]),
                                  target) for row in rows}
    by_area = [found.get(number, AreaCoverage(number, target=target)) for number in areas]
    by_area.sort(key=lambda area: (STATE_ORDER.index(area.state), area.covered - area.target, -area.recipients,
                                   area.arrondissement))
    steps = list((await session.execute(select(AlertStep).where(col(AlertStep.alert_id) == alert_id)
                                        .order_by(col(AlertStep.id)))).scalars())
    return Coverage(alert, areas, delivery, by_area, escalation, steps)


def area_line(area: AreaCoverage, locale: str) -> str:
    return t(locale, "{mark} {area} : {covered}/{target} {state} · 🙋 {help} ✅ {checked} 🚫 {unavailable} · "
                     "sans réponse {silent}/{recipients}",
             mark=STATE_MARKS[area.state], area=areas_label([area.arrondissement], locale), covered=area.covered,
             target=area.target, state=t(locale, STATE_LABELS[area.state]), help=area.help, checked=area.checked,
             unavailable=area.unavailable, silent=area.silent, recipients=area.recipients)


def step_line(step: AlertStep, locale: str) -> str:
    when = format_when(step.at, locale)
    areas = areas_label(step.areas, locale) if step.areas else "—"
    if step.kind == "reask":
        return tn(locale, "{when} : relance n° {round} ({areas}), {n} volontaire sollicité",
                  "{when} : relance n° {round} ({areas}), {n} volontaires sollicités", step.asked, when=when,
                  round=step.round, areas=areas)
    if step.kind == "widen":
        return tn(locale, "{when} : appel élargi aux voisins et à l'autre réseau ({areas}), {n} volontaire sollicité",
                  "{when} : appel élargi aux voisins et à l'autre réseau ({areas}), {n} volontaires sollicités",
                  step.asked, when=when, areas=areas)
    return tn(locale, "{when} : message aux sans-réponse ({areas}), {n} volontaire",
              "{when} : message aux sans-réponse ({areas}), {n} volontaires", step.asked, when=when, areas=areas)


def coverage_text(coverage: Coverage, locale: str) -> str:
    """The coordinator's live view, in their language (HTML); a closed alert's view is final."""
    alert = coverage.alert
    closed = alert.status != "open"
    status = t(locale, "close") if closed else t(locale, "ouverte")
    delivery = coverage.delivery
    lines = [
        t(locale, "📊 <b>Alerte n° {id}</b> : vigilance {level}, {status}", id=alert.id,
          level=level_label(alert.level, locale), status=status),
        t(locale, "Arrondissements : {areas}.", areas=areas_label(coverage.areas, locale)),
        t(locale, "Envoyés : {sent} sur {total} (injoignables : {unreachable}, en attente : {pending})",
          sent=delivery.sent, total=delivery.total, unreachable=delivery.unreachable, pending=delivery.pending),
        t(locale, "Réponses : {answered} ; 🙋 peuvent aider : {help} ; ✅ ont vérifié : {checked} ; "
                  "🚫 indisponibles : {unavailable}",
          answered=coverage.total("answered"), help=coverage.total("help"), checked=coverage.total("checked"),
          unavailable=coverage.total("unavailable")),
        t(locale, "Personnes vérifiées (nombre déclaré) : {n}", n=coverage.total("people_checked")),
        "",
        t(locale, "<b>Par arrondissement</b> (objectif : {target} qui aident ou ont vérifié ; ce qui manque d'abord) :",
          target=coverage.by_area[0].target if coverage.by_area else DEFAULT_TARGET),
        *(area_line(area, locale) for area in coverage.by_area),
    ]
    escalation = coverage.escalation
    if escalation is not None and escalation.enabled and not closed:
        lines += ["", t(locale, "📈 Escalade : relance chaque jour à {hour} h (toutes les {every} h), élargissement "
                                "après {delay} min.", hour=escalation.reask_hour, every=escalation.reask_every_hours,
                        delay=escalation.widen_after_minutes)]
        if escalation.next_reask_at is not None:
            lines.append(t(locale, "Prochaine relance : {when}.", when=format_when(escalation.next_reask_at, locale)))
    if coverage.steps:
        lines += ["", t(locale, "<b>Étapes</b> :"), *(step_line(step, locale) for step in coverage.steps[-6:])]
    if closed:
        assert alert.closed_at is not None
        lines += ["", t(locale, "✅ <b>Alerte close</b> le {when} : plus de relance ni d'envoi.",
                        when=format_when(alert.closed_at, locale))]
    return "\n".join(lines)


# -- who has not answered ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SilentVolunteer:
    user_id: int
    name: str
    locale: str
    last_seen: datetime | None  # their latest answer to any alert (None: never answered one)


async def silent_volunteers(session: AsyncSession, alert_id: int, area: int) -> list[SilentVolunteer]:
    """Recipients counted for this arrondissement who have not answered, those never seen answering first."""
    answered = select(col(AlertAnswer.user_id)).where(col(AlertAnswer.alert_id) == alert_id)
    last_seen = (select(col(AlertAnswerEvent.user_id), func.max(col(AlertAnswerEvent.at)).label("seen"))
                 .group_by(col(AlertAnswerEvent.user_id)).subquery())
    rows = (await session.execute(
        select(col(User.id), col(User.full_name), col(User.locale), last_seen.c.seen)
        .join(AlertRecipient, col(AlertRecipient.user_id) == col(User.id))
        .outerjoin(last_seen, last_seen.c.user_id == col(User.id))
        .where(col(AlertRecipient.alert_id) == alert_id, col(AlertRecipient.arrondissement) == area,
               col(User.id).not_in(answered), col(User.erased_at).is_(None))
        .order_by(last_seen.c.seen.is_not(None), last_seen.c.seen, col(User.full_name)))).all()
    return [SilentVolunteer(row[0], row[1] or "—", row[2], row[3]) for row in rows]


# -- the CSV export ---------------------------------------------------------------------------------------

CSV_COLUMNS = (N_("arrondissement"), N_("couverture"), N_("objectif"), N_("volontaire"), N_("langue"),
               N_("appelé depuis"), N_("réponse"), N_("personnes vérifiées"), N_("répondu le"))
ANSWER_NAMES = {AnswerKind.HELP: N_("peut aider"), AnswerKind.CHECKED: N_("a vérifié ses voisins"),
                AnswerKind.UNAVAILABLE: N_("pas disponible")}


async def answers_csv(session: AsyncSession, alert_id: int, locale: str) -> str:
    """Every recipient with their answer (or none), arrondissement by arrondissement, with its coverage."""
    coverage = await alert_coverage(session, alert_id)
    by_number = {area.arrondissement: area for area in coverage.by_area}
    rows = (await session.execute(
        select(col(AlertRecipient.arrondissement), col(AlertRecipient.widened_from), col(User.full_name),
               col(User.locale), col(AlertAnswer.kind), col(AlertAnswer.people_checked), col(AlertAnswer.answered_at))
        .join(User, col(User.id) == col(AlertRecipient.user_id))
        .outerjoin(AlertAnswer, (col(AlertAnswer.alert_id) == col(AlertRecipient.alert_id))
                   & (col(AlertAnswer.user_id) == col(AlertRecipient.user_id)))
        .where(col(AlertRecipient.alert_id) == alert_id)
        .order_by(col(AlertRecipient.arrondissement), col(User.full_name), col(User.id)))).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if locale == "fr" else ",")
    writer.writerow([t(locale, name) for name in CSV_COLUMNS])
    for area_number, widened_from, name, language, kind, people, answered_at in rows:
        area = by_number.get(area_number)
        writer.writerow([
            area_number, t(locale, STATE_LABELS[area.state]) if area else "", area.target if area else "",
            _safe_cell(name or "—"), language, widened_from or "",
            t(locale, ANSWER_NAMES[AnswerKind(kind)]) if kind else "", "" if people is None else people,
            answered_at.isoformat() if answered_at else ""])
    return "\ufeff" + buffer.getvalue()  # the BOM: spreadsheets then read UTF-8


def _safe_cell(text: str) -> str:
    """A name that starts like a formula is written as text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

