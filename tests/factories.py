"""Build domain objects directly in the database, for stories that start after signup."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.user import User


async def volunteer(
    session: AsyncSession,
    telegram_id: int,
    *,
    name: str = "Camille Martin",
    locale: str = "fr",
    arrondissement: int | None = 11,
    postal_code: str | None = None,
    climate: bool = True,
    solidarity: bool = False,
    coordinator: bool = False,
) -> User:
    """A signed-up volunteer (consent given), flushed so that it has an id."""
    now = utcnow()
    user = User(telegram_id=telegram_id, locale=locale, full_name=name, arrondissement=arrondissement,
                postal_code=postal_code, climate_volunteer=climate, solidarity_volunteer=solidarity,
                is_coordinator=coordinator, consent_at=now, signed_up_at=now)
    session.add(user)
    await session.flush()
    return user
