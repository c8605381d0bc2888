"""The solidarity chain: associations' missions for the Solidarity Volunteers, and who signed up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class MissionStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Mission(SQLModel, table=True):
    """One mission of an association: what, where (an arrondissement), when, and how many seats are taken."""

    __tablename__ = "missions"
    # Backstops for the conditional update in services/missions.py: never more sign-ups than seats.
    __table_args__ = (
        CheckConstraint("booked_count <= seats", name="ck_missions_not_overbooked"),
        CheckConstraint("booked_count >= 0", name="ck_missions_booked_not_negative"),
        CheckConstraint("seats >= 1", name="ck_missions_seats_positive"),
        CheckConstraint("arrondissement BETWEEN 1 AND 20", name="ck_missions_arrondissement"),
        Index("ix_missions_status_starts_at", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    association: str = Field(max_length=120)
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    arrondissement: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = Field(default=120)
    seats: int
    booked_count: int = Field(default=0)
    status: str = Field(default=MissionStatus.OPEN, max_length=16)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MissionSignup(SQLModel, table=True):
    """One volunteer on one mission (the unique constraint: one row each, revived after a cancellation)."""

    __tablename__ = "mission_signups"
    __table_args__ = (UniqueConstraint("mission_id", "user_id", name="uq_mission_signups_mission_user"),)

    id: int | None = Field(default=None, primary_key=True)
    mission_id: int = Field(foreign_key="missions.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    status: str = Field(default=SignupStatus.BOOKED, max_length=16)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the day-before reminder, once
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
