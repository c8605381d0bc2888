"""The kit library ("Le Volontaire au quotidien"): short screens in French and English, written in Markdown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Kit(SQLModel, table=True):
    """One kit: a Markdown document per language ("# title", an introduction, then one "## " section per
    screen, the last one its sources); readers see it once published."""

    __tablename__ = "kits"
    __table_args__ = (CheckConstraint("season IS NULL OR season IN ('summer')", name="ck_kits_season"),)

    id: int | None = Field(default=None, primary_key=True)
    # a stable name for kits other features point at (the heat-wave alert's button names "canicule")
    slug: str | None = Field(default=None, max_length=32, unique=True)
    title_fr: str = Field(default="", max_length=120)
    title_en: str = Field(default="", max_length=120)
    source_fr: str = Field(default="", sa_type=Text)
    source_en: str = Field(default="", sa_type=Text)
    season: str | None = Field(default=None, max_length=16)  # "summer": pinned first from June to September
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
