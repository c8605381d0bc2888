"""The monthly Climate Newsletter ("Lettre du Climat"): who reads it in which language, and each month's issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class NewsletterSubscription(SQLModel, table=True):
    """One reader; unsubscribing keeps the row (active=False) so a later tap can resubscribe in one step."""

    __tablename__ = "newsletter_subscriptions"
    __table_args__ = ({"info": {"erase": "delete"}},)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    locale: str = Field(default="fr", max_length=5)
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NewsletterIssue(SQLModel, table=True):
    """The issue of one month, in French and English (Markdown source), and when it goes out."""

    __tablename__ = "newsletter_issues"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)  # "YYYY-MM"
    title_fr: str = Field(default="", max_length=200)
    body_fr: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    title_en: str = Field(default="", max_length=200)
    body_en: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The coordinator chose to send the language that exists to readers of the missing one.
    allow_fallback: bool = Field(default=False)
    send_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Where the sending's progress is reported (the coordinator who scheduled it).
    report_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", ondelete="SET NULL")
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NewsletterContribution(SQLModel, table=True):
    """A subscriber's contribution to the issue of `month`: reviewed in the desk, accepted (printed at the end
    of that issue, in its language, credited by first name if the author agreed) or declined with a note."""

    __tablename__ = "newsletter_contributions"
    __table_args__ = ({"info": {"erase": "delete"}},)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    month: str = Field(max_length=7, index=True)  # the issue it is for ("YYYY-MM")
    locale: str = Field(max_length=5)  # the language it is written in: printed in that version
    text: str = Field(sa_column=Column(Text, nullable=False))
    credit: bool = Field(default=False)  # the author agreed to be credited by first name
    photo_file_id: str | None = Field(default=None, max_length=200)  # an optional photo, as Telegram keeps it
    status: str = Field(default="pending", max_length=10, index=True)  # pending, accepted, declined
    note: str | None = Field(default=None, max_length=20)  # the key of the decline note
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
