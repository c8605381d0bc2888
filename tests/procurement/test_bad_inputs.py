"""Typed text where buttons were expected, old and forged buttons, other people's objects, non-coordinators."""

from __future__ import annotations

from sqlmodel import select

from models.procurement import Subscription, TenderDigest
from tests.factories import sme_subscription
from tests.harness import BotHarness


async def test_bad_inputs_change_nothing_in_french_and_english(harness: BotHarness) -> None:
    async with harness.session() as session:
        other = await sme_subscription(session, 321, cpv_prefixes=["45"], kinds=["award"])
        session.add(TenderDigest(user_id=(await session.get(Subscription, other)).user_id, day="2026-11-23",
                                 notice_ids=[]))
        await session.commit()
    for user_id, lang, typed_back, expired, gone in (
            (322, "fr", "Je n'attends pas cela ici", "plus valable", "n'existe plus"),
            (323, "en", "not expecting that here", "no longer valid", "no longer exists")):
        sme = harness.user(user_id, "Alex", lang)
        await sme.send("/tenders")
        consent = await sme.expect_message()
        await sme.send("oui")  # free text at the consent question
        assert typed_back in (await sme.expect_message()).text
        assert (await sme.expect_message()).button_labels == consent.button_labels
        await sme.tap(consent.button_labels[0])
        await sme.expect_message()  # home
        await sme.tap(next(b for b in sme.last_message.button_labels if b.startswith("➕")))
        summary = await sme.expect_message()
        await sme.tap(summary.button_labels[2])  # places
        await sme.expect_message()
        await sme.send("Paris please")
        assert typed_back in (await sme.expect_message()).text
        await sme.expect_message()  # the places question again
        sme.skip_seen()
        await sme.tap(summary.button_labels[6], message=summary)  # "save" on the older summary message
        assert expired in ((await sme.expect_callback_answer()).text or "")
        await sme.expect_message()  # the summary is shown again
        await sme.tap_data("td:save")  # now on the summary: no trade nor keyword, refused
        assert (await sme.expect_callback_answer()).show_alert
        await sme.tap_data(f"ts:pause:{other}")  # someone else's subscription
        assert gone in ((await sme.expect_callback_answer()).text or "")
        await sme.tap_data(f"tu:{other}")
        assert gone in ((await sme.expect_callback_answer()).text or "")
        await sme.tap_data("tp:1:0")  # someone else's digest
        assert gone in ((await sme.expect_callback_answer()).text or "")
        await sme.tap_data("td:browse:99999999")
        assert expired in ((await sme.expect_callback_answer()).text or "")
        await sme.tap_data("co:tenders")  # the coordinator overview
        assert (await sme.expect_callback_answer()).show_alert
    async with harness.session() as session:
        rows = list((await session.execute(select(Subscription))).scalars())
    assert [(r.id, r.paused) for r in rows] == [(other, False)]


async def test_a_coordinator_sees_the_overview(harness: BotHarness) -> None:
    coordinator = harness.coordinator("fr")
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap("📑 Marchés publics")
    assert "Avis en base : 0" in (await coordinator.expect_message()).visible_text
