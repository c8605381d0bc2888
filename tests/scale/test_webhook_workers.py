"""Webhook workers as real processes on PostgreSQL and Redis, fed by the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlmodel import col

from bot.db import create_engine
from emulator import Emulator
from models.inbox import ReceivedUpdate, UpdateStatus
from models.user import User
from tests.scale.conftest import StartWorkers
from tests.scale.processes import SECRET, WEBHOOK_PATH, RoundRobin, Worker

HEADER = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def _post(worker: Worker, update: dict[str, Any], headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            f"{worker.url}{WEBHOOK_PATH}", json=update, headers=HEADER if headers is None else headers) as answer:
        return answer.status


async def _stored(url: str, update_id: int) -> ReceivedUpdate | None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(
                select(ReceivedUpdate).where(col(ReceivedUpdate.update_id) == update_id))).first()
            return ReceivedUpdate.model_validate(row._mapping) if row else None
    finally:
        await engine.dispose()


async def _user(url: str, telegram_id: int) -> User | None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(select(User).where(col(User.telegram_id) == telegram_id))).first()
            return User.model_validate(row._mapping) if row else None
    finally:
        await engine.dispose()


def _pending_update(emu: Emulator) -> dict[str, Any]:
    """Take the update the emulator queued for the last user action: the test delivers it itself."""
    update = dict(emu.state.updates[-1])
    emu.state.confirm_updates(update["update_id"] + 1)
    emu.state.last_returned_update_id = update["update_id"]
    return update


async def test_two_workers_alternate_one_conversation_each_language(
        emu: Emulator, start_workers: StartWorkers, pg_url: str) -> None:
    workers = await start_workers(2)
    async with RoundRobin([worker.url for worker in workers]) as balancer:
        emu.state.set_webhook(balancer.url, SECRET, 40, None)
        camille = emu.user(301, "Camille", language_code="fr")
        sam = emu.user(302, "Sam", language_code="en")
        await camille.send("/start")
        await sam.send("/start")
        await camille.expect_message()
        await sam.expect_message()
        for person, language, consent in ((camille, "🇫🇷 Français", "✅ J'accepte"),
                                          (sam, "🇬🇧 English", "✅ I agree")):
            await person.tap(language)
            await person.expect_message()
            await person.tap(consent)
            await person.expect_message()
        await camille.send("Camille Dupont")
        await sam.send("Sam O'Neill")
        assert "Où habitez-vous" in (await camille.expect_message()).text
        assert "Where do you live" in (await sam.expect_message()).text
        await camille.send("pas de bouton")  # typed where a button was expected
        assert "code postal a 5 chiffres" in (await camille.expect_message()).text
        await camille.tap("18")
        await sam.tap("Outside Paris")
        await camille.expect_message()
        await sam.expect_message()
        await sam.send("93100")
        await sam.expect_message()
        await camille.tap("Les deux")
        await camille.expect_message()
        await sam.tap("🌳 Climate Volunteers")
        await sam.expect_message()
        for person, go_on in ((camille, "Continuer »"), (sam, "Continue »")):
            await person.tap(go_on)
            await person.expect_message()
            await person.tap(go_on)
            await person.expect_message()
        await camille.tap("✅ Confirmer")
        assert "vous êtes inscrit" in (await camille.expect_message()).text
        await sam.tap("✅ Confirm")
        assert "signed up" in (await sam.expect_message()).text.lower()
        await emu.wait_idle()
    assert set(balancer.sent_to) == {worker.url for worker in workers}  # both took part, turn by turn
    camille_row, sam_row = await _user(pg_url, 301), await _user(pg_url, 302)
    assert camille_row is not None and camille_row.is_signed_up and camille_row.arrondissement == 18
    assert sam_row is not None and sam_row.is_signed_up and sam_row.postal_code == "93100"
    assert (camille_row.locale, sam_row.locale) == ("fr", "en")


async def test_redelivered_update_is_handled_once(emu: Emulator, start_workers: StartWorkers, pg_url: str) -> None:
    first, second = await start_workers(2)
    noa = emu.user(311, "Noa", language_code="fr")
    await noa.send("/start")
    update = _pending_update(emu)
    assert await _post(first, update) == 200
    await noa.expect_message()
    # Telegram redelivers when it missed the answer: the other worker acknowledges it and does nothing
    assert await _post(second, update) == 200
    assert await _post(first, update) == 200
    await noa.expect_no_message(quiet=0.5)
    stored = await _stored(pg_url, update["update_id"])
    assert stored is not None and stored.status == UpdateStatus.HANDLED
    assert stored.payload is None and stored.attempts == 1  # what the person typed is not kept


async def test_a_request_without_the_secret_is_refused_and_nothing_is_stored(
        emu: Emulator, start_workers: StartWorkers, pg_url: str) -> None:
    (worker,) = await start_workers(1)
    intruder = emu.user(321, "Mallory", language_code="en")
    await intruder.send("/start")
    update = _pending_update(emu)
    assert await _post(worker, update, headers={}) == 401
    assert await _post(worker, update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}) == 401
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{worker.url}{WEBHOOK_PATH}", data=b"{not json", headers=HEADER) as answer:
            assert answer.status == 400
        async with http.post(f"{worker.url}{WEBHOOK_PATH}", json={"no": "update_id"}, headers=HEADER) as answer:
            assert answer.status == 400
        async with http.get(f"{worker.url}/readyz") as answer:
            assert answer.status == 200 and await answer.json() == {"ready": True, "database": "ok", "redis": "ok"}
        async with http.get(f"{worker.url}/metrics") as answer:
            page = await answer.text()
    await intruder.expect_no_message(quiet=0.3)
    assert await _stored(pg_url, update["update_id"]) is None
    assert 'bot_updates_total{outcome="refused"} 2.0' in page
    assert 'bot_updates_total{outcome="malformed"} 2.0' in page
    assert "bot_outbox_depth" in page or "bot_unreachable_users" in page


async def test_worker_killed_mid_update_loses_nothing(emu: Emulator, start_workers: StartWorkers,
                                                      pg_url: str) -> None:
    doomed, survivor = await start_workers(2, UPDATE_LEASE_SECONDS="1", RECOVERY_INTERVAL_SECONDS="0.2")
    lina = emu.user(331, "Lina", language_code="en")
    await lina.send("/start")
    update = _pending_update(emu)
    emu.set_latency(30)  # the worker's reply hangs in sendMessage: it is mid-update when it dies
    post = asyncio.create_task(_post(doomed, update))
    for _ in range(100):
        stored = await _stored(pg_url, update["update_id"])
        if stored is not None and emu.state.inflight > 0:
            break
        await asyncio.sleep(0.05)
    assert stored is not None and stored.status == UpdateStatus.HANDLING
    doomed.kill()
    # the connection died with the worker, so Telegram would redeliver; recovery does not wait for that
    with contextlib.suppress(aiohttp.ClientError):
        await post
    emu.set_latency(0)
    # The survivor took over once the lease ran out. The dead worker had already saved the conversation
    # step in Redis, so the replay resumes it and asks the same question: nothing lost, nothing skipped.
    resumed, welcome = await lina.expect_messages(2, timeout=10)
    assert "pick up" in resumed.text.lower()
    assert welcome.button_labels[0] == "🇬🇧 English"
    for _ in range(50):
        stored = await _stored(pg_url, update["update_id"])
        if stored is not None and stored.status == UpdateStatus.HANDLED:
            break
        await asyncio.sleep(0.1)
    assert stored is not None and stored.status == UpdateStatus.HANDLED and stored.attempts == 2
    # the redelivery Telegram would now send changes nothing
    assert await _post(survivor, update) == 200
    await lina.expect_no_message(quiet=0.3)
