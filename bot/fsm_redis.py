"""FSM state in Redis for several workers, with the per-user lock that keeps one user's updates in order."""

from __future__ import annotations

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

# The per-user lock is held while one update of that user is handled. It expires, so a worker killed
# mid-update does not lock its user out for long; a second update waits for it at most blocking_timeout.
USER_LOCK = {"timeout": 60, "blocking_timeout": 30}


class ErasableRedisStorage(RedisStorage):
    """aiogram's RedisStorage plus `forget_user`, so /delete erases a half-finished conversation here too."""

    async def forget_user(self, user_id: int) -> None:
        prefix = getattr(self.key_builder, "prefix", "fsm")
        # DefaultKeyBuilder keys are prefix:chat:user:destiny:part; a private chat's id is the user's id
        async for key in self.redis.scan_iter(match=f"{prefix}:*:{user_id}:*", count=500):
            await self.redis.delete(key)


def create_redis_storage(url: str, prefix: str) -> ErasableRedisStorage:
    return ErasableRedisStorage(Redis.from_url(url), key_builder=DefaultKeyBuilder(prefix=prefix, with_destiny=True))


def create_user_isolation(storage: RedisStorage) -> RedisEventIsolation:
    """The per-user lock, on the storage's connection pool and key scheme."""
    return RedisEventIsolation(storage.redis, key_builder=storage.key_builder, lock_kwargs=USER_LOCK)
