"""SMEs subscribe by browsing and by searching CPV labels, in French and English, and get matches."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from models.outbox import OutboxMessage
from models.procurement import Subscription
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"


async def _subscriptions(harness: BotHarness) -> list[Subscription]:
    async with harness.session() as session:
        return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())


async def test_subscribe_by_search_in_french(harness: BotHarness) -> None:
    sme = harness.user(301, "Nadia", "fr")
    await sme.send("/tenders")
    consent = await sme.expect_message()
    assert "nous gardons vos critères" in consent.visible_text
    await sme.tap("✅ J'accepte")
    home = await sme.expect_message()
    assert "➕ Nouvel abonnement" in home.button_labels
    await sme.tap("➕ Nouvel abonnement")
    summary = await sme.expect_message()
    assert "Nouvel abonnement" in summary.visible_text
    await sme.tap("🧰 Métiers (CPV)")
    await sme.expect_message()
    await sme.send("nettoyage")
    results = await sme.expect_message()
    label = next(b for b in results.button_labels if "9091" in b)
    sme.skip_seen()
    await sme.tap(label)
    assert "Ajouté" in ((await sme.expect_callback_answer()).text or "")
    cpv_screen = await sme.expect_message()
    assert any("❌ 9091" in b for b in cpv_screen.button_labels)
    await sme.tap("« Terminé")
    await sme.expect_message()
    await sme.tap("🔤 Mots-clés")
    await sme.expect_message()
    await sme.send("voiries, Propreté")
    summary = await sme.expect_message()
    assert "voiries, Propreté" in summary.visible_text
    await sme.tap("📍 Lieux")
    await sme.expect_message()
    await sme.tap("Paris")
    assert "✅ Paris" in (await sme.expect_edit()).button_labels
    await sme.tap("« Terminé")
    await sme.expect_message()
    await sme.tap("✅ Enregistrer")
    assert "Abonnement enregistré" in (await sme.expect_message()).text
    await sme.expect_message()
    [subscription] = await _subscriptions(harness)
    assert subscription.cpv_prefixes == ["9091"] and subscription.keywords == ["voiries", "Propreté"]
    assert subscription.places == ["75"] and subscription.frequency == "instant"
    assert harness.app.bot is not None
    async with harness.session() as session:
        assert (await session.execute(select(OutboxMessage))).first() is None
