"""Night of Solidarity: editions, sectors, team leaders, registrations, assignments and presence.

Nothing here (or anywhere) describes the people met during the count: the count stays anonymous.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SectorKind(StrEnum):
    STREET = "street"
    STATION = "station"
    BUILDING_HALLS = "halls"
    HOSPITAL = "hospital"
    OTHER = "other"


class NightRole(StrEnum):
    LEADER = "leader"
    MEMBER = "member"


class NightEdition(SQLModel, table=True):
    """One night (22:00–01:00 Paris time); registrations close at `registration_deadline`."""

    __tablename__ = "night_editions"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    night_date: date
    registration_deadline: datetime = Field(sa_type=UTCDateTime)
    formed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NightLeader(SQLModel, table=True):
    """A registered team leader (social worker, association member); only a first name is shown to the team."""

    __tablename__ = "night_leaders"
    __table_args__ = (UniqueConstraint("edition_id", "code", name="uq_night_leader_code"),
                      {"info": {"erase": "delete"}})

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="night_editions.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)  # the coordinator's own reference (CSV leader_id)
    first_name: str = Field(max_length=64)
    organisation: str | None = Field(default=None, max_length=80)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")


class NightSector(SQLModel, table=True):
    """The area one team covers, and where and when its members meet (UTC)."""

    __tablename__ = "night_sectors"
    __table_args__ = (UniqueConstraint("edition_id", "code", name="uq_night_sector_code"),)

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="night_editions.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    arrondissement: int = Field(ge=1, le=20)
    kind: str = Field(default=SectorKind.STREET, max_length=16)
    meeting_point: str = Field(max_length=120)
    meeting_address: str = Field(max_length=200)
    meeting_at: datetime = Field(sa_type=UTCDateTime)
    min_volunteers: int = Field(default=3, ge=1)
    max_volunteers: int = Field(default=4, ge=1)
    leader_id: int | None = Field(default=None, foreign_key="night_leaders.id", ondelete="SET NULL")


class NightRegistration(SQLModel, table=True):
    """A volunteer's answers for one edition; withdrawn rows stay until erasure (counts)."""

    __tablename__ = "night_registrations"
    __table_args__ = (UniqueConstraint("edition_id", "user_id", name="uq_night_registration"),
                      {"info": {"erase": "delete"}})

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="night_editions.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    arrondissements: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # ranked
    first_time: bool = Field(default=True)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    group_code: str | None = Field(default=None, max_length=24, index=True)
    can_lead: bool = Field(default=False)
    access_needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False,
                                                                            server_default="[]"))  # NEEDS keys
    access_constraint: str | None = Field(default=None, max_length=200)  # free text, shown to coordinators
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback: int | None = Field(default=None, ge=1, le=3)  # how the night went for them: 1 to 3
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NightAssignment(SQLModel, table=True):
    """Who is in which team, in which role; `present_at` is the "I'm here" at the meeting point.

    One row per person and edition (leader of one team, or member of one team; no row: waiting), imported
    leaders with a Telegram account included: the unique constraint is the backstop against anyone placed
    twice, by the solver, a move, an import or a late registration; at most one leader row per team."""

    __tablename__ = "night_assignments"
    __table_args__ = (UniqueConstraint("edition_id", "user_id", name="uq_night_assignment"),
                      Index("uq_night_team_leader", "sector_id", unique=True,
                            sqlite_where=text("role = 'leader'"), postgresql_where=text("role = 'leader'")),
                      {"info": {"erase": "delete"}})

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="night_editions.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    sector_id: int = Field(foreign_key="night_sectors.id", index=True, ondelete="CASCADE")
    role: str = Field(default=NightRole.MEMBER, max_length=8)
    # the sector last told to this volunteer: a change after publication notifies only when it differs
    notified_sector_id: int | None = Field(default=None)
    present_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
