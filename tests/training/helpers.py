"""Trainings built directly in the database, for stories that start with a session already announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.training import Training
from services.timing import PARIS
from services.training import sessions as trainings


async def session_in(
    session: AsyncSession,
    *,
    days: float = 10,
    capacity: int = 20,
    networks: tuple[str, ...] = ("climate",),
    title_fr: str = "Le Volontaire et la canicule",
    title_en: str = "The volunteer and the heat wave",
    place: str | None = "Hôtel de Ville, 75004 Paris",
    online_url: str | None = None,
    now: datetime | None = None,
) -> Training:
    """A scheduled session `days` from now at 18:30 Paris time."""
    now = now or utcnow()
    start = (now + timedelta(days=days)).astimezone(PARIS).replace(hour=18, minute=30, second=0,
                                                                            microsecond=0)
    return await trainings.create_training(
        session, networks=networks, theme="Canicule", title_fr=title_fr, title_en=title_en,
        description_fr="Repérer les personnes isolées et les signes du coup de chaleur.",
        description_en="Spotting isolated people and the signs of heat stroke.",
        starts_at=start, duration_minutes=120, place=place, online_url=online_url, capacity=capacity, now=now)
