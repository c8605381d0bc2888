"""Pause and Cancel take effect within a second at Telegram's full rate; finished campaigns are done.

At 3 msg/s, Pause at 11/33 went on to 25/33 while the message said "⏸ En pause", and Cancel at 10/47 sent 24:
the rows the sender had already claimed went out. Now only what is on the wire at the tap goes out, and
the final report counts it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import get_settings
from emulator import Emulator
from emulator.client import TestUser
from models.outbox import Campaign, CampaignStatus
from services import outbox
from services.errors import DomainError
from tests import factories
from tests.harness import BotHarness

VOLUNTEERS = 150
RATE = 30.0
# A send is "on the wire" from its slot in the budget to Telegram's answer: at 30/s and a few ms of
# latency, one or two. Anything beyond was sent after the tap.
ON_THE_WIRE = 3


async def _launch(harness: BotHarness, coordinator: TestUser, french: bool) -> None:
    async with harness.session() as session, session.begin():
        for index in range(VOLUNTEERS):
            await factories.volunteer(session, 20_000 + index, locale="fr", arrondissement=11, climate=True)
            harness.user(20_000 + index, "V", "fr")
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.tap("🌳 Volontaires du Climat" if french else "🌳 Climate Volunteers")
    await coordinator.expect_message()
    await coordinator.send("Canicule : pensez à vos voisins.")
    await coordinator.expect_message()
    await coordinator.tap("Même texte pour tous" if french else "Same text for everyone")
    _label, _part, summary = await coordinator.expect_messages(3)  # the preview, then the summary
    await coordinator.tap(f"✅ Envoyer à {VOLUNTEERS}" if french else f"✅ Send to {VOLUNTEERS}", message=summary)
    await coordinator.expect_message()


async def _delivered_after_tap(emu: Emulator, coordinator: TestUser, label: str) -> tuple[int, int, int]:
    """Tap when ~40 are out; returns (delivered at the tap, 1 s later, 2.5 s later)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while emu.stats.delivered < 40:
        assert loop.time() < deadline
        await asyncio.sleep(0.01)
    live = next(message for message in reversed(coordinator.transcript) if label in message.button_labels)
    coordinator.skip_seen()
    at_tap = emu.stats.delivered
    await coordinator.tap(label, message=live)
    await coordinator.expect_callback_answer()
    await asyncio.sleep(1.0)
    one_second = emu.stats.delivered
    await asyncio.sleep(1.5)
    return at_tap, one_second, emu.stats.delivered


def _recipients_reached(emu: Emulator) -> int:
    delivered = emu.stats.delivered_per_chat
    return sum(1 for chat in range(20_000, 20_000 + VOLUNTEERS) if delivered[chat])


async def test_pause_stops_within_a_second_at_30_per_second_and_resume_finishes(
        emu: Emulator, sqlite_url: str) -> None:
    emu.set_rate_limit(RATE)
    harness = BotHarness(emu, sqlite_url, bot_send_rate=RATE)
    await harness.start()
    try:
        coordinator = harness.coordinator("fr")
        await _launch(harness, coordinator, french=True)
        at_tap, one_second, later = await _delivered_after_tap(emu, coordinator, "⏸ Pause")
        assert one_second - at_tap <= ON_THE_WIRE, (at_tap, one_second)
        assert later == one_second  # nothing new after the tap
        async with harness.session() as session:
            progress = await outbox.campaign_progress(session, 1)
        assert progress.status == CampaignStatus.PAUSED and progress.sent == _recipients_reached(emu)

        live = next(message for message in reversed(coordinator.transcript) if "▶️ Reprendre" in message.button_labels)
        coordinator.skip_seen()
        await coordinator.tap("▶️ Reprendre", message=live)
        resumed = await coordinator.expect_callback_answer()
        assert "Reprise" in (resumed.text or ""), resumed
        await harness.drain_outbox(timeout=20)
        async with harness.session() as session:
            progress = await outbox.campaign_progress(session, 1)
        assert _recipients_reached(emu) == VOLUNTEERS, progress
        report = await coordinator.expect_message(timeout=10)
        while "Rapport" not in report.text:
            report = await coordinator.expect_message(timeout=5)
        assert f"Reçu : {VOLUNTEERS}" in report.visible_text
        async with harness.session() as session:
            campaign = (await session.execute(select(Campaign))).scalar_one()
        assert campaign.status == CampaignStatus.DONE  # not "running" forever
        # steering a finished campaign is refused with a clear message
        async with harness.session() as session:
            try:
                await outbox.set_campaign_status(session, 1, CampaignStatus.PAUSED)
                raise AssertionError("a finished campaign was paused")
            except DomainError as error:
                assert "terminée" in error.render("fr") and "finished" in error.render("en")
    finally:
        await harness.stop()


async def test_cancel_stops_within_a_second_and_the_report_counts_what_went_out(
        emu: Emulator, sqlite_url: str) -> None:
    emu.set_rate_limit(RATE)
    harness = BotHarness(emu, sqlite_url, bot_send_rate=RATE)
    await harness.start()
    try:
        coordinator = harness.coordinator("en")
        async with harness.session() as session, session.begin():
            await factories.volunteer(session, 900_001, locale="en", coordinator=True, arrondissement=None,
                                     climate=False)
        await _launch(harness, coordinator, french=False)
        at_tap, one_second, later = await _delivered_after_tap(emu, coordinator, "✖ Cancel sending")
        assert one_second - at_tap <= ON_THE_WIRE, (at_tap, one_second)
        assert later == one_second
        reached = _recipients_reached(emu)
        report = await coordinator.expect_message(timeout=5)
        while "Report" not in report.text:
            report = await coordinator.expect_message(timeout=5)
        assert f"Received: {reached}" in report.visible_text
        assert f"Cancelled: {VOLUNTEERS - reached}" in report.visible_text
        await coordinator.tap_data("bc:resume:1")  # an old button on a cancelled campaign
        assert "finished" in ((await coordinator.expect_callback_answer()).text or "")
    finally:
        await harness.stop()


@pytest.fixture
def cli_database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_cli_refuses_to_steer_a_finished_campaign(cli_database: str) -> None:
    sqlite_url = cli_database
    async def finish() -> None:
        from bot.db import create_engine, create_sessionmaker

        engine = create_engine(sqlite_url)
        async with create_sessionmaker(engine).begin() as session:
            campaign, _ = await outbox.create_campaign(session, kind="test", title="Done")
            campaign.status = CampaignStatus.DONE
        await engine.dispose()

    asyncio.run(finish())
    runner = CliRunner()
    result = runner.invoke(cli, ["delivery", "pause", "1"])
    assert result.exit_code == 1 and "finished" in result.output and "nothing left to pause" in result.output


def test_cli_broadcast_shows_the_exact_count_and_asks_first(cli_database: str) -> None:
    sqlite_url = cli_database
    from bot.db import create_engine, create_sessionmaker

    async def campaigns(add_people: bool = False) -> int:
        engine = create_engine(sqlite_url)
        async with create_sessionmaker(engine).begin() as session:
            for index in range(3 if add_people else 0):
                await factories.volunteer(session, 30_000 + index, locale="fr")
            count = len((await session.execute(select(Campaign))).scalars().all())
        await engine.dispose()
        return count

    assert asyncio.run(campaigns(add_people=True)) == 0
    runner = CliRunner()
    refused = runner.invoke(cli, ["broadcast", "--text", "Bonjour"], input="n\n")
    assert refused.exit_code == 1 and "3 recipient(s)" in refused.output and "Send this message to 3 people" \
        in refused.output and "Not sent." in refused.output
    typed = runner.invoke(cli, ["broadcast", "--text", "Bonjour"], input="oui, enfin\n")  # not y/n
    assert typed.exit_code != 0 and "Campaign" not in typed.output
    assert asyncio.run(campaigns()) == 0  # nothing was enqueued
    scripted = runner.invoke(cli, ["broadcast", "--text", "Bonjour", "--yes"])
    assert scripted.exit_code == 0 and "3 recipient(s)" in scripted.output and "Campaign 1: 3 recipient(s)" \
        in scripted.output
