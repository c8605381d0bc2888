"""A subscriber who keeps the default kinds receives what the data delivers (DECP awards), and never old
records as new (issue 18), in French and English."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.procurement.importing import import_document
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
NOW = datetime(2024, 7, 15, 8, 0, tzinfo=UTC)  # a week after the Mégalis file was published

CASES = {
    "fr": ("✅ J'accepte", "➕ Nouvel abonnement", "🧰 Métiers (CPV)", "« Terminé", "✅ Enregistrer",
           "Appels d'offres ouverts, Marchés attribués, Marchés à renouveler", "🔁 Marché bientôt à renouveler"),
    "en": ("✅ I agree", "➕ New subscription", "🧰 Trades (CPV)", "« Done", "✅ Save",
           "Open calls for tender, Awarded contracts, Contracts due for renewal", "🔁 Contract due for renewal"),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_the_default_subscription_receives_todays_awards_and_no_history(harness: BotHarness, lang: str) -> None:
    agree, new, trades, done, save, default_kinds, renewal = CASES[lang]
    sme = harness.user(801 if lang == "fr" else 802, "Jo", lang)
    await sme.send("/tenders")
    await sme.expect_message()
    await sme.tap(agree)
    await sme.expect_message()
    await sme.tap(new)
    assert default_kinds in (await sme.expect_message()).visible_text  # the default says what it receives
    await sme.tap(trades)
    await sme.expect_message()
    await sme.send("plombier")
    found = await sme.expect_message()
    sme.skip_seen()
    await sme.tap(found.button_labels[0])
    await sme.expect_callback_answer()
    await sme.expect_message()
    await sme.tap(done)
    await sme.expect_message()
    await sme.tap(save)
    await sme.expect_message()
    await sme.expect_message()

    # 2019's awards (plumbing among them) are history in 2024: stored, never "new notices for you"
    old = await import_document(harness.app.sessions, (FIXTURES / "decp-v1-e-marchespublics-2019-04-03.json")
                                .read_bytes(), NOW)
    assert old.imported == 441 and old.matched == 0
    fresh = await import_document(harness.app.sessions, (FIXTURES / "decp-v2-megalis-59920013600241-2024-07-09.json")
                                  .read_bytes(), NOW)
    assert fresh.matched == 1
    await harness.drain_outbox()
    notice = await sme.expect_message()
    # a plumbing contract of May 2024 ending in November: an award, and a renewal lead already
    assert renewal in notice.visible_text and "45330000" in notice.visible_text
    await sme.expect_no_message()
