"""`volunteer-bot demo`: the real bot, offline, against the built-in Bot API emulator, with a scripted signup."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.text import Text

from bot.app import create_app
from bot.config import Settings
from bot.db import upgrade_database

try:
    from emulator import Emulator
    from emulator.client import TestUser
except ModuleNotFoundError as missing:  # the emulator is a development tool: not in the wheel nor the image
    raise SystemExit("`volunteer-bot demo` runs from a source checkout: in the clone, run scripts/setup, "
                     "then .venv/bin/volunteer-bot demo") from missing

# (action, argument) steps a volunteer takes; "tap" presses a button by its label, "send" types text
SCRIPTS: dict[str, list[tuple[str, str]]] = {
    "fr": [("send", "/start"), ("tap", "🇫🇷 Français"), ("tap", "✅ J'accepte"), ("send", "Camille Martin"),
           ("tap", "18"), ("tap", "Les deux"), ("tap", "Arabe"), ("tap", "Continuer »"),
           ("tap", "Premiers secours"), ("tap", "Continuer »"), ("tap", "✅ Confirmer")],
    "en": [("send", "/start"), ("tap", "🇬🇧 English"), ("tap", "✅ I agree"), ("send", "Sam Taylor"),
           ("tap", "Outside Paris"), ("send", "93100"), ("tap", "🌳 Climate Volunteers"), ("tap", "Continue »"),
           ("tap", "Continue »"), ("tap", "✅ Confirm")],
}


async def run_demo(language: str = "fr", console: Console | None = None) -> list[str]:
    """Play the script and print each exchange; returns the printed lines (used by the tests)."""
    console = console or Console()
    script = SCRIPTS.get(language, SCRIPTS["fr"])
    lines: list[str] = []

    def show(who: str, text: str, style: str) -> None:
        lines.append(f"{who}: {text}")
        console.print(Text(f"{who}: ", style=style) + Text(text))

    with tempfile.TemporaryDirectory() as scratch:
        async with Emulator() as emu:
            settings = Settings(_env_file=None, bot_token=SecretStr(emu.token), bot_api_url=emu.base_url,
                                database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'demo.db'}")
            app = create_app(settings)
            assert app.bot is not None
            await upgrade_database(app.engine)
            polling = asyncio.create_task(app.dispatcher.start_polling(
                app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1))
            volunteer = emu.user(4242, "Camille" if language == "fr" else "Sam", language_code=language)
            try:
                for action, argument in script:
                    show("👤 volunteer", f"[{argument}]" if action == "tap" else argument, "bold cyan")
                    await (volunteer.tap(argument) if action == "tap" else volunteer.send(argument))
                    await _print_replies(volunteer, show)
            finally:
                with contextlib.suppress(RuntimeError):
                    await app.dispatcher.stop_polling()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(polling, 5)
                await app.close()
    return lines


async def _print_replies(volunteer: TestUser, show: object) -> None:
    """Print the bot's new messages and edits until it has been quiet for a moment."""
    while True:
        try:
            message = await volunteer.expect_message(timeout=0.6)
        except AssertionError:
            try:
                message = await volunteer.expect_edit(timeout=0.01)
            except AssertionError:
                return
        buttons = " ".join(f"[{label}]" for label in message.button_labels)
        show("🤖 bot", (message.visible_text or "") + (f"\n   {buttons}" if buttons else ""), "bold green")  # type: ignore[operator]
