"""Heat-wave alerts: the alert, the arrondissements it covers, who got it, and what they answered.

Nothing about the neighbours themselves is stored: only the number of people a volunteer says they
checked on, if they choose to give it.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Level(IntEnum):
    """Météo-France vigilance colours; green (1) is "no alert" and cannot be launched."""

    YELLOW = 2
    ORANGE = 3
    RED = 4


class AlertStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AnswerKind(StrEnum):
    HELP = "help"              # "I can help"
    CHECKED = "checked"        # "I checked on my neighbours"
    UNAVAILABLE = "unavailable"


class Alert(SQLModel, table=True):
    """One heat-wave episode as launched by a coordinator; its messages are outbox campaigns."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    level: int = Field(ge=2, le=4)
    networks: list[str] = Field(sa_column=Column(JSON, nullable=False))
    note_fr: str | None = Field(default=None, max_length=1000)
    note_en: str | None = Field(default=None, max_length=1000)
    status: str = Field(default=AlertStatus.OPEN, max_length=8, index=True)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", ondelete="SET NULL")
    # the reminder to non-responders goes once, at remind_at; reminded_at says it was enqueued
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the coordinator's live view, edited in place by a job while the alert is open
    live_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    live_message_id: int | None = None
    live_locale: str = Field(default="fr", max_length=5)
    live_digest: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertArea(SQLModel, table=True):
    """One arrondissement an alert covers; the partial unique index keeps one open alert per arrondissement."""

    __tablename__ = "alert_areas"
    __table_args__ = (
        UniqueConstraint("alert_id", "arrondissement", name="uq_alert_area"),
        Index("uq_alert_area_open", "arrondissement", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True, ondelete="CASCADE")
    arrondissement: int = Field(ge=1, le=20)
    is_open: bool = Field(default=True)


class AlertRecipient(SQLModel, table=True):
    """Who the alert was sent to, fixed at launch: a volunteer who joins later is not a recipient."""

    __tablename__ = "alert_recipients"
    __table_args__ = (UniqueConstraint("alert_id", "user_id", name="uq_alert_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True)
    # the arrondissement this recipient counts for: their own at launch (coverage stays stable if they move),
    # or the one they were called to when the call widened (their own is then in widened_from)
    arrondissement: int = Field(ge=1, le=20)
    widened_from: int | None = Field(default=None, ge=1, le=20)


class AlertAnswer(SQLModel, table=True):
    """A recipient's current answer (last one wins); every answer is also kept in alert_answer_events."""

    __tablename__ = "alert_answers"
    __table_args__ = (UniqueConstraint("alert_id", "user_id", name="uq_alert_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)
    people_checked: int | None = Field(default=None, ge=0)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AlertAnswerEvent(SQLModel, table=True):
    """The history of answers, in order; a number alone (people checked) is an event too."""

    __tablename__ = "alert_answer_events"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)
    people_checked: int | None = Field(default=None, ge=0)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AlertEscalation(SQLModel, table=True):
    """What the coordinator set once for an alert: a target per arrondissement, the re-ask cadence (Paris
    hours, never 02:00-03:00) and the delay before the call widens to neighbours and the other network."""

    __tablename__ = "alert_escalations"

    alert_id: int = Field(foreign_key="alerts.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = Field(default=True)
    target: int = Field(default=1, ge=1, le=1000)  # volunteers who can help or checked, per arrondissement
    reask_hour: int = Field(default=10, ge=0, le=23)  # first re-ask of the day, Paris time
    reask_every_hours: int = Field(default=24, ge=1, le=24)
    widen_after_minutes: int = Field(default=240, ge=0, le=7 * 24 * 60)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_reask_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reask_rounds: int = Field(default=0, ge=0)
    widened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertStep(SQLModel, table=True):
    """The log of what escalation (or a coordinator) did: each re-ask round, each widening, each message."""

    __tablename__ = "alert_steps"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # reask | widen | message
    round: int = Field(default=0, ge=0)
    areas: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    asked: int = Field(default=0, ge=0)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
