"""The sender through the real bot and the emulator: each recipient gets their message once, in order."""

from __future__ import annotations

from sqlmodel import select

from models.outbox import Campaign, DeliveryStatus, OutboxMessage
from services import outbox
from tests import factories
from tests.harness import BotHarness

TEXTS = {"fr": "Alerte canicule : buvez de l'eau.", "en": "Heat-wave alert: drink water."}


async def _campaign_for(harness: BotHarness, people: list[tuple[int, str]], *, parts: int = 1) -> int:
    async with harness.session() as session, session.begin():
        campaign, _ = await outbox.create_campaign(session, kind="test", title="Canicule")
        messages = []
        for telegram_id, locale in people:
            user = await factories.volunteer(session, telegram_id, locale=locale)
            body = [outbox.Part(f"{TEXTS[locale]} ({n + 1}/{parts})") for n in range(parts)]
            body[-1] = outbox.Part(body[-1].text, {"inline_keyboard": [[{"text": "OK", "callback_data": "x:1"}]]})
            messages.append(outbox.Outgoing(telegram_id, body, user.id))
        await outbox.enqueue(session, campaign, messages)
        assert campaign.id is not None
        return campaign.id


async def test_each_recipient_gets_the_message_once_in_their_language(harness: BotHarness) -> None:
    people = [(201, "fr"), (202, "en"), (203, "fr")]
    users = {telegram_id: harness.user(telegram_id, f"U{telegram_id}", locale) for telegram_id, locale in people}
    campaign_id = await _campaign_for(harness, people)
    for telegram_id, locale in people:
        message = await users[telegram_id].expect_message()
        assert message.text == f"{TEXTS[locale]} (1/1)"
        assert message.button_labels == ["OK"]
    await harness.drain_outbox()
    for user in users.values():
        await user.expect_no_message()
    async with harness.session() as session:
        progress = await outbox.campaign_progress(session, campaign_id)
        assert (progress.total, progress.sent, progress.pending) == (3, 3, 0) and progress.finished
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        assert {row.status for row in rows} == {DeliveryStatus.SENT}
        assert all(row.telegram_message_id and row.sent_at and row.parts_sent == 1 for row in rows)
        assert (await session.get(Campaign, campaign_id)).finished_at is not None  # type: ignore[union-attr]
    assert all(harness.emu.stats.delivered_per_chat[telegram_id] == 1 for telegram_id, _ in people)


async def test_parts_arrive_in_order_one_second_apart_per_chat(harness: BotHarness) -> None:
    user = harness.user(204, "Sam", "en")
    await _campaign_for(harness, [(204, "en")], parts=2)
    first, second = await user.expect_messages(2)
    assert first.text.endswith("(1/2)") and second.text.endswith("(2/2)")
    assert not first.buttons and second.button_labels == ["OK"]
    await harness.drain_outbox()
