"""aiogram FSM storage on the bot's own database, so a conversation survives a restart with no extra service."""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import JSON, bindparam, delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.db import read_only
from bot.middlewares.session import current_session
from models.base import utcnow
from models.fsm import FsmRecord

# The conversations of the people writing now, not of everyone seen: ~0.4 KB each, so at most ~4 MB. A key
# that fell out costs one primary-key read when its person writes again.
_CACHED_KEYS = 10_000
_STAGED = "fsm_staged"  # session.info key: writes waiting for their transaction to commit

Snapshot = tuple[str | None, dict[str, Any]]
# What the cache keeps per key: the state name (interned: a handful of names shared by every key) and the
# data as compact JSON, or None when empty. Measured: a form's draft as dicts cost ~0.8 KB per person in
# the middle of a conversation, as text ~0.3 KB; decoding it back on a read takes microseconds.
_Cached = tuple[str | None, str | None]


class DatabaseStorage(BaseStorage):
    """One row per (bot, chat, user) key holding the state name and its data as JSON.

    Inside an update the storage works in that update's session, so a state change commits together
    with what the handler changed (and, on SQLite, never waits for a lock its own update holds).
    Reads are served from a write-through cache that learns a write only once its transaction commits;
    that is sound because in this mode one process owns the conversations (several workers use Redis).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None):
        self._sessions = sessions
        self._reader = read_only(sessions.kw["bind"])
        self._keys = key_builder or DefaultKeyBuilder()
        self._cache: OrderedDict[str, _Cached] = OrderedDict()

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

    async def _read(self, key: str) -> Snapshot:
        session = current_session()
        if session is not None and key in session.info.get(_STAGED, {}):
            return session.info[_STAGED][key][1]  # type: ignore[no-any-return]
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            state, data = cached
            return state, (json.loads(data) if data is not None else {})
        if session is not None:
            row = (await session.execute(_READ, {"key": key})).first()
        else:  # before the update's session exists (aiogram reads the state first): a lone SELECT
            async with self._reader.connect() as connection:
                row = (await connection.execute(_READ, {"key": key})).first()
        snapshot: Snapshot = (row[0], dict(row[1])) if row else (None, {})
        self._remember(key, snapshot)
        return snapshot

    async def _write(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        async with self._session() as session:
            # one prepared upsert: this runs on nearly every update
            statement = _upsert(session.get_bind().dialect.name)
            await session.execute(statement, {"key": key, "state": state, "data": data, "updated_at": utcnow()})
            session.info.setdefault(_STAGED, {})[key] = (self, (state, dict(data)))

    def _remember(self, key: str, snapshot: Snapshot) -> None:
        state, data = snapshot
        self._cache[key] = (sys.intern(state) if state is not None else None,
                            json.dumps(data, ensure_ascii=False, separators=(",", ":")) if data else None)
        self._cache.move_to_end(key)
        while len(self._cache) > _CACHED_KEYS:
            self._cache.popitem(last=False)

    def _forget(self, key: str) -> None:
        self._cache.pop(key, None)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = self._key(key)
        _, data = await self._read(name)
        await self._write(name, state.state if isinstance(state, State) else state, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(self._key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        name = self._key(key)
        state, _ = await self._read(name)
        await self._write(name, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._read(self._key(key)))[1])

    async def forget_user(self, user_id: int) -> None:
        """Drop every conversation of a user (used when they erase their data)."""
        async with self._session() as session:
            await session.execute(delete(FsmRecord).where(col(FsmRecord.key).like(f"%:{user_id}:%")))
        for key in [key for key in self._cache if f":{user_id}:" in f"{key}:"]:
            self._forget(key)

    async def close(self) -> None:
        self._cache.clear()


_TABLE = FsmRecord.__table__  # type: ignore[attr-defined]
_READ = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("key"))


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE, built once per dialect (building it cost ~9 % of an update).

    On the table, not the mapped class: the ORM's bulk-insert path it would otherwise take cost another
    ~4 % of a handled update (measured with py-spy on benchmarks/updates.py), for nothing it needs here.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE).values(key=bindparam("key"), state=bindparam("state"),
                                     data=bindparam("data", type_=JSON), updated_at=bindparam("updated_at"))
    changed = {name: statement.excluded[name] for name in ("state", "data", "updated_at")}
    return statement.on_conflict_do_update(index_elements=["key"], set_=changed)


@event.listens_for(Session, "after_commit")
def _apply_staged(session: Session) -> None:
    for key, (storage, snapshot) in session.info.pop(_STAGED, {}).items():
        storage._remember(key, snapshot)


@event.listens_for(Session, "after_rollback")
def _discard_staged(session: Session) -> None:
    for key, (storage, _snapshot) in session.info.pop(_STAGED, {}).items():
        storage._forget(key)
