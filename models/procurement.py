"""Procurement notices (DECP, OCDS, eForms, BOAMP), SME subscriptions, deliveries, followed notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Notice(SQLModel, table=True):
    """One call for tender or awarded contract, normalised from whichever format it came in."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_notices_source_id"),
        Index("ix_notices_term_end", "kind", "term_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)  # "decp", "ocds", "eforms" or "boamp": source_id is unique within it
    # DECP: buyer SIRET + contract id (the national uid); OCDS: ocid; eForms: the notice's procedure id;
    # BOAMP: idweb
    source_id: str = Field(max_length=200)
    kind: str = Field(max_length=8, index=True)  # "call" (open call for tender) or "award"
    title: str = Field(max_length=1000)
    buyer: str | None = Field(default=None, max_length=300)
    cpv_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    country: str | None = Field(default=None, max_length=2)
    department: str | None = Field(default=None, max_length=3)
    region: str | None = Field(default=None, max_length=3)
    amount: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    procedure: str | None = Field(default=None, max_length=32)  # a key of services.procurement.formats.PROCEDURES
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    awarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    winner: str | None = Field(default=None, max_length=300)
    term_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    url: str | None = Field(default=None, max_length=500)
    # " stem stem … cpv cpv " (accent-free French stems of title and buyer, then CPV codes) for /search
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # sha256 of the normalised fields: a re-import of the same data changes nothing
    content_hash: str = Field(max_length=64)
    # OCDS only: the compiled release, so that a later amendment merges over it
    compiled: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # description, lots, additional CPV codes, titles in other languages, the deadline's own UTC offset…
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="active", max_length=12)  # "active" or "cancelled" (by a change notice)
    # an old record (published long before its import, or a call already closed): stored, never sent as new
    backfill: bool = Field(default=False)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TenderConsent(SQLModel, table=True):
    """An SME's consent to keeping its subscriptions (no volunteer signup needed)."""

    __tablename__ = "tender_consents"
    __table_args__ = ({"info": {"erase": "delete"}},)

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    given_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subscription(SQLModel, table=True):
    """What one SME wants to receive: every criterion it set must hold; an empty one means "any"."""

    __tablename__ = "tender_subscriptions"
    __table_args__ = ({"info": {"erase": "delete"}},)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    cpv_prefixes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    places: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    amount_min: float | None = None
    amount_max: float | None = None
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    frequency: str = Field(default="instant", max_length=8)  # "instant" or "daily"
    paused: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoticeDelivery(SQLModel, table=True):
    """A notice matched for a subscription: at most once each, sent at once or kept for the daily digest."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "notice_id", name="uq_notice_delivery"),
        Index("ix_notice_deliveries_digest", "digest_id", "frequency"),
        {"info": {"erase": "delete"}},
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="tender_subscriptions.id", ondelete="CASCADE")
    notice_id: int = Field(foreign_key="notices.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    frequency: str = Field(max_length=8)
    matched_as: str = Field(max_length=8)  # call, award or renewal
    digest_id: int | None = Field(default=None, foreign_key="tender_digests.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TenderDigest(SQLModel, table=True):
    """Notices sent as one paginated message (the daily digest, or a burst of instant matches).

    The notices are kept in order so that page buttons can show any page later.
    """

    __tablename__ = "tender_digests"
    __table_args__ = (
        Index("ix_tender_digests_day", "user_id", "kind", "day"),
        {"info": {"erase": "delete"}},
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="daily", max_length=8)  # "daily" or "burst"
    day: str = Field(max_length=10)  # Paris date, ISO
    notice_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoticeFollow(SQLModel, table=True):
    """⭐ An SME follows a call for tender: reminded 3 days and 1 day before its deadline, once each."""

    __tablename__ = "notice_follows"
    __table_args__ = (
        UniqueConstraint("user_id", "notice_id", name="uq_notice_follow"),
        {"info": {"erase": "delete"}},
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    notice_id: int = Field(foreign_key="notices.id", index=True, ondelete="CASCADE")
    # the last reminder sent: 0 none, 3 the three-day one, 1 the one-day one (set by a conditional UPDATE)
    reminded: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
