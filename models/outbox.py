"""The outbox: every message to more than one person is a row here before the sender sends it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"  # everything was sent (or found unreachable, or failed): nothing left to steer


class DeliveryStatus(StrEnum):
    PENDING = "pending"        # waiting for its turn (or for next_attempt_at after a retryable error)
    SENDING = "sending"        # claimed by a sender until lease_until
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: blocked the bot or deactivated; never retried
    FAILED = "failed"          # a 4xx other than 403/429, or retries exhausted
    CANCELLED = "cancelled"    # its campaign was cancelled before it was sent


class Campaign(SQLModel, table=True):
    """One mass sending (an alert, a newsletter issue, a broadcast…). Progress is derived from its rows."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    # Idempotency: a second trigger for the same thing ("newsletter:2026-12") finds this campaign.
    source_key: str | None = Field(default=None, max_length=120, unique=True)
    status: str = Field(default=CampaignStatus.RUNNING, max_length=16)
    paid: bool = Field(default=False, description="send with allow_paid_broadcast (up to 1000 msg/s)")
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # where the live progress message is shown, and which message it is (edited in place)
    report_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_message_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # when the final report was posted under the progress message (so a restart does not post it twice)
    report_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """One recipient of one campaign: the rendered parts, and where their delivery stands."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("campaign_id", "chat_id", name="uq_outbox_campaign_chat"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # "is anything of this campaign left to send?" after every batch of outcomes: an index seek
        Index("ix_outbox_campaign_status", "campaign_id", "status"),
        {"info": {"erase": "delete"}},
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # [{"text": str, "reply_markup": dict | None}, …] sent in order; long texts are split before enqueueing
    parts: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    parts_sent: int = Field(default=0)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_message_id: int | None = None
