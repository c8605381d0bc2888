"""Conversation state in Redis: shared by workers, erased with the person, one update per user at a time."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey

from bot.fsm_redis import create_redis_storage, create_user_isolation
from tests.scale.conftest import REDIS_URL


def _key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user_id, user_id=user_id)


async def test_state_is_shared_and_forget_user_erases_only_that_person(redis_prefix: str) -> None:
    worker_a = create_redis_storage(REDIS_URL, redis_prefix)
    worker_b = create_redis_storage(REDIS_URL, redis_prefix)
    try:
        await worker_a.set_state(_key(41), "Signup:name")
        await worker_a.set_data(_key(41), {"full_name": "Camille"})
        await worker_a.set_state(_key(42), "Signup:place")
        assert await worker_b.get_state(_key(41)) == "Signup:name"
        assert await worker_b.get_data(_key(41)) == {"full_name": "Camille"}
        await worker_b.forget_user(41)
        assert await worker_a.get_state(_key(41)) is None and await worker_a.get_data(_key(41)) == {}
        assert await worker_a.get_state(_key(42)) == "Signup:place"
    finally:
        await worker_a.close()
        await worker_b.close()


async def test_one_users_updates_never_run_at_once_across_workers(redis_prefix: str) -> None:
    storages = [create_redis_storage(REDIS_URL, redis_prefix) for _ in range(2)]
    isolations = [create_user_isolation(storage, lease_seconds=5) for storage in storages]
    running: list[str] = []
    overlaps = 0

    async def handle(isolation_index: int, name: str) -> None:
        nonlocal overlaps
        async with isolations[isolation_index].lock(_key(51)):
            running.append(name)
            overlaps = max(overlaps, len(running))
            await asyncio.sleep(0.05)
            running.remove(name)

    try:
        await asyncio.gather(*(handle(n % 2, f"update-{n}") for n in range(6)))
        assert overlaps == 1
    finally:
        for storage in storages:
            await storage.close()
