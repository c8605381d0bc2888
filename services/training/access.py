"""Who may do what to a training, checked the same way by the bot's handlers and the CLI.

- `access_training`: a volunteer may see a session (and cancel their booking) while it is scheduled and has
  not started, if it is open to their networks, or if they still hold a booking on it (someone who left a
  network since booking can still see and cancel that booking).
- `access_managed`: a coordinator's screens work on any session that exists.
- `access_attendance`: attendance is marked once the session has started, never on a cancelled one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from locales import N_
from models.training import BookingStatus, Training
from models.user import User
from services.errors import DomainError, NotAllowed
from services.training import sessions


async def access_training(session: AsyncSession, user: User, training_id: int, now: datetime) -> Training:
    """The session if this volunteer may see it now, else the reason (forged, old or closed button)."""
    training = await sessions.get_training(session, training_id)
    if training is not None and not sessions.open_to(training, user) and user.id is not None:
        booking = await sessions.get_booking(session, training_id, user.id)
        if booking is None or booking.status == BookingStatus.CANCELLED:
            training = None
    return sessions.check_upcoming(training, now)


async def access_managed(session: AsyncSession, training_id: int) -> Training:
    """Any session that exists, for a coordinator (the role itself is checked by the router's guard)."""
    training = await sessions.get_training(session, training_id)
    if training is None:
        raise DomainError(N_("Cette formation n'existe pas."))
    return training


async def access_attendance(session: AsyncSession, training_id: int, now: datetime) -> Training:
    training = await access_managed(session, training_id)
    sessions.check_attendance_open(training, now)
    return training


async def access_calendar(session: AsyncSession, user: User, training_id: int) -> Training:
    """A session's calendar file, as it is now (moved, or cancelled), for someone who holds a seat on it."""
    training = await sessions.get_training(session, training_id)
    booking = await sessions.get_booking(session, training_id, user.id) if user.id is not None else None
    if training is None or booking is None or booking.status != BookingStatus.BOOKED:
        raise NotAllowed(sessions.NO_BOOKING)
    return training
