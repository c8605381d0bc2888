"""The volunteers' programme: calls for ideas where volunteers propose and vote on the quarter's theme."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class CallStatus(StrEnum):
    PROPOSALS = "proposals"  # volunteers propose themes (moderated before anyone sees them)
    VOTING = "voting"  # the shortlist is open to one vote each, changeable until the close
    CLOSED = "closed"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"


class ThemeCall(SQLModel, table=True):
    """A quarter's call for ideas: proposals until one time, votes until another."""

    __tablename__ = "theme_calls"
    __table_args__ = (
        CheckConstraint("proposals_until < votes_until", name="ck_theme_calls_order"),
        CheckConstraint("network IN ('climate', 'solidarity')", name="ck_theme_calls_network"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_fr: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    network: str = Field(default="climate", max_length=16)
    proposals_until: datetime = Field(sa_type=UTCDateTime)
    votes_until: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=CallStatus.PROPOSALS, max_length=16, index=True)
    winner_id: int | None = Field(default=None)  # a theme_proposals id, set once when the call closes
    training_id: int | None = Field(default=None, foreign_key="trainings.id", ondelete="SET NULL")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ThemeProposal(SQLModel, table=True):
    """A theme a volunteer proposed; shown to others only once a coordinator shortlisted it."""

    __tablename__ = "theme_proposals"
    __table_args__ = (Index("ix_theme_proposals_call_status", "call_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="theme_calls.id", ondelete="CASCADE")
    # the text stays when its author erases their data (it is the call's, not theirs); the link goes
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    text: str = Field(max_length=120)
    locale: str = Field(default="fr", max_length=5)
    status: str = Field(default=ProposalStatus.PENDING, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ThemeVote(SQLModel, table=True):
    """One vote per person per call (the unique constraint is the rule); changing it updates the row."""

    __tablename__ = "theme_votes"
    __table_args__ = (UniqueConstraint("call_id", "user_id", name="uq_theme_votes_one_per_person"),
                      {"info": {"erase": "delete"}})

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="theme_calls.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    proposal_id: int = Field(foreign_key="theme_proposals.id", ondelete="CASCADE")
    voted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
