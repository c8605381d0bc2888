"""Who got an alert, who answered what, per arrondissement, with the weakest arrondissements first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import t
from models.heatwave import Alert, AlertAnswer, AlertRecipient, AnswerKind
from services.heatwave.alerts import alert_areas, areas_label, get_alert, level_label
from services.outbox import Progress, campaign_progress

# An arrondissement is flagged when fewer than this share of its recipients say they can help.
LOW_HELP_SHARE = 0.25


@dataclass
class AreaCoverage:
    arrondissement: int
    recipients: int = 0
    help: int = 0
    checked: int = 0
    unavailable: int = 0
    people_checked: int = 0

    @property
    def answered(self) -> int:
        return self.help + self.checked + self.unavailable

    @property
    def help_share(self) -> float:
        return self.help / self.recipients if self.recipients else 0.0

    @property
    def flagged(self) -> bool:
        return self.help_share < LOW_HELP_SHARE


@dataclass
class Coverage:
    alert: Alert
    areas: list[int]
    delivery: Progress
    by_area: list[AreaCoverage] = field(default_factory=list)  # flagged first, weakest first

    def total(self, name: str) -> int:
        return sum(getattr(area, name) for area in self.by_area)


async def alert_coverage(session: AsyncSession, alert_id: int) -> Coverage:
    """Delivery from the outbox rows, answers by kind and per arrondissement, in one pass each."""
    alert = await get_alert(session, alert_id)
    areas = await alert_areas(session, alert_id)
    delivery = await campaign_progress(session, alert.campaign_id) if alert.campaign_id else Progress()
    per_kind = {kind: func.sum(case((col(AlertAnswer.kind) == kind, 1), else_=0)) for kind in AnswerKind}
    rows = (await session.execute(
        select(col(AlertRecipient.arrondissement), func.count(col(AlertRecipient.id)),
               *per_kind.values(), func.coalesce(func.sum(col(AlertAnswer.people_checked)), 0))
        .outerjoin(AlertAnswer, (col(AlertAnswer.alert_id) == col(AlertRecipient.alert_id))
                   & (col(AlertAnswer.user_id) == col(AlertRecipient.user_id)))
        .where(col(AlertRecipient.alert_id) == alert_id)
        .group_by(col(AlertRecipient.arrondissement)))).all()
    found = {row[0]: AreaCoverage(row[0], row[1], int(row[2] or 0), int(row[3] or 0), int(row[4] or 0), int(row[5]))
             for row in rows}
    by_area = [found.get(number, AreaCoverage(number)) for number in areas]
    by_area.sort(key=lambda area: (not area.flagged, area.help_share, -area.recipients, area.arrondissement))
    return Coverage(alert, areas, delivery, by_area)


def coverage_text(coverage: Coverage, locale: str) -> str:
    """The coordinator's live view, in their language (HTML)."""
    alert = coverage.alert
    status = t(locale, "ouverte") if alert.status == "open" else t(locale, "close")
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
        t(locale, "<b>Par arrondissement</b> (peu d'aide d'abord) :"),
    ]
    for area in coverage.by_area:
        mark = "⚠️" if area.flagged else "•"
        lines.append(t(locale, "{mark} {area} : aide {help}/{recipients}, réponses {answered}",
                       mark=mark, area=areas_label([area.arrondissement], locale), help=area.help,
                       recipients=area.recipients, answered=area.answered))
    return "\n".join(lines)
