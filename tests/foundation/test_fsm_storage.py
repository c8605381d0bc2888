"""The conversation store on the bot's database: what a handler reads back is what a restart would read."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

from bot.db import create_engine, create_sessionmaker
from bot.fsm_storage import DatabaseStorage

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def test_a_conversation_reads_back_the_same_from_the_cache_and_after_a_restart(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    try:
        sessions = create_sessionmaker(engine)
        storage = DatabaseStorage(sessions)
        await storage.set_state(KEY, "form:signup")
        # what JSON cannot keep (a tuple, a number as a key) must not depend on whether the process restarted
        await storage.set_data(KEY, {"step": "name", "draft": {"languages": ("fr", "ar"), "ranks": {3: "first"}},
                                     "name": "Zoé Ørsted"})
        cached = (await storage.get_state(KEY), await storage.get_data(KEY))
        restarted = DatabaseStorage(sessions)
        assert cached == (await restarted.get_state(KEY), await restarted.get_data(KEY))
        assert cached == ("form:signup", {"step": "name", "name": "Zoé Ørsted",
                                          "draft": {"languages": ["fr", "ar"], "ranks": {"3": "first"}}})
        data = await storage.get_data(KEY)
        data["name"] = "changed by the caller"  # a handler's copy, not the stored conversation
        assert (await storage.get_data(KEY))["name"] == "Zoé Ørsted"
        await storage.forget_user(42)
        assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})
    finally:
        await engine.dispose()


async def test_reading_a_conversation_does_not_wait_for_another_writer(sqlite_url: str) -> None:
    """aiogram reads each update's state before the update has a session: that read takes no write lock, so
    a CLI import holding SQLite's write lock does not hold up every tap (it did, for up to 30 s)."""
    import sqlite3

    from sqlalchemy import make_url

    engine = create_engine(sqlite_url)
    writer = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None, timeout=0.1)
    try:
        storage = DatabaseStorage(create_sessionmaker(engine))
        await storage.set_state(KEY, "form:signup")
        writer.execute("BEGIN IMMEDIATE")  # another process writing (an import, a migration)
        assert await DatabaseStorage(create_sessionmaker(engine)).get_state(KEY) == "form:signup"
        writer.execute("ROLLBACK")
    finally:
        writer.close()
        await engine.dispose()
