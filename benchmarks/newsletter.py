"""Newsletter sending: render and enqueue one issue for 15,000 subscribers, against the naive way.

Ours (services.newsletter.send_issue) renders each language once and inserts rows in batches with
ON CONFLICT DO NOTHING. The baseline renders the Markdown for every reader and adds one ORM object per
row, as a loop over subscribers would. Both run on identical SQLite copies; a second trigger of ours must
add no row. Prints one JSON line.

    python -m benchmarks.newsletter [--subscribers 15000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import col

from bot.db import create_engine, create_sessionmaker, upgrade_database
from models.base import utcnow
from models.newsletter import NewsletterIssue, NewsletterSubscription
from models.outbox import Campaign, OutboxMessage
from models.user import User
from services import newsletter

MONTH = "2099-01"
BODY = "\n\n".join(f"## Partie {n}\n\nLa **Ville** agit : *chaque geste compte*, voir "
                   f"[le plan](https://www.paris.fr/climat). " * 3 + "\n\n- isoler\n- ventiler" for n in range(8))


async def _prepare(url: str, subscribers: int) -> None:
    engine = create_engine(url)
    await upgrade_database(engine)
    now = utcnow()
    async with create_sessionmaker(engine).begin() as session:
        await session.execute(insert(User), [
            {"id": n + 1, "telegram_id": 10_000_000 + n, "locale": "en" if n % 3 == 0 else "fr", "languages": [],
             "skills": [], "climate_volunteer": True, "solidarity_volunteer": False, "is_coordinator": False,
             "created_at": now, "updated_at": now} for n in range(subscribers)])
        await session.execute(insert(NewsletterSubscription), [
            {"user_id": n + 1, "locale": "en" if n % 3 == 0 else "fr", "active": True, "created_at": now,
             "updated_at": now} for n in range(subscribers)])
        issue = NewsletterIssue(month=MONTH, title_fr="Grand dossier", body_fr=BODY, title_en="Big file",
                                body_en=BODY.replace("Partie", "Part"))
        session.add(issue)
    await engine.dispose()


async def _ours(url: str) -> tuple[float, int, int]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    start = time.perf_counter()
    async with sessions.begin() as session:
        issue = await newsletter.require_issue(session, MONTH)
        _campaign, enqueued = await newsletter.send_issue(session, issue, now=utcnow())
    seconds = time.perf_counter() - start
    async with sessions.begin() as session:  # a double trigger
        issue = await newsletter.require_issue(session, MONTH)
        _campaign, again = await newsletter.send_issue(session, issue, now=utcnow())
    await engine.dispose()
    return seconds, enqueued, again


async def _baseline(url: str) -> tuple[float, int]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    start = time.perf_counter()
    async with sessions.begin() as session:
        issue = await newsletter.require_issue(session, MONTH)
        campaign = Campaign(kind="newsletter", title=MONTH, source_key=f"newsletter:{MONTH}")
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        rows = (await session.execute(
            select(col(User.id), col(User.telegram_id), col(NewsletterSubscription.locale))
            .join(User, col(User.id) == col(NewsletterSubscription.user_id))
            .where(col(NewsletterSubscription.active)))).all()
        for user_id, chat_id, locale in rows:
            texts = newsletter.render(issue, locale)  # rendered again for every reader
            parts: list[dict[str, Any]] = [{"text": text, "reply_markup": None} for text in texts]
            parts[-1]["reply_markup"] = newsletter.unsubscribe_markup(locale)
            session.add(OutboxMessage(campaign_id=campaign.id, user_id=user_id, chat_id=chat_id, parts=parts))
    seconds = time.perf_counter() - start
    async with sessions() as session:
        count = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    await engine.dispose()
    return seconds, count


async def main(subscribers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "template.db"
        await _prepare(f"sqlite+aiosqlite:///{template}", subscribers)
        ours_db, baseline_db = Path(scratch) / "ours.db", Path(scratch) / "baseline.db"
        shutil.copyfile(template, ours_db)
        shutil.copyfile(template, baseline_db)
        base_seconds, base_rows = await _baseline(f"sqlite+aiosqlite:///{baseline_db}")
        seconds, enqueued, again = await _ours(f"sqlite+aiosqlite:///{ours_db}")
    return {
        "benchmark": "newsletter_enqueue", "engine": "sqlite", "subscribers": subscribers,
        "seconds": round(seconds, 3), "rows_per_s": round(enqueued / seconds), "enqueued": enqueued,
        "second_trigger_added": again,
        "baseline": "render per reader + one ORM add per row", "baseline_seconds": round(base_seconds, 3),
        "baseline_rows_per_s": round(base_rows / base_seconds), "speedup": round(base_seconds / seconds, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=15_000)
    print(json.dumps(asyncio.run(main(parser.parse_args().subscribers))))
