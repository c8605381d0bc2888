"""One update at a time per user and chat, in one process, with nothing kept for people who are not writing.

aiogram's SimpleEventIsolation keeps one asyncio.Lock per key for the life of the process (its source
says a cleaner is needed): with 15,000 volunteers answering an alert, 15,000 locks stay forever. Here a
lock lives only while an update of that key is being handled or waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Hashable
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class TransientEventIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}  # key → (lock, updates holding or waiting)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, holders = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            _, holders = self._locks[key]
            if holders == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, holders - 1)

    @property
    def held(self) -> int:
        """Keys with an update in hand or waiting (0 when the bot is idle, whatever it has seen)."""
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()
