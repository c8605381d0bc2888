"""Volunteers, coordinators and every other person who talks to the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """One Telegram user. Erasure blanks every personal column and keeps the row for anonymous counts."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # NULL once erased; unique so a Telegram account maps to one live row
    telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True, index=True))
    locale: str = Field(default="fr", max_length=5)
    full_name: str | None = Field(default=None, max_length=128)
    # 1..20 for a Paris arrondissement, None when outside Paris (postal_code then says where)
    arrondissement: int | None = Field(default=None, ge=1, le=20)
    postal_code: str | None = Field(default=None, max_length=5)
    climate_volunteer: bool = Field(default=False)
    solidarity_volunteer: bool = Field(default=False)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    is_coordinator: bool = Field(default=False)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # set when Telegram says the user blocked the bot (my_chat_member or a 403); cleared when they write again
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_signed_up(self) -> bool:
        return self.signed_up_at is not None

    @property
    def networks(self) -> list[str]:
        return [name for name, on in (("climate", self.climate_volunteer),
                                      ("solidarity", self.solidarity_volunteer)) if on]
