"""A volunteer sees everything kept about them and can erase it; anonymous counts stay."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlmodel import col

from models.fsm import FsmRecord
from models.user import User
from tests.factories import volunteer
from tests.harness import BotHarness


async def test_privacy_notice_in_both_languages(harness: BotHarness) -> None:
    fr = harness.user(201, "Anne", "fr")
    await fr.send("/privacy")
    assert "Ce que nous gardons" in (await fr.expect_message()).visible_text
    en = harness.user(202, "Ann", "en")
    await en.send("/privacy")
    assert "What we keep" in (await en.expect_message()).visible_text


async def test_mydata_sends_a_json_document(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 203, name="Zoé Petit", locale="en", arrondissement=20)
        await session.commit()
    zoe = harness.user(203, "Zoé", "en")
    await zoe.send("/mydata")
    summary = await zoe.expect_message()  # issue 17: a short summary first, in her language
    assert "What the bot keeps about you" in summary.visible_text
    message = await zoe.expect_message()
    assert message.document is not None and message.document.name == "my-data.json"  # named in her language
    data = json.loads(message.document.data)  # readable keys and values (issue 17)
    assert data["Profile"]["Name"] == "Zoé Petit"
    assert data["Profile"]["Arrondissement"] == 20
    assert "Here is all the data" in (message.caption or "")


async def test_delete_erases_personal_data_but_keeps_counts(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 204, name="Paul Durand", arrondissement=13, solidarity=True)
        await session.commit()
    paul = harness.user(204, "Paul", "fr")
    await paul.send("/delete")
    question = await paul.expect_message()
    assert "définitive" in question.text
    await paul.tap("Non, garder")
    assert "Rien n'a été effacé" in (await paul.expect_callback_answer()).text
    await paul.tap("Oui, tout effacer", message=question)  # a late tap on the same question still works
    assert "effacées" in (await paul.expect_message()).text
    async with harness.session() as session:
        assert (await session.execute(select(User).where(User.telegram_id == 204))).first() is None
        anonymous = (await session.execute(select(User).where(User.erased_at.is_not(None)))).scalar_one()
        assert anonymous.full_name is None and anonymous.telegram_id is None and anonymous.languages == []
        assert anonymous.arrondissement == 13 and anonymous.solidarity_volunteer  # anonymous counts kept
        assert (await session.execute(select(func.count()).select_from(FsmRecord)
                                      .where(col(FsmRecord.key).like("%:204:%")))).scalar_one() == 0
    # a replayed confirmation leaves the anonymous record alone, and a new /start is a fresh start
    await paul.tap_data("pv:confirm_delete", message=question)
    assert "effacées" in (await paul.expect_message()).text
    async with harness.session() as session:
        kept = (await session.execute(select(User).where(User.id == anonymous.id))).scalar_one()
        assert kept.arrondissement == 13
    await paul.send("/start")
    assert "Choisissez votre langue" in (await paul.expect_message()).text


async def test_erasure_during_signup_forgets_the_typed_name(harness: BotHarness) -> None:
    lou = harness.user(205, "Lou", "fr")
    await lou.send("/start")
    await lou.expect_message()
    await lou.tap("🇫🇷 Français")
    await lou.expect_message()
    await lou.tap("✅ J'accepte")
    await lou.expect_message()
    await lou.send("Lou Secret")
    await lou.expect_message()
    await lou.send("/delete")
    await lou.expect_message()
    await lou.tap("Oui, tout effacer")
    assert "effacées" in (await lou.expect_message()).text
    async with harness.session() as session:
        records = (await session.execute(select(FsmRecord))).scalars().all()
        assert all("Lou Secret" not in json.dumps(record.data) for record in records)
