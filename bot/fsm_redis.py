"""FSM state in Redis for several workers, with the per-user lock that keeps one user's updates in order."""

from __future__ import annotations

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis


class ErasableRedisStorage(RedisStorage):
    """aiogram's RedisStorage plus `forget_user`, so /delete erases a half-finished conversation here too."""

    async def forget_user(self, user_id: int) -> None:
        prefix = getattr(self.key_builder, "prefix", "fsm")
        # DefaultKeyBuilder keys are prefix:chat:user:destiny:part; a private chat's id is the user's id
        async for key in self.redis.scan_iter(match=f"{prefix}:*:{user_id}:*", count=500):
            await self.redis.delete(key)


def create_redis_storage(url: str, prefix: str) -> ErasableRedisStorage:
    return ErasableRedisStorage(Redis.from_url(url), key_builder=DefaultKeyBuilder(prefix=prefix, with_destiny=True))


def create_user_isolation(storage: RedisStorage, lease_seconds: float) -> RedisEventIsolation:
    """The per-user lock, held while one update of that user is handled, on the storage's pool and keys.

    It expires with the update's lease: a worker killed mid-update locks its user out no longer than the
    update store waits before another worker takes the update over.
    """
    lock = {"timeout": lease_seconds, "blocking_timeout": lease_seconds}
    return RedisEventIsolation(storage.redis, key_builder=storage.key_builder, lock_kwargs=lock)
