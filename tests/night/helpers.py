"""Shared setup for the Night of Solidarity stories: an edition with sectors, a fixed clock, outbox reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from models.night import NightEdition
from services.night import rules
from tests.harness import BotHarness

NIGHT_DAY = date(2027, 1, 28)
DEADLINE = date(2027, 1, 20)
BEFORE_DEADLINE = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2027, 1, 22, 10, 0, tzinfo=UTC)
AT_MEETING = datetime(2027, 1, 28, 18, 5, tzinfo=UTC)  # 19:05 Paris


def set_clock(harness: BotHarness, moment: datetime) -> None:
    """Handlers read `clock` from the dispatcher's data: the story decides what time it is."""
    harness.app.dispatcher["clock"] = lambda: moment


async def make_edition(harness: BotHarness, sectors: list[tuple[str, int, int, int, str | None]] | None = None,
                       leaders: dict[str, str] | None = None, kinds: dict[str, str] | None = None) -> int:
    """An edition on NIGHT_DAY; sectors are (code, arrondissement, min, max, leader code), street unless `kinds`
    says otherwise."""
    async with harness.app.sessions.begin() as session:
        edition = await rules.create_edition(session, name="Nuit de la Solidarité 2027", night_date=NIGHT_DAY,
                                             deadline=DEADLINE, now=BEFORE_DEADLINE)
        for code, first_name in (leaders or {}).items():
            await rules.add_leader(session, edition, code=code, first_name=first_name)
        for code, arrondissement, low, high, leader in sectors or []:
            await rules.add_sector(session, edition, rules.SectorInput(
                code=code, arrondissement=arrondissement, kind=(kinds or {}).get(code, "street"),
                meeting_point=f"Mairie du {arrondissement}e",
                meeting_address=f"{arrondissement} rue de la Mairie", meeting_time=time(19, 0),
                min_volunteers=low, max_volunteers=high, leader_code=leader))
        assert edition.id is not None
        return edition.id


async def edition(harness: BotHarness, edition_id: int) -> NightEdition:
    async with harness.session() as session:
        found = await session.get(NightEdition, edition_id)
        assert found is not None
        return found


def later(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)


async def registered(harness: BotHarness, edition_id: int, telegram_id: int, prefs: list[int], *,
                     locale: str = "fr", name: str = "Camille Martin", first_time: bool = False,
                     can_lead: bool = False, group: str | None = None, needs: list[str] | None = None) -> None:
    """A signed-up volunteer already registered for the edition (before the deadline)."""
    from tests import factories

    harness.user(telegram_id, name.split()[0], locale)  # they have a chat with the bot
    async with harness.app.sessions.begin() as session:
        user = await factories.volunteer(session, telegram_id, name=name, locale=locale, solidarity=True)
        found = await session.get(NightEdition, edition_id)
        assert found is not None
        await rules.register(session, found, user, rules.Answers(prefs, first_time, group_code=group,
                                                                 can_lead=can_lead, access_needs=needs or []),
                             BEFORE_DEADLINE)
