"""Renewal leads: once a month, contracts ending in 6 to 18 months in the subscriber's trades and places,
with the current holder and the amount (French and English)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.procurement import renewals
from services.procurement.importing import import_document
from tests.factories import sme_subscription
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
DECP_V1 = FIXTURES / "decp-v1-e-marchespublics-2019-04-03.json"
NOW = datetime(2022, 12, 5, 8, 30, tzinfo=UTC)  # three of 2019's contracts in Île-de-France end in March 2024

CASES = {"fr": ("Pistes de renouvellement", "Titulaire :", "Fin du marché :", "Montant :"),
         "en": ("Renewal leads", "Winner:", "Contract ends:", "Amount:")}


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_monthly_digest_of_contracts_coming_up_for_renewal(harness: BotHarness, lang: str) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 701, locale=lang, cpv_prefixes=["45"], places=["idf"],
                               kinds=["renewal"])
        await sme_subscription(session, 702, locale=lang, cpv_prefixes=["45"], kinds=["call"])  # no renewals
        await session.commit()
    lead, other = harness.user(701, "Yves", lang), harness.user(702, "Zoé", lang)
    await import_document(harness.app.sessions, DECP_V1.read_bytes(), NOW, notify=False)
    async with harness.app.sessions.begin() as session:
        assert await renewals.send_renewal_leads(session, NOW) == 1
    async with harness.app.sessions.begin() as session:
        assert await renewals.send_renewal_leads(session, NOW) == 0  # once a month
    await harness.drain_outbox()
    title, holder, ends, amount = CASES[lang]
    digest = await lead.expect_message()
    text = digest.visible_text
    assert title in text and holder in text and ends in text and amount in text
    assert "2024" in text and text.count("🔁") == 4  # the header and the three contracts
    await other.expect_no_message()
