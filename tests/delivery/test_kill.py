"""kill -9 of the sender process mid-campaign, then a restart: nothing lost, duplicates only from in-flight rows."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlmodel import func, select

from bot.db import create_engine, create_sessionmaker
from emulator import Emulator
from models.outbox import DeliveryStatus, OutboxMessage
from services import outbox
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 150


async def _start_sender(emu: Emulator, database_url: str, cwd: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": emu.token, "BOT_API_URL": emu.base_url, "DATABASE_URL": database_url,
           "BOT_SEND_RATE": "60", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sender", "--lease", "2", "--poll", "0.1", "--max-in-flight", "16",
        cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=(cwd / "sender.log").open("ab"))


async def _wait_for(predicate: object, timeout: float, what: str) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_sigkill_mid_campaign_then_restart(emu: Emulator, sqlite_url: str, tmp_path: Path) -> None:
    emu.set_latency(0.01)
    ids = list(range(5000, 5000 + RECIPIENTS))
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="test", title="Kill")
            messages = []
            for telegram_id in ids:
                emu.user(telegram_id, "V", language_code="fr")
                user = await factories.volunteer(session, telegram_id)
                messages.append(outbox.Outgoing(telegram_id, [outbox.Part(f"Message {telegram_id}")], user.id))
            await outbox.enqueue(session, campaign, messages)

        first = await _start_sender(emu, sqlite_url, tmp_path)
        try:
            await _wait_for(lambda: emu.stats.delivered >= 50, 15, "50 deliveries")
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        async with sessions() as session:
            in_flight = (await session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == DeliveryStatus.SENDING))).scalar_one()
        delivered_at_kill = emu.stats.delivered
        assert delivered_at_kill < RECIPIENTS  # killed mid-campaign

        second = await _start_sender(emu, sqlite_url, tmp_path)
        try:
            async def drained() -> int:
                async with sessions() as session:
                    return await outbox.outstanding_count(session)

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while await drained():
                assert loop.time() < deadline, "the restarted sender did not finish"
                await asyncio.sleep(0.1)
        finally:
            second.terminate()
            await second.wait()

        delivered = emu.stats.delivered_per_chat
        lost = [chat for chat in ids if delivered[chat] == 0]
        duplicates = sum(max(0, delivered[chat] - 1) for chat in ids)
        assert lost == []
        assert duplicates <= in_flight <= 16, (duplicates, in_flight)
        async with sessions() as session:
            statuses = set((await session.execute(select(OutboxMessage.status))).scalars())
        assert statuses == {DeliveryStatus.SENT}
    finally:
        await engine.dispose()
