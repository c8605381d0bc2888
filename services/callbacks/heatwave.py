"""Buttons of the heat-wave feature: the volunteer's answers, the coordinator's alert screens.

Also the keyboards that go out through the outbox or are edited by a job (answer buttons, live view,
Météo-France proposal), as plain Bot API dicts in the reader's language: jobs and services build them here
and never import a handler.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from locales import N_, t
from services.callbacks import Id, Page, button, keyboard
from services.callbacks.kits import KitCb

LevelValue = Annotated[int, Field(ge=2, le=4)]
Area = Annotated[int, Field(ge=1, le=20)]
Count = Annotated[int, Field(ge=0, le=50)]


class AnswerCb(CallbackData, prefix="aa"):
    """A volunteer's answer to an alert, or "m": show me my current answer."""

    alert_id: Id
    kind: Literal["h", "c", "u", "m"]


class CountCb(CallbackData, prefix="an"):
    """How many people the volunteer checked on, from the quick buttons."""

    alert_id: Id
    n: Count


class AlertsCb(CallbackData, prefix="ah"):
    """The coordinators' alert home: a new alert."""

    action: Literal["new", "home"]


class AlertOpCb(CallbackData, prefix="ao"):
    """An action on an existing alert; the server re-checks the role and the alert's state."""

    action: Literal["view", "refresh", "map", "remind", "remind_at", "level", "set_level", "extend", "extend_ok",
                    "close", "close_ok", "silent", "export", "escalate", "esc_target", "esc_cadence", "esc_hour",
                    "esc_delay", "esc_on", "esc_off"]
    alert_id: Id
    value: Annotated[int, Field(ge=0, le=10_000)] = 0


class SilentCb(CallbackData, prefix="as"):
    """Who has not answered in one arrondissement of an alert, a page at a time; "write" messages them."""

    alert_id: Id
    area: Area
    page: Page = 0
    action: Literal["list", "write"] = "list"


class ProposalCb(CallbackData, prefix="av"):
    """The one-tap confirmation of an alert proposed by the Météo-France poller."""

    level: LevelValue


class GetReadyCb(CallbackData, prefix="ag"):
    """The one-tap "get ready" message for tomorrow's orange or red vigilance (day as yyyymmdd)."""

    level: LevelValue
    day: Annotated[int, Field(ge=20_000_101, le=29_991_231)]


ANSWER_LABELS: dict[str, str] = {"h": N_("🙋 Je peux aider"), "c": N_("✅ J'ai vérifié mes voisins"),
                                 "u": N_("🚫 Pas disponible")}


def answer_markup(alert_id: int, locale: str) -> dict[str, Any]:
    """The alert's buttons, labelled in the recipient's language: three answers, my answer, the kit."""
    rows = [[button(t(locale, label), AnswerCb(alert_id=alert_id, kind=code))]  # type: ignore[arg-type]
            for code, label in ANSWER_LABELS.items()]
    rows.append([button(t(locale, "👁 Ma réponse"), AnswerCb(alert_id=alert_id, kind="m")),
                 button(t(locale, "📘 Le kit canicule"), KitCb(screen="home"))])
    return keyboard(*rows)


def live_markup(alert_id: int, is_open: bool, locale: str, *, can_remind: bool = True) -> dict[str, Any]:
    """The live view's buttons, in the coordinator's language (also drawn by the refresh job). Only what is
    still possible: a closed alert keeps refresh, map and export; the one reminder is offered until used."""
    def op(label: str, action: str) -> dict[str, Any]:
        return button(t(locale, label), AlertOpCb(action=action, alert_id=alert_id))  # type: ignore[arg-type]

    rows = [[op(N_("🔄 Actualiser"), "refresh"), op(N_("🗺 Carte"), "map")],
            [op(N_("📄 Export CSV"), "export")]]
    if is_open:
        rows[1].insert(0, op(N_("👥 Sans réponse"), "silent"))
        rows.append([op(N_("⏰ Relancer les sans-réponse"), "remind")] if can_remind else [])
        rows[-1].append(op(N_("↕️ Changer le niveau"), "level"))
        rows.append([op(N_("➕ Étendre aux nouveaux inscrits"), "extend"), op(N_("📈 Escalade"), "escalate")])
        rows.append([op(N_("✖ Clôturer l'alerte"), "close")])
    return keyboard(*rows)


def proposal_markup(level: int, locale: str, alert_id: int | None = None) -> dict[str, Any]:
    """The proposal's one-tap button: launch an all-Paris alert, or raise the running one."""
    from services.heatwave.alerts import level_label

    if alert_id is not None:
        return keyboard([button(t(locale, "⬆️ Passer l'alerte n° {id} en {level}", id=alert_id,
                                  level=level_label(level, locale)),
                                AlertOpCb(action="set_level", alert_id=alert_id, value=level))])
    return keyboard([button(t(locale, "✅ Lancer l'alerte ({level}, tout Paris)", level=level_label(level, locale)),
                            ProposalCb(level=level))])


def get_ready_markup(level: int, day: int, locale: str) -> dict[str, Any]:
    """The "get ready" proposal's one-tap button."""
    return keyboard([button(t(locale, "📣 Envoyer « Préparez-vous »"), GetReadyCb(level=level, day=day))])
