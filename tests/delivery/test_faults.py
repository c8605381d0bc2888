"""What Telegram throws at a broadcast: 429 storms, blocked users, 5xx, timeouts, bad requests, restarts."""

from __future__ import annotations

import asyncio
import itertools

from sqlmodel import select

from models.outbox import CampaignStatus, DeliveryStatus, OutboxMessage
from models.user import User
from services import outbox
from tests import factories
from tests.harness import BotHarness


async def _broadcast(harness: BotHarness, ids: list[int], text: str = "Bonjour {id}",
                     locale: str = "fr") -> int:
    async with harness.session() as session, session.begin():
        campaign, _ = await outbox.create_campaign(session, kind="test", title="Test")
        messages = []
        for telegram_id in ids:
            harness.user(telegram_id, "Camille", locale)  # the person exists on Telegram
            user = await factories.volunteer(session, telegram_id, locale=locale)
            messages.append(outbox.Outgoing(telegram_id, [outbox.Part(text.format(id=telegram_id))], user.id))
        await outbox.enqueue(session, campaign, messages)
        assert campaign.id is not None
        return campaign.id


async def _rows(harness: BotHarness) -> list[OutboxMessage]:
    async with harness.session() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_a_429_storm_pauses_everyone_and_loses_nothing(harness: BotHarness) -> None:
    # the bot believes it may send 25/s; "Telegram" allows 8/s and answers 429 retry_after=1 beyond
    harness.emu.set_rate_limit(8, retry_after=1)
    ids = list(range(3000, 3024))
    await _broadcast(harness, ids)
    await harness.drain_outbox(timeout=15)
    stats = harness.emu.stats
    assert stats.too_many_requests > 0 and harness.sender.stats.too_many_requests > 0
    assert all(stats.delivered_per_chat[chat] == 1 for chat in ids)
    assert {row.status for row in await _rows(harness)} == {DeliveryStatus.SENT}
    # after each 429 the whole bot waited retry_after: far fewer 429s than messages
    assert stats.too_many_requests < len(ids)


async def test_a_user_who_blocks_the_bot_mid_campaign_is_unreachable_and_never_retried(harness: BotHarness) -> None:
    ids = [3101, 3102, 3103]
    for telegram_id in ids:
        harness.user(telegram_id, "U", "fr")
    harness.emu.block(3102, notify=False)
    harness.emu.deactivate(3103)
    await _broadcast(harness, ids)
    await harness.drain_outbox()
    rows = {row.chat_id: row for row in await _rows(harness)}
    assert rows[3101].status == DeliveryStatus.SENT
    assert rows[3102].status == DeliveryStatus.UNREACHABLE and "blocked" in (rows[3102].last_error or "")
    assert rows[3103].status == DeliveryStatus.UNREACHABLE and "deactivated" in (rows[3103].last_error or "")
    assert rows[3102].attempts == 1 and harness.emu.stats.forbidden == 2
    async with harness.session() as session:
        blocked = (await session.execute(select(User).where(User.telegram_id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
        assert {user.telegram_id for user in blocked if user.blocked_at is not None} == {3102, 3103}
        progress = await outbox.campaign_progress(session, rows[3101].campaign_id)
        assert (progress.sent, progress.unreachable, progress.finished) == (1, 2, True)


async def test_server_errors_are_retried_with_backoff_then_given_up(harness: BotHarness) -> None:
    user = harness.user(3201, "Léa", "fr")
    harness.emu.fail_next(2, status=502, methods=["sendMessage"])
    await _broadcast(harness, [3201])
    assert (await user.expect_message()).text == "Bonjour 3201"
    await harness.drain_outbox()
    [row] = await _rows(harness)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)

    harness.sender.max_attempts = 3  # each retry also waits for the chat's one-second spacing
    harness.emu.fail_next(100, status=500, methods=["sendMessage"])
    await _broadcast(harness, [3202])
    await harness.drain_outbox(timeout=10)
    row = (await _rows(harness))[-1]
    assert row.status == DeliveryStatus.FAILED and row.attempts == harness.sender.max_attempts
    assert "5xx" in (row.last_error or "") and "attempts" in (row.last_error or "")
    harness.emu.fail_next(0)


async def test_a_timed_out_send_is_retried_and_may_arrive_twice_at_most(harness: BotHarness) -> None:
    user = harness.user(3301, "Sam", "en")
    harness.emu.fail_next(0, methods=["sendMessage"])  # faults apply to sendMessage only (not getUpdates)
    harness.emu.timeout_next(1, delay=3.0)  # the message is recorded; the answer comes after our 2 s timeout
    await _broadcast(harness, [3301])
    await harness.drain_outbox(timeout=10)
    [row] = await _rows(harness)
    assert row.status == DeliveryStatus.SENT and row.attempts == 2
    assert "network" in (row.last_error or "") or row.last_error is None
    # at-least-once: the ambiguous send arrived, and so did the retry; never more
    assert len([m for m in user.transcript if m.text == "Bonjour 3301"]) == 2


async def test_a_bad_request_fails_with_its_reason_and_is_not_retried(harness: BotHarness) -> None:
    await _broadcast(harness, [3401, 3402], text="<b>Bonjour {id}")  # unclosed HTML tag
    await harness.drain_outbox()
    rows = await _rows(harness)
    assert {row.status for row in rows} == {DeliveryStatus.FAILED}
    assert all("can't parse entities" in (row.last_error or "") and row.attempts == 1 for row in rows)


async def test_one_message_per_second_per_chat(harness: BotHarness) -> None:
    harness.emu.set_rate_limit(None, per_chat=1, per_chat_burst=1)
    user = harness.user(3501, "Léa", "fr")
    async with harness.session() as session, session.begin():
        for n in range(3):  # three campaigns for the same person at once
            campaign, _ = await outbox.create_campaign(session, kind="test", title=f"T{n}")
            await outbox.enqueue(session, campaign, [outbox.Outgoing(3501, [outbox.Part(f"Message {n}")])])
    messages = await user.expect_messages(3, timeout=6)
    assert sorted(m.text or '' for m in messages) == ["Message 0", "Message 1", "Message 2"]
    assert harness.emu.stats.too_many_requests == 0
    stamps = harness.emu.stats.send_timestamps
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(stamps))


async def test_paused_campaigns_wait_and_cancelled_ones_stop(harness: BotHarness) -> None:
    campaign_id = await _broadcast(harness, [3601, 3602])
    async with harness.session() as session, session.begin():
        await outbox.set_campaign_status(session, campaign_id, CampaignStatus.PAUSED)
    # the sender may have claimed before the pause; rows not claimed stay pending while paused
    await asyncio.sleep(0.5)
    async with harness.session() as session, session.begin():
        paused = await outbox.campaign_progress(session, campaign_id)
        await outbox.set_campaign_status(session, campaign_id, CampaignStatus.RUNNING)
    await harness.drain_outbox()
    async with harness.session() as session:
        progress = await outbox.campaign_progress(session, campaign_id)
    assert progress.sent == 2 and paused.status == CampaignStatus.PAUSED

    harness.emu.set_latency(0.05)
    ids = list(range(3700, 3760))
    other = await _broadcast(harness, ids)
    await asyncio.sleep(0.4)
    async with harness.session() as session, session.begin():
        await outbox.set_campaign_status(session, other, CampaignStatus.CANCELLED)
    await harness.drain_outbox()
    async with harness.session() as session:
        progress = await outbox.campaign_progress(session, other)
    assert progress.finished and progress.cancelled > 0 and progress.sent + progress.cancelled == len(ids)
    assert harness.emu.stats.delivered == 2 + progress.sent


async def test_a_restart_mid_campaign_resumes_where_it_stopped(harness: BotHarness) -> None:
    harness.emu.set_latency(0.02)
    ids = list(range(3800, 3900))
    await _broadcast(harness, ids)
    await asyncio.sleep(1.0)  # about 25 sent at 25/s
    await harness.restart()
    await harness.drain_outbox(timeout=15)
    delivered = harness.emu.stats.delivered_per_chat
    assert all(delivered[chat] >= 1 for chat in ids)  # nothing lost
    duplicates = sum(delivered[chat] - 1 for chat in ids)
    assert duplicates <= harness.sender.max_in_flight
    assert {row.status for row in await _rows(harness)} == {DeliveryStatus.SENT}
