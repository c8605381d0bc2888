"""The audit trail: what coordinators did with the bot (who, when, what, how many people, which campaign).

Mass sendings are campaigns (models/outbox.py, with `created_by`); they are part of the trail as they are.
This table holds every other coordinator action: grants, revokes, messages to one person, exports,
erasures by the data-protection officer. Never a message text: an action and a count.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # the coordinator; None when the operator acted from the command line
    actor_id: int | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")
    action: str = Field(max_length=32)  # "grant", "revoke", "message", "export", "erase"
    subject: str | None = Field(default=None, max_length=64)  # e.g. which list was exported; never a text
    # the person concerned, when there is one (kept pointing at an anonymous row after their erasure)
    target_id: int | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")
    count: int = Field(default=0, ge=0)  # how many people it concerned
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", ondelete="SET NULL")
