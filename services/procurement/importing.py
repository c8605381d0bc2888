"""Import a procurement file as it streams: small batches, each its own short transaction, then matched.

This is the one service that owns transactions (it is given the sessionmaker): a batch is written whole or
not at all, a batch is small (each write transaction well under 100 ms), and between batches the importer
lets the bot have the database, so people keep being answered during an import of any size.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.procurement import Notice
from services.procurement import subscriptions as tenders
from services.procurement.eforms import parse_eforms
from services.procurement.formats import (
    OCDS_RELEASES,
    ParsedNotice,
    SkippedRecord,
    envelope_records,
    merge_releases,
    notice_from_compiled,
    ocds_release,
    parse_record,
)
from services.procurement.streaming import JsonRecords

EFORMS = "eforms"

BATCH_SIZE = 100
# Keys written in this run, to count a record repeated later in the same file as a duplicate (skipped) and
# not as an update; past this many (a national file), a later copy counts as an update: same data either way.
RUN_MEMORY = 100_000  # hashes of keys, ~7 MB
# SQLite has one writer (and, in the bot's process, one connection): after each batch the import steps aside
# for this share of the batch's own time, so that the bot (another process waiting on the lock, or updates
# queued for the connection, each needing it several times) gets in between. PostgreSQL needs no pause.
SQLITE_YIELD = 0.5
_FIELDS = ("kind", "title", "buyer", "cpv_codes", "country", "department", "region", "amount", "currency",
           "procedure", "deadline", "awarded_at", "winner", "term_end", "url", "published_at", "compiled",
           "details", "status", "backfill")


@dataclass
class ImportSummary:
    source_format: str = ""
    records: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    matched: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)  # ids of notices a change notice modified or cancelled

    def as_json(self) -> dict[str, Any]:
        """The summary the CLI prints with --json (the issue's shape)."""
        return {"source_format": self.source_format, "records": self.records, "imported": self.imported,
                "updated": self.updated, "skipped": self.skipped, "errors": self.errors}


@dataclass
class _Run:
    now: datetime
    summary: ImportSummary
    written_keys: set[int] = field(default_factory=set)  # hash((source, source_id)) of rows written in this run
    # notices whose deadline or status a change notice changed: (id, deadline before, status before)
    changed: list[tuple[int, datetime | None, str]] = field(default_factory=list)


def _values(notice: ParsedNotice, content_hash: str, now: datetime) -> dict[str, Any]:
    values = {key: getattr(notice, key) for key in _FIELDS}
    values.update(title=notice.title[:1000], content_hash=content_hash, updated_at=now,
                  search_text=tenders.search_text(notice.title, notice.buyer, notice.cpv_codes, notice.details))
    return values


def _keys_are(keys: list[tuple[str, str]]) -> Any:
    """`source = … AND source_id IN (…)` per source: SQLite scans the whole index for a row-value IN
    (`(source, source_id) IN (VALUES …)`), which made each batch slower as the table grew."""
    by_source: dict[str, list[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, []).append(source_id)
    return or_(*(and_(col(Notice.source) == source, col(Notice.source_id).in_(ids))
                 for source, ids in by_source.items()))


async def import_batch(session: AsyncSession, notices: list[ParsedNotice], run: _Run) -> list[int]:
    """Insert new notices, update changed ones, leave identical ones; returns the ids written.

    Plain INSERT/UPDATE statements over dicts: building ORM objects cost more than the database did.
    """
    summary = run.summary
    latest: dict[tuple[str, str], ParsedNotice] = {}
    for notice in notices:  # several copies of one notice in a batch: the last one counts
        key = (notice.source, notice.source_id)
        if key in latest:
            summary.skipped += 1
        latest[key] = notice
    if not latest:
        return []
    patches = {key: latest.pop(key) for key in [k for k, n in latest.items() if (n.details or {}).get("patch_of")]}
    wanted = list(latest) + [(n.source, (n.details or {})["patch_of"]) for n in patches.values()]
    existing = {(row.source, row.source_id): row for row in (await session.execute(
        select(col(Notice.id), col(Notice.source), col(Notice.source_id), col(Notice.content_hash),
               col(Notice.deadline), col(Notice.status), col(Notice.details))
        .where(_keys_are(wanted))))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, patch in patches.items():  # a correction or a cancellation of a notice published before
        target = existing.get((patch.source, (patch.details or {})["patch_of"]))
        if target is None:
            summary.skipped += 1
            summary.errors.append({"record": key[1], "reason": "correction of a notice not imported"})
            continue
        changes: dict[str, Any] = {"status": patch.status} if patch.status == "cancelled" else {}
        if patch.deadline is not None:
            changes["deadline"] = patch.deadline
        if changes and any(getattr(target, k) != v for k, v in changes.items()):
            updates.append({"id": target.id, "updated_at": run.now, **changes})
            run.changed.append((target.id, target.deadline, target.status))
            summary.updated += 1
        else:
            summary.skipped += 1
    for key, notice in latest.items():
        row = existing.get(key)
        found = (row.id, row.content_hash) if row is not None else None
        notice.backfill = tenders.is_backfill(notice, run.now)
        content_hash = notice.content_hash()
        if found is None:
            inserts.append({"source": notice.source, "source_id": notice.source_id, "imported_at": run.now,
                            **_values(notice, content_hash, run.now)})
            summary.imported += 1
        elif found[1] != content_hash:
            updates.append({"id": found[0], **_values(notice, content_hash, run.now)})
            assert row is not None
            if row.deadline != notice.deadline or row.status != notice.status:
                run.changed.append((found[0], row.deadline, row.status))
            if hash(key) in run.written_keys:
                summary.skipped += 1  # an earlier copy in this same file: the later one wins
            else:
                summary.updated += 1
        else:
            summary.skipped += 1
            continue
        if len(run.written_keys) < RUN_MEMORY:
            run.written_keys.add(hash(key))
    ids = [values["id"] for values in updates]
    if inserts:
        ids += list((await session.execute(
            insert(Notice).returning(col(Notice.id)), inserts)).scalars())
    for values in updates:  # rows differ in their columns (a patch sets two): one statement each
        await session.execute(update(Notice).where(col(Notice.id) == values["id"]).values(
            **{k: v for k, v in values.items() if k != "id"}))
    return ids


async def _releases_as_notices(session: AsyncSession, releases: list[tuple[str, str, dict[str, Any]]],
                               summary: ImportSummary) -> list[ParsedNotice]:
    """OCDS releases of a batch, merged per process over the process as stored (an amendment needs it)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, str] = {}
    for ocid, label, release in releases:
        if ocid in groups:
            summary.skipped += 1  # folded into the release before it
        groups.setdefault(ocid, []).append(release)
        labels[ocid] = label
    stored = {row.source_id: row.compiled for row in (await session.execute(select(Notice).where(
        col(Notice.source) == "ocds", col(Notice.source_id).in_(list(groups))))).scalars()}
    notices = []
    for ocid, group in groups.items():
        try:
            notices.append(notice_from_compiled(merge_releases(stored.get(ocid), group), None))
        except ValueError as error:
            summary.skipped += 1
            summary.errors.append({"record": labels[ocid], "reason": str(error)})
    return notices


def _batches(cursor: JsonRecords, summary: ImportSummary) -> Iterator[tuple[list[ParsedNotice],
                                                                             list[tuple[str, str, Any]]]]:
    """(notices, OCDS releases) of BATCH_SIZE records at a time, read from the stream as they come."""
    notices: list[ParsedNotice] = []
    releases: list[tuple[str, str, Any]] = []
    skipped: list[SkippedRecord] = []
    formats: list[str] = []
    for source_format, item in envelope_records(cursor, formats):
        index = summary.records
        summary.records += 1
        if source_format == OCDS_RELEASES:
            found = ocds_release(index, item, skipped)
            if found is not None:
                releases.append((found[0], found[1], item))
        else:
            _label, notice = parse_record(source_format, index, item, skipped)
            if notice is not None:
                notices.append(notice)
        if len(notices) + len(releases) + len(skipped) >= BATCH_SIZE:
            summary.source_format = formats[-1]
            _count_skipped(summary, skipped)
            yield notices, releases
            notices, releases, skipped = [], [], []
    summary.source_format = formats[-1] if formats else summary.source_format
    _count_skipped(summary, skipped)
    if notices or releases:
        yield notices, releases


def _read(stream: IO[bytes], summary: ImportSummary, progress: Callable[[int], None] | None
          ) -> Iterator[tuple[list[ParsedNotice], list[tuple[str, str, Any]]]]:
    """Batches from a JSON document (DECP, OCDS, BOAMP) or an eForms XML notice, told apart by their first byte."""
    start = stream.tell()
    head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    stream.seek(start)
    if head.startswith(b"<"):
        summary.source_format, summary.records = EFORMS, 1
        yield [parse_eforms(stream)], []
        return
    yield from _batches(JsonRecords(stream, progress=progress), summary)


def _count_skipped(summary: ImportSummary, skipped: list[SkippedRecord]) -> None:
    summary.skipped += len(skipped)
    summary.errors += [{"record": s.record, "reason": s.reason} for s in skipped]
    skipped.clear()


async def import_stream(
    sessions: async_sessionmaker[AsyncSession],
    stream: IO[bytes],
    now: datetime,
    *,
    notify: bool = True,
    progress: Callable[[int], None] | None = None,
    step_aside: float | None = None,
) -> ImportSummary:
    """Read, upsert and match a file batch by batch; FormatError (after the batches before it) if it breaks.

    `progress` gets the number of bytes read so far. notify=False stores without telling anyone.
    `step_aside`: after each batch, sleep this share of its duration (default: SQLITE_YIELD on SQLite).
    """
    if step_aside is None:
        bind = sessions.kw.get("bind")
        step_aside = SQLITE_YIELD if bind is not None and bind.dialect.name == "sqlite" else 0.0
    summary = ImportSummary()
    run = _Run(now, summary)
    index = None
    pending: list[tenders.Match] = []
    if notify:
        async with sessions() as session:
            index = await tenders.load_index(session)
    for notices, releases in _read(stream, summary, progress):
        started = time.perf_counter()
        async with sessions.begin() as session:
            if releases:
                notices = notices + await _releases_as_notices(session, releases, summary)
            written = await import_batch(session, notices, run)
            if run.changed:
                summary.changed += [notice_id for notice_id, _, _ in run.changed]
                await tenders.tell_changes(session, run.changed, now)
                run.changed.clear()
            if index is not None and index.size and written:
                rows = (await session.execute(select(Notice).where(col(Notice.id).in_(written)))).scalars().all()
                summary.matched += await tenders.deliver_matches(session, index, rows, now, pending)
        await asyncio.sleep((time.perf_counter() - started) * step_aside)  # at least, let others in
    if pending:  # one message (or one paginated burst) per person for the whole file
        async with sessions.begin() as session:
            await tenders.send_instant(session, pending, now)
    return summary


async def import_document(sessions: async_sessionmaker[AsyncSession], raw: bytes | str, now: datetime, *,
                          notify: bool = True, progress: Callable[[int], None] | None = None) -> ImportSummary:
    """A document held in memory (tests, small payloads): the same streaming import."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return await import_stream(sessions, io.BytesIO(data), now, notify=notify, progress=progress)
