"""Never silent under Telegram's flood control: 200 people sign up at the same moment (a press article, a QR
code at an event) against a Bot API that enforces ~30 messages/s; each one finishes, every tap is answered."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import func, select

from emulator import Emulator
from emulator.client import TestUser
from models.user import User
from tests.harness import BotHarness

CROWD = 200
PATIENCE = 120.0  # 200 people × ~10 messages at 30/s is ~70 s of replies: a reply may wait its turn


async def _sign_up(person: TestUser, french: bool, typed_first: bool) -> int:
    """The shortest signup, in French or English; returns how many buttons were tapped."""
    taps = 0

    async def tap(label: str) -> None:
        nonlocal taps
        await person.tap(label)
        taps += 1
        await person.expect_message(timeout=PATIENCE)

    await person.send("/start")
    await person.expect_message(timeout=PATIENCE)
    if typed_first:  # a bad input in the crowd: text where a button is expected
        await person.send("bonjour")
        assert person.transcript and await person.expect_message(timeout=PATIENCE)
    await tap("🇫🇷 Français" if french else "🇬🇧 English")
    await tap("✅ J'accepte" if french else "✅ I agree")
    await person.send("Camille Martin" if french else "Sam Smith")
    await person.expect_message(timeout=PATIENCE)
    await tap("11")
    if french:
        await tap("Les deux")
    else:
        await tap("🌳 Climate Volunteers")
    await tap("Continuer »" if french else "Continue »")
    await tap("Continuer »" if french else "Continue »")
    await person.tap("✅ Confirmer" if french else "✅ Confirm")
    taps += 1
    done = await person.expect_message(timeout=PATIENCE)
    assert ("vous êtes inscrit" if french else "you are signed up") in done.text
    return taps


async def test_200_people_sign_up_at_once_at_30_messages_per_second(
        emu: Emulator, sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    emu.set_rate_limit(30, retry_after=1)
    harness = BotHarness(emu, sqlite_url, bot_send_rate=30.0)
    await harness.start()
    try:
        people = [harness.user(60_000 + index, "Camille", "fr" if index % 2 else "en")
                  for index in range(CROWD)]
        taps = await asyncio.gather(*(_sign_up(person, index % 2 == 1, index % 10 == 0)
                                      for index, person in enumerate(people)))
        async with harness.session() as session:
            signed_up = (await session.execute(
                select(func.count()).select_from(User).where(User.signed_up_at.is_not(None)))).scalar_one()  # type: ignore[union-attr]
    finally:
        await harness.stop()
    assert signed_up == CROWD
    for person, tapped in zip(people, taps, strict=True):
        assert len(person.callback_answers) == tapped  # every callback answered
    failed = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert failed == [], [record.getMessage() for record in failed]
