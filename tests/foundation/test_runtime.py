"""Runtime behaviour: blocking, language switch, command lists, flood control, errors, no token, demo."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.demo import run_demo
from bot.isolation import TransientEventIsolation
from bot.middlewares.throttling import ThrottlingMiddleware
from handlers.foundation.commands import publish_commands
from models.user import User
from tests.factories import volunteer
from tests.harness import BotHarness


async def _user(harness: BotHarness, telegram_id: int) -> User:
    async with harness.session() as session:
        return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def test_block_and_unblock_are_recorded(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 401)
        await session.commit()
    max_ = harness.user(401, "Max", "fr")
    await max_.block()
    await harness.emu.wait_idle()
    assert (await _user(harness, 401)).blocked_at is not None
    await max_.unblock()
    await harness.emu.wait_idle()
    assert (await _user(harness, 401)).blocked_at is None


async def test_language_switch_changes_menu_and_commands(harness: BotHarness) -> None:
    async with harness.session() as session:
        await volunteer(session, 402, locale="fr")
        await session.commit()
    ana = harness.user(402, "Ana", "fr")
    await ana.send("/language")
    await ana.expect_message()
    await ana.tap("🇬🇧 English")
    assert (await ana.expect_callback_answer()).text == "Language: English."
    menu = await ana.expect_message()
    assert "👤 My profile" in menu.button_labels
    assert (await _user(harness, 402)).locale == "en"
    commands = harness.emu.commands(scope={"type": "chat", "chat_id": 402})
    assert {"command": "privacy", "description": "Privacy notice"} in commands


async def test_command_lists_per_language(harness: BotHarness) -> None:
    assert harness.app.bot is not None
    await publish_commands(harness.app)
    french = harness.emu.commands(language_code="fr")
    english = harness.emu.commands(language_code="en")
    assert {"command": "delete", "description": "Effacer mes données"} in french
    assert {"command": "delete", "description": "Erase my data"} in english
    assert harness.emu.commands() == french  # other languages get French, the default


async def test_unknown_text_and_stickers_get_an_answer(harness: BotHarness) -> None:
    bob = harness.user(403, "Bob", "en")
    await bob.send("what's the weather?")
    assert "Type /menu" in (await bob.expect_message()).text
    await bob.send_sticker()
    assert "Type /menu" in (await bob.expect_message()).text
    await bob.send("/cancel")
    assert "nothing to cancel" in (await bob.expect_message()).text


async def test_a_flooding_user_is_throttled_once(emu, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    harness = BotHarness(emu, sqlite_url, throttle_rate=1.0)
    await harness.start()
    try:
        spammer = harness.user(404, "Spam", "fr")
        for _ in range(30):
            await spammer.send("hello")
        await emu.wait_idle(quiet=0.3)
        texts = [message.text for message in spammer.transcript]
        assert texts.count("Doucement ! Vous envoyez trop de messages ; attendez quelques secondes.") == 1
        assert len(texts) < 15  # most of the flood was dropped before touching the database
    finally:
        await harness.stop()


async def test_an_internal_error_gets_an_apology_not_silence(harness: BotHarness) -> None:
    async with harness.session() as session:
        await session.execute(text("DROP TABLE fsm_state"))
        await session.commit()
    kim = harness.user(405, "Kim", "en")
    await kim.send("/start")
    assert "Sorry, something went wrong" in (await kim.expect_message()).text


def test_run_without_token_explains_how_to_get_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    from bot.config import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["run"])
    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "BotFather" in result.output and ".env" in result.output


async def test_demo_shows_a_whole_signup() -> None:
    lines = await asyncio.wait_for(run_demo("fr", console=_quiet_console()), 60)
    assert any("vous êtes inscrit" in line for line in lines)


def _quiet_console():  # type: ignore[no-untyped-def]
    from io import StringIO

    from rich.console import Console

    return Console(file=StringIO())


async def test_help_lists_every_command_in_the_users_language(harness: BotHarness) -> None:
    lily = harness.user(406, "Lily", "en")
    await lily.send("/help")
    text = (await lily.expect_message()).text
    assert "Here is what I can do" in text and "/delete : Erase my data" in text and "/tenders" in text


async def test_a_crowd_passes_and_the_bot_keeps_no_lock_for_anyone(harness: BotHarness) -> None:
    """One update at a time per person, and nothing kept per person once they stop writing (aiogram's own
    isolation keeps a lock per person for ever: 15,000 of them after an alert; the flood control kept a
    bucket for each of the last 10,000 people)."""
    crowd = [harness.user(5000 + number, "V", "fr") for number in range(30)]
    for person in crowd:
        await person.send("/start")
    for person in crowd:
        await person.expect_message()
    await harness.emu.wait_idle()
    isolation = harness.app.dispatcher.fsm.events_isolation
    assert isinstance(isolation, TransientEventIsolation) and isolation.held == 0
    await asyncio.sleep(0.05)  # the harness allows 1,000 messages/s: a burst of 8 has come back by now
    latecomer = harness.user(5100, "L", "fr")
    await latecomer.send("/start")
    await latecomer.expect_message()
    [throttling] = [m for m in harness.app.dispatcher.update.outer_middleware if isinstance(m, ThrottlingMiddleware)]
    assert throttling.tracked == 1  # the latecomer, who is writing now
