"""aiogram FSM storage on the bot's own database, so a conversation survives a restart with no extra service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.middlewares.session import current_session
from models.base import utcnow
from models.fsm import FsmRecord


class DatabaseStorage(BaseStorage):
    """One row per (bot, chat, user) key holding the state name and its data as JSON.

    Inside an update the storage works in that update's session, so a state change commits together
    with what the handler changed (and, on SQLite, never waits for a lock its own update holds).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None):
        self._sessions = sessions
        self._keys = key_builder or DefaultKeyBuilder()

    def _key(self, key: StorageKey) -> str:
        return self._keys.build(key)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session()
        if session is not None:
            yield session
            return
        async with self._sessions.begin() as own:
            yield own

    async def _record(self, session: AsyncSession, key: StorageKey) -> FsmRecord | None:
        return await session.get(FsmRecord, self._key(key), populate_existing=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            record = await self._record(session, key)
            if record is None:
                if value is not None:
                    session.add(FsmRecord(key=self._key(key), state=value))
            else:
                record.state = value
                record.updated_at = utcnow()
            await session.flush()

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            record = await self._record(session, key)
            return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            record = await self._record(session, key)
            if record is None:
                if data:
                    session.add(FsmRecord(key=self._key(key), data=dict(data)))
            else:
                record.data = dict(data)
                record.updated_at = utcnow()
            await session.flush()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            record = await self._record(session, key)
            return dict(record.data) if record else {}

    async def forget_user(self, user_id: int) -> None:
        """Drop every conversation of a user (used when they erase their data)."""
        async with self._session() as session:
            await session.execute(delete(FsmRecord).where(col(FsmRecord.key).like(f"%:{user_id}:%")))

    async def close(self) -> None:
        return None
