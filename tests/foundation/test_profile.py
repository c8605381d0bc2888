"""Editing a profile, and the whole signup on both database engines."""

from __future__ import annotations

from sqlalchemy import select

from emulator import Emulator
from models.user import User
from tests.factories import volunteer
from tests.harness import BotHarness


async def test_edit_profile_from_the_menu(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 501, name="Hugo Leroy", locale="en", arrondissement=3)
        await session.commit()
    hugo = harness.user(501, "Hugo", "en")
    await hugo.send("/menu")
    await hugo.expect_message()
    await hugo.tap("👤 My profile")
    summary = await hugo.expect_message()
    assert "Hugo Leroy" in summary.visible_text and "Paris 3" in summary.visible_text
    await hugo.tap("Edit place")
    await hugo.expect_message()
    await hugo.tap("12")
    summary = await hugo.expect_message()  # an edit goes straight back to the summary
    assert "Paris 12" in summary.visible_text
    await hugo.tap("Edit name")
    await hugo.expect_message()
    await hugo.send("/menu")  # leaving half-way keeps the stored profile as it was
    await hugo.expect_message()
    async with harness.session() as session:
        stored = (await session.execute(select(User).where(User.telegram_id == 501))).scalar_one()
        assert stored.arrondissement == 3
    await hugo.tap("👤 My profile")
    await hugo.expect_message()
    await hugo.tap("Edit place")
    await hugo.expect_message()
    await hugo.tap("12")
    await hugo.expect_message()
    await hugo.tap("✅ Confirm")
    assert "up to date" in (await hugo.expect_message()).text
    async with harness.session() as session:
        stored = (await session.execute(select(User).where(User.telegram_id == 501))).scalar_one()
        assert stored.arrondissement == 12 and stored.full_name == "Hugo Leroy"


async def test_signup_and_restart_on_both_engines(emu: Emulator, any_db_url: str) -> None:
    harness = BotHarness(emu, any_db_url)
    await harness.start()
    try:
        rose = harness.user(502, "Rose", "fr")
        for action, value in (("send", "/start"), ("tap", "🇫🇷 Français"), ("tap", "✅ J'accepte"),
                              ("send", "Rose Blanc")):
            await (rose.tap(value) if action == "tap" else rose.send(value))
            await rose.expect_message()
        await harness.restart()
        for value in ("7", "🤝 Volontaires de la Solidarité", "Continuer »", "Continuer »"):
            await rose.tap(value)
            await rose.expect_message()
        await rose.tap("✅ Confirmer")
        assert "vous êtes inscrit" in (await rose.expect_message()).text
        async with harness.session() as session:
            stored = (await session.execute(select(User).where(User.telegram_id == 502))).scalar_one()
            assert (stored.full_name, stored.arrondissement, stored.solidarity_volunteer) == ("Rose Blanc", 7, True)
    finally:
        await harness.stop()
