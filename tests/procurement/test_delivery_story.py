"""Matches reach the SME through the outbox and the real sender: at once, or as a paginated daily digest."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from models.procurement import NoticeDelivery, Subscription
from services import users
from services.procurement import subscriptions as tenders
from services.procurement.formats import parse_document
from services.procurement.importing import import_document
from tests.factories import sme_subscription
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
DECP_V1 = FIXTURES / "decp-v1-e-marchespublics-2019-04-03.json"
NOW = datetime(2019, 4, 5, 7, 0, tzinfo=UTC)  # the files' week: their records are news
IDF = {"75", "77", "78", "91", "92", "93", "94", "95"}


def _expected_construction_in_idf() -> int:
    """Counted straight from the file (last record per uid), independently of the index."""
    latest = {notice.source_id: notice for _, notice in parse_document(DECP_V1.read_bytes()).notices}
    return sum(1 for n in latest.values() if n.cpv_codes and n.cpv_codes[0].startswith("45") and n.department in IDF
               and not tenders.is_backfill(n, NOW))


async def test_browse_subscribe_in_english_receive_and_unsubscribe(harness: BotHarness) -> None:
    sme = harness.user(311, "Sam", "en")
    await sme.send("/tenders")
    await sme.expect_message()
    await sme.tap("✅ I agree")
    await sme.expect_message()
    await sme.tap("➕ New subscription")
    await sme.expect_message()
    await sme.tap("🧰 Trades (CPV)")
    await sme.expect_message()
    await sme.tap("📂 Browse categories")
    divisions = await sme.expect_edit()
    assert "page 1/6" in divisions.visible_text
    await sme.tap("›")
    await sme.expect_edit()
    await sme.tap("›")
    page3 = await sme.expect_edit()
    await sme.tap(next(label for label in page3.button_labels if label.startswith("45 ·")))
    division = await sme.expect_edit()
    assert "Construction work" in division.visible_text
    assert any(label.startswith("451 ·") for label in division.button_labels)  # groups below the division
    sme.skip_seen()
    await sme.tap("➕ Choose « Construction work »")
    assert "Added" in ((await sme.expect_callback_answer()).text or "")
    await sme.expect_message()
    await sme.tap("« Done")
    await sme.expect_message()
    await sme.tap("📍 Places")
    await sme.expect_message()
    await sme.tap("Île-de-France")
    await sme.expect_edit()
    await sme.tap("« Done")
    await sme.expect_message()
    await sme.tap("📄 Notice types")
    kinds = await sme.expect_message()
    # the default fits the data the bot holds (DECP is award data): awarded contracts are already ticked
    assert "✅ Awarded contracts" in kinds.button_labels and "✅ Open calls for tender" in kinds.button_labels
    await sme.tap("« Done")
    summary = await sme.expect_message()
    assert "45 Construction work" in summary.visible_text and "Île-de-France" in summary.visible_text
    await sme.tap("✅ Save")
    assert "Subscription saved" in (await sme.expect_message()).text
    await sme.expect_message()

    summary_import = await import_document(harness.app.sessions, DECP_V1.read_bytes(), NOW)
    expected = _expected_construction_in_idf()
    assert expected > 5 and summary_import.matched == expected
    await harness.drain_outbox()
    burst = await sme.expect_message()  # many matches at once: one paginated message, not a flood
    assert f"{expected} new notices for you" in burst.visible_text
    assert ("Awarded contract" in burst.visible_text or "Contract due for renewal" in burst.visible_text)
    assert "Buyer:" in burst.visible_text
    assert "Winner:" in burst.visible_text and "🔕 Unsubscribe" in burst.button_labels
    await sme.expect_no_message()

    # the same file again delivers nothing twice
    again = await import_document(harness.app.sessions, DECP_V1.read_bytes(), NOW)
    assert (again.imported, again.updated, again.matched) == (0, 0, 0)
    await harness.drain_outbox()
    await sme.expect_no_message()

    unsubscribe_data = burst.inline_keyboard[-1][0]["callback_data"]
    sme.skip_seen()
    await sme.tap("🔕 Unsubscribe", message=burst)
    assert "unsubscribed" in ((await sme.expect_callback_answer()).text or "")
    assert "Subscription deleted" in (await sme.expect_message()).text
    assert burst.inline_keyboard == []  # the button is taken off the message
    await sme.tap_data(unsubscribe_data)  # the same (old) button again
    assert "no longer exists" in ((await sme.expect_callback_answer()).text or "")
    async with harness.session() as session:
        assert (await session.execute(select(Subscription))).first() is None
        assert (await session.execute(select(NoticeDelivery))).first() is None


async def test_daily_digest_is_paginated_never_truncated(harness: BotHarness) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 312, locale="fr", cpv_prefixes=["45"], kinds=["award"], frequency="daily")
        await session.commit()
    sme = harness.user(312, "Inès", "fr")
    summary = await import_document(harness.app.sessions, DECP_V1.read_bytes(), NOW)
    assert summary.matched > 50
    await harness.drain_outbox()
    await sme.expect_no_message()  # daily: nothing before the digest

    async with harness.app.sessions.begin() as session:
        assert await tenders.send_daily_digests(session, NOW) == 1
    async with harness.app.sessions.begin() as session:
        assert await tenders.send_daily_digests(session, NOW) == 0  # a second run the same day sends nothing
    await harness.drain_outbox()
    digest = await sme.expect_message()
    assert f"{summary.matched} avis, page 1/" in digest.visible_text
    pages = int(digest.visible_text.split("page 1/")[1].split()[0])
    assert pages > 1 and digest.button_labels == ["Page suivante ›", "🔕 Se désabonner"]
    seen = digest.visible_text.count("🏆")
    for page in range(2, pages + 1):
        await sme.tap("Page suivante ›")
        shown = await sme.expect_edit()
        assert f"page {page}/{pages}" in shown.visible_text and len(shown.text) <= 4096
        seen += shown.visible_text.count("🏆")
    assert seen == summary.matched  # every matched notice shown whole, on exactly one page
    await sme.tap("‹ Page précédente")
    assert f"page {pages - 1}/{pages}" in (await sme.expect_edit()).visible_text
    await sme.expect_no_message()


async def test_blocked_and_paused_subscribers_get_nothing(harness: BotHarness) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 313, cpv_prefixes=["45"], kinds=["award"])
        await sme_subscription(session, 314, cpv_prefixes=["45"], kinds=["award"], paused=True)
        await session.commit()
    blocked = harness.user(313, "Tom", "fr")
    await blocked.block()  # Telegram tells the bot with my_chat_member; the foundation records it
    await harness.emu.wait_idle()
    async with harness.session() as session:
        assert (await users.get_user(session, 313)).blocked_at is not None
    summary = await import_document(harness.app.sessions, DECP_V1.read_bytes(), NOW)
    assert summary.imported == 441 and summary.matched == 0
    await harness.drain_outbox()
    await harness.user(314, "Léo", "fr").expect_no_message()


async def test_a_single_match_arrives_at_once_with_its_unsubscribe_button(harness: BotHarness) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 315, locale="fr", cpv_prefixes=["452611"], kinds=["award"])
        await session.commit()
    sme = harness.user(315, "Rose", "fr")
    v2 = (FIXTURES / "decp-v2-megalis-59920013600241-2024-07-09.json").read_bytes()
    assert (await import_document(harness.app.sessions, v2, NOW)).matched == 1
    await harness.drain_outbox()
    notice = await sme.expect_message()
    text = notice.visible_text
    assert "🏆 Marché attribué" in text and "45261100" in text and "146 780,00 €" in re.sub(r"\s", " ", text)
    assert "Titulaire :" in text and "Procédure : Appel d'offres ouvert" in text
    assert notice.button_labels == ["🔕 Se désabonner"]
    await sme.expect_no_message()
