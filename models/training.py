"""Training sessions and the seats booked on them (booked, wait-listed, cancelled, attended)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class TrainingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Training(SQLModel, table=True):
    """One session: who it is for, when and where, and how many seats are taken."""

    __tablename__ = "trainings"
    # Backstops for the conditional updates in services/training.py: never more bookings than seats.
    __table_args__ = (
        CheckConstraint("booked_count <= capacity", name="ck_trainings_not_overbooked"),
        CheckConstraint("booked_count >= 0", name="ck_trainings_booked_not_negative"),
        CheckConstraint("capacity >= 1", name="ck_trainings_capacity_positive"),
        Index("ix_trainings_status_starts_at", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    for_climate: bool = Field(default=False)
    for_solidarity: bool = Field(default=False)
    theme: str = Field(max_length=80)
    title_fr: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    description_fr: str = Field(default="", max_length=1000)
    description_en: str = Field(default="", max_length=1000)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = Field(default=120)
    place: str | None = Field(default=None, max_length=200)
    online_url: str | None = Field(default=None, max_length=300)
    capacity: int
    booked_count: int = Field(default=0)
    # Every booking attempt takes the next number under the row lock: it is the tap order.
    last_seq: int = Field(default=0)
    status: str = Field(default=TrainingStatus.SCHEDULED, max_length=16)
    # The calendar file's SEQUENCE: raised by every move and by the cancellation, so calendars update.
    sequence: int = Field(default=0)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The creation form's own key: a double tap on "Publish" (even on two workers) creates one session.
    request_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_fr

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" and self.description_en else self.description_fr

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked_count, 0)

    @property
    def networks(self) -> list[str]:
        return [name for name, on in (("climate", self.for_climate), ("solidarity", self.for_solidarity)) if on]


class Booking(SQLModel, table=True):
    """One volunteer on one training: a seat, a place on the wait list, or a cancelled request."""

    __tablename__ = "training_bookings"
    __table_args__ = (
        UniqueConstraint("training_id", "user_id", name="uq_training_bookings_training_user"),
        Index("ix_training_bookings_queue", "training_id", "status", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    training_id: int = Field(foreign_key="trainings.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    status: str = Field(default=BookingStatus.BOOKED, max_length=16)
    # The training's last_seq when this request was made: wait-list order (lowest first).
    seq: int
    # None until a coordinator marks it after the session
    attended: bool | None = Field(default=None)
    # "I'm coming", answered to the day-before reminder
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The one-tap feedback after the session: 1 (not useful) to 3 (useful)
    rating: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderKind(StrEnum):
    DAY_BEFORE = "24h"  # asks "I'm coming / I can't come any more"
    SOON = "2h"
    FEEDBACK = "feedback"  # after the session, to those who came


class TrainingReminder(SQLModel, table=True):
    """A promise kept to one booking: "reminded for the start X with the reminder K". The UNIQUE constraint makes
    it once per booking and start time, whoever runs the job, across restarts, moves and promotions."""

    __tablename__ = "training_reminders"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", "starts_at", name="uq_training_reminders_booking_kind_start"),
        {"info": {"erase": "delete"}},
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="training_bookings.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrainingSettings(SQLModel, table=True):
    """A volunteer's training preferences; no row means the defaults (new sessions announced)."""

    __tablename__ = "training_settings"
    __table_args__ = ({"info": {"erase": "delete"}},)

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    announcements: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
