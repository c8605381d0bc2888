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


async def sme_subscription(session: AsyncSession, telegram_id: int, *, locale: str = "fr", **criteria: object) -> int:
    """An SME (no volunteer signup) who consented and holds one procurement subscription; returns its id."""
    from models.procurement import Subscription, TenderConsent

    user = User(telegram_id=telegram_id, locale=locale)
    session.add(user)
    await session.flush()
    assert user.id is not None
    session.add(TenderConsent(user_id=user.id))
    subscription = Subscription(user_id=user.id, **criteria)  # type: ignore[arg-type]
    session.add(subscription)
    await session.flush()
    assert subscription.id is not None
    return subscription.id
