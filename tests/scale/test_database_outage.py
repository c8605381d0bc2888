"""It heals itself: the database refuses writes for 5 s in the middle of a campaign and of a scheduler tick.

A real fault on a PostgreSQL database of the test's own: `default_transaction_read_only` is switched on and
every connection is cut (as a failover to a read-only node does), then switched off 5 s later. The sender
and the scheduler back off and resume by themselves: the campaign finishes, nothing lost, nothing sent twice,
and the timed job runs again without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import SecretStr
from sqlalchemy import make_url, text
from sqlmodel import func, select

from bot.app import create_app
from bot.config import Settings
from bot.db import create_engine, upgrade_database
from bot.delivery import create_sender
from bot.scheduler import create_scheduler, job_context, set_job_context
from emulator import Emulator
from models.outbox import Campaign, CampaignStatus, DeliveryStatus, OutboxMessage
from models.user import User
from services import outbox
from tests import factories
from tests.conftest import _require_postgres

RECIPIENTS = 240
OUTAGE = 5.0
ticks: list[datetime] = []


async def record_tick() -> None:
    """A timed job that writes, as every real job does (a reminder sent, a view refreshed)."""
    app = job_context()
    async with app.sessions.begin() as session:
        await session.execute(text("UPDATE users SET locale = locale WHERE id = (SELECT min(id) FROM users)"))
    ticks.append(datetime.now(UTC))


@pytest.fixture
async def own_database() -> AsyncIterator[tuple[str, str]]:
    """A fresh PostgreSQL database (ALTER DATABASE must not touch anybody else's tests); (url, name)."""
    base = _require_postgres()
    name = f"outage_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    await upgrade_database(engine)
    await engine.dispose()
    try:
        yield url, name
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _refuse_writes(name: str, refused: bool) -> None:
    """Read-only for every new transaction, and every open connection cut so that none escapes it."""
    admin = create_engine(_require_postgres(), pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        setting = "SET default_transaction_read_only = on" if refused else "RESET default_transaction_read_only"
        await connection.execute(text(f'ALTER DATABASE "{name}" {setting}'))
        await connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    await admin.dispose()


async def test_writes_refused_for_5_s_mid_campaign_and_mid_tick_both_finish_on_their_own(
        emu: Emulator, own_database: tuple[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    url, name = own_database
    settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                        database_url=url, bot_send_rate=30.0)
    app = create_app(settings)
    ids = list(range(7000, 7000 + RECIPIENTS))
    async with app.sessions.begin() as session:
        campaign, _ = await outbox.create_campaign(session, kind="test", title="Outage")
        messages = []
        for telegram_id in ids:
            emu.user(telegram_id, "V", language_code="fr")
            user = await factories.volunteer(session, telegram_id)
            messages.append(outbox.Outgoing(telegram_id, [outbox.Part(f"Alerte {telegram_id}")], user.id))
    ticks.clear()
    set_job_context(app)
    scheduler = create_scheduler(settings)
    # the outage must not outlast the test: a sender still retrying would keep the loop from closing
    sender = create_sender(app.sessions, settings, poll_interval=0.1, backoff_base=0.1, request_timeout=2,
                           outage_limit=30.0)
    sending: asyncio.Task[None] | None = None
    try:
        scheduler.start()  # it forgets undeclared recurring jobs as it starts: the test's own job comes after
        scheduler.add_job(f"{__name__}:record_tick", IntervalTrigger(seconds=1), id="outage-tick",
                          replace_existing=True)
        sending = asyncio.create_task(sender.run())
        async with app.sessions.begin() as session:
            campaign = await session.get(Campaign, campaign.id)  # type: ignore[assignment]
            assert campaign is not None
            await outbox.enqueue(session, campaign, messages)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while emu.stats.delivered < 60:  # mid-campaign, and a few ticks done
            assert loop.time() < deadline
            await asyncio.sleep(0.05)
        await _refuse_writes(name, True)
        refused_at = datetime.now(UTC)
        await asyncio.sleep(OUTAGE)
        await _refuse_writes(name, False)
        healed_at = datetime.now(UTC)
        assert any(tick < refused_at for tick in ticks)

        deadline = loop.time() + 40
        while True:
            async with app.sessions() as session:
                left = await outbox.outstanding_count(session)
            if left == 0 and sender.in_flight == 0 and any(tick > healed_at for tick in ticks):
                break
            assert not sending.done(), "the sender stopped"
            assert loop.time() < deadline, f"not healed: {left} rows left, ticks {ticks[-3:]}"
            await asyncio.sleep(0.2)
        assert scheduler.running and scheduler.get_job("outage-tick") is not None
    finally:
        if sending is not None:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        set_job_context(None)
        await app.close()

    delivered = emu.stats.delivered_per_chat
    assert [chat for chat in ids if delivered[chat] == 0] == []  # nothing lost
    assert sum(max(0, delivered[chat] - 1) for chat in ids) == 0  # nothing sent twice
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as connection:
        statuses = set((await connection.execute(select(OutboxMessage.status))).scalars())
        status = (await connection.execute(select(Campaign.status))).scalar_one()
        people = (await connection.execute(select(func.count()).select_from(User))).scalar_one()
    await engine.dispose()
    assert statuses == {DeliveryStatus.SENT} and status == CampaignStatus.DONE and people == RECIPIENTS
    # the fault was real: both met it, and both came through it without a restart
    refused = [record.name for record in caplog.records if record.levelno >= logging.WARNING]
    assert "bot.delivery.sender" in refused and "apscheduler.executors.default" in refused
