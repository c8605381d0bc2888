"""Import a procurement file: upsert its notices idempotently, one transaction per batch, then match them.

This is the one service that owns transactions (it is given the sessionmaker): a batch is written whole
or not at all, and a large file never holds the database for its whole length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.procurement import Notice
from services import tenders
from services.notice_formats import ParsedFile, ParsedNotice, merge_releases, notice_from_compiled, parse_document

BATCH_SIZE = 500


@dataclass
class ImportSummary:
    source_format: str
    records: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    matched: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The summary the CLI prints with --json (the issue's shape)."""
        return {"source_format": self.source_format, "records": self.records, "imported": self.imported,
                "updated": self.updated, "skipped": self.skipped, "errors": self.errors}


def _latest_per_key(parsed: ParsedFile) -> tuple[list[ParsedNotice], int]:
    """One notice per (source, source_id), the last one in the file; and how many earlier copies were dropped."""
    latest: dict[tuple[str, str], ParsedNotice] = {}
    for _label, notice in parsed.notices:
        key = (notice.source, notice.source_id)
        latest.pop(key, None)  # keep file order of the last occurrence
        latest[key] = notice
    return list(latest.values()), len(parsed.notices) - len(latest)


def _apply(row: Notice, notice: ParsedNotice, content_hash: str, now: datetime) -> None:
    for key in ("kind", "title", "buyer", "cpv_codes", "country", "department", "region", "amount", "currency",
                "procedure", "deadline", "awarded_at", "winner", "term_end", "url", "published_at", "compiled"):
        setattr(row, key, getattr(notice, key))
    row.title = row.title[:1000]
    row.search_text = tenders.search_text(notice.title, notice.buyer, notice.cpv_codes)
    row.content_hash = content_hash
    row.updated_at = now


async def import_batch(session: AsyncSession, notices: list[ParsedNotice], summary: ImportSummary,
                       now: datetime) -> list[Notice]:
    """Insert new notices, update changed ones, leave identical ones; returns the rows written."""
    keys = [(n.source, n.source_id) for n in notices]
    existing = {(row.source, row.source_id): row for row in (await session.execute(
        select(Notice).where(tuple_(col(Notice.source), col(Notice.source_id)).in_(keys)))).scalars()}
    written: list[Notice] = []
    for notice in notices:
        row = existing.get((notice.source, notice.source_id))
        if row is not None and notice.source == "ocds" and row.compiled and notice.compiled:
            # an OCDS amendment published later merges over the process as we know it
            notice = notice_from_compiled(merge_releases(row.compiled, [notice.compiled]), notice.url)
        content_hash = notice.content_hash()
        if row is None:
            row = Notice(source=notice.source, source_id=notice.source_id, kind=notice.kind, title=notice.title,
                         content_hash=content_hash, imported_at=now)
            _apply(row, notice, content_hash, now)
            session.add(row)
            summary.imported += 1
        elif row.content_hash != content_hash:
            _apply(row, notice, content_hash, now)
            summary.updated += 1
        else:
            summary.skipped += 1
            continue
        written.append(row)
    await session.flush()
    return written


async def _amendments(sessions: async_sessionmaker[AsyncSession], parsed: ParsedFile,
                      summary: ImportSummary) -> list[ParsedNotice]:
    """OCDS releases that only amend a process: merged over the stored one, or reported if it is unknown."""
    if not parsed.partial:
        return []
    async with sessions() as session:
        stored = {row.source_id: row.compiled for row in (await session.execute(select(Notice).where(
            col(Notice.source) == "ocds", col(Notice.source_id).in_([p[1] for p in parsed.partial])))).scalars()}
    found = []
    for label, ocid, compiled, reason in parsed.partial:
        try:
            if not stored.get(ocid):
                raise ValueError(reason)
            found.append(notice_from_compiled(merge_releases(stored[ocid], [compiled]), None))
        except ValueError as error:
            summary.skipped += 1
            summary.errors.append({"record": label, "reason": str(error)})
    return found


async def import_document(
    sessions: async_sessionmaker[AsyncSession],
    raw: bytes | str,
    now: datetime,
    *,
    notify: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Parse, then upsert in batches; each batch also records and enqueues its matches (unless notify=False).

    A malformed file raises notice_formats.FormatError before anything is written.
    """
    parsed = parse_document(raw)
    summary = ImportSummary(parsed.source_format, records=parsed.records)
    summary.errors = [{"record": s.record, "reason": s.reason} for s in parsed.skipped]
    notices, duplicates = _latest_per_key(parsed)
    summary.skipped += len(parsed.skipped) + parsed.merged + duplicates
    notices += await _amendments(sessions, parsed, summary)
    index = None
    if notify:
        async with sessions() as session:
            index = await tenders.load_index(session)
    done = 0
    for start in range(0, len(notices), BATCH_SIZE):
        batch = notices[start:start + BATCH_SIZE]
        async with sessions.begin() as session:
            written = await import_batch(session, batch, summary, now)
            if index is not None and written:
                summary.matched += await tenders.deliver_matches(session, index, written, now)
        done += len(batch)
        if progress is not None:
            progress(done, len(notices))
    return summary
