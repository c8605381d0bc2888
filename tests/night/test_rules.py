"""Registration and team rules in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.night import NightAssignment, NightRegistration
from services import privacy
from services.errors import DomainError
from services.night import rules
from tests import factories
from tests.night.helpers import AFTER_DEADLINE, BEFORE_DEADLINE, DEADLINE, NIGHT_DAY


async def test_registration_rules_forming_moving_and_erasure(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            edition = await rules.create_edition(session, name="Nuit", night_date=NIGHT_DAY, deadline=DEADLINE,
                                                 now=BEFORE_DEADLINE)
            await rules.add_leader(session, edition, code="L1", first_name="Karim")
            for code in ("18-A", "18-B"):
                await rules.add_sector(session, edition, rules.SectorInput(
                    code, 18, "street", "Mairie du 18e", "1 place Jules Joffrin", time(19, 0), 2, 4,
                    "L1" if code == "18-A" else None))
            people = [await factories.volunteer(session, 800 + i, name=f"Vol {i}") for i in range(7)]
            for person in people[:4]:
                await rules.register(session, edition, person, rules.Answers([18], True, group_code="amis"),
                                     BEFORE_DEADLINE)
            with pytest.raises(DomainError, match="complet"):
                await rules.register(session, edition, people[4], rules.Answers([18], True, group_code="AMIS"),
                                     BEFORE_DEADLINE)
            reg, late = await rules.register(session, edition, people[4], rules.Answers([18], True, can_lead=True),
                                             BEFORE_DEADLINE)
            assert not reg.can_lead and not late  # a first-timer cannot lead
            await rules.register(session, edition, people[5], rules.Answers([18, 19], False, can_lead=True),
                                 BEFORE_DEADLINE)
            # people are placed only in arrondissements they chose: this one also chose the 18th
            _reg, late = await rules.register(session, edition, people[6], rules.Answers([19, 18], False),
                                              AFTER_DEADLINE)
            assert late
            with pytest.raises(DomainError, match="date limite"):
                await rules.register(session, edition, people[6], rules.Answers([18], False), AFTER_DEADLINE)
            with pytest.raises(DomainError):
                rules.clean_preferences([1, 2, 3, 4])
            summary = await rules.form_teams(session, edition, AFTER_DEADLINE)
            assert summary.groups == 1 and summary.groups_kept == 1
            assert summary.formed == 2 and summary.by_rank[0] >= 5
            places = {p.user_id: p for p in await rules.edition_assignments(session, edition)}
            group_team = {places[p.id].sector_id for p in people[:4]}  # type: ignore[index]
            assert len(group_team) == 1
            assert places[people[5].id].role == "leader"  # type: ignore[index]
            full = next(s for s in await rules.list_sectors(session, edition) if s.id in group_team)
            with pytest.raises(DomainError, match="complète"):
                await rules.move_volunteer(session, edition, 804, full.code)
            await privacy.erase_user(session, people[0])
        async with sessions() as session:
            left = (await session.execute(select(NightRegistration).where(
                NightRegistration.user_id == people[0].id))).scalars().all()
            placed = (await session.execute(select(NightAssignment).where(
                NightAssignment.user_id == people[0].id))).scalars().all()
            assert left == [] and placed == []
    finally:
        await engine.dispose()
