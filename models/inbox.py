"""Updates received by webhook workers, stored under their update_id before Telegram is told "200 OK"."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class UpdateStatus(StrEnum):
    HANDLING = "handling"  # a worker holds it until lease_until; after that any worker may take it over
    HANDLED = "handled"    # done; the row stays a while so that a redelivery is recognised
    FAILED = "failed"      # handling raised MAX_ATTEMPTS times; kept for the operator, never retried


class ReceivedUpdate(SQLModel, table=True):
    """One Telegram update. The payload (which holds what people typed) is dropped once handled."""

    __tablename__ = "received_updates"
    __table_args__ = (Index("ix_received_updates_due", "status", "lease_until"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default=UpdateStatus.HANDLING, max_length=16)
    attempts: int = Field(default=1)
    worker: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
