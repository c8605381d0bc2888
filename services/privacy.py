"""A volunteer's right to see and erase their data (GDPR articles 15 and 17), for every feature at once.

Every table with a foreign key to `users.id` is part of a person's data. Export dumps all such rows.
Erasure blanks the user row (it stays, anonymous, so counts hold) and deletes the rows of tables
marked `__table_args__ = {"info": {"erase": "delete"}}`; other rows stay, pointing at an anonymous user.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from models.base import utcnow
from models.user import User
from services.training import sessions as training

_PERSONAL_USER_COLUMNS = ("telegram_id", "full_name", "postal_code", "languages", "skills",
                          "consent_at", "blocked_at")


def _user_tables() -> list[tuple[Table, str]]:
    """(table, column) pairs whose column references users.id."""
    from bot.features import import_all_tables

    import_all_tables()  # a CLI process may not have imported every feature's tables yet
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def export_user_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything the bot keeps about this person, as JSON-ready data."""
    assert user.id is not None
    profile = {column: _plain(getattr(user, column)) for column in User.model_fields}
    sections: dict[str, list[dict[str, Any]]] = {}
    for table, column in _user_tables():
        rows = (await session.execute(select(table).where(table.c[column] == user.id))).mappings()
        found = [{key: _plain(value) for key, value in row.items()} for row in rows]
        if found:
            sections.setdefault(table.name, []).extend(found)
    return {"exported_at": utcnow().isoformat(), "profile": profile, "records": sections}


async def erase_user(session: AsyncSession, user: User) -> None:
    """Delete personal data; keep an anonymous row (arrondissement, networks) for the City's counts."""
    assert user.id is not None
    for table, column in _user_tables():
        if table.info.get("erase") == "delete":
            await session.execute(delete(table).where(table.c[column] == user.id))
    for column in _PERSONAL_USER_COLUMNS:
        setattr(user, column, [] if column in ("languages", "skills") else None)
    user.is_coordinator = False
    user.erased_at = user.updated_at = utcnow()
    await session.flush()
    # a seat they held goes to the next person waiting now, not when the periodic job runs
    await training.release_erased(session, user.erased_at)
