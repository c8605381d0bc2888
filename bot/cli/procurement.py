"""`volunteer-bot procurement import PATH_OR_URL | feeds`: load notices (DECP, OCDS, eForms, BOAMP) and match them.

This process never loads aiogram (see bot/patches.py): an import of any size runs in bounded memory.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from bot.config import get_settings

app = typer.Typer(help="Procurement notices (DECP, OCDS, eForms, BOAMP).", no_args_is_help=True)


@app.command("import")
def import_command(
    source: str = typer.Argument(..., help="A file or an http(s) URL: DECP 1.x/2.0, OCDS, eForms XML, BOAMP JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a summary."),
    no_match: bool = typer.Option(False, "--no-match", help="Store only: send nothing (e.g. a backfill of history)."),
) -> None:
    """Import notices as the file streams (idempotent: the same file twice changes nothing), then send matches."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from bot.db import create_engine, create_sessionmaker, upgrade_database
    from models.base import utcnow
    from services.errors import DomainError
    from services.procurement.feeds import import_source
    from services.procurement.importing import ImportSummary

    console = Console(stderr=True)
    total = Path(source).stat().st_size if Path(source).is_file() else None

    async def _run() -> ImportSummary:
        engine = create_engine(get_settings().database_url)
        try:
            await upgrade_database(engine)
            sessions = create_sessionmaker(engine)
            if as_json or not console.is_terminal:
                return await import_source(sessions, source, utcnow(), notify=not no_match)
            with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=console) as bar:
                task = bar.add_task("Import", total=total)
                return await import_source(sessions, source, utcnow(), notify=not no_match,
                                           progress=lambda done: bar.update(task, completed=done))
        finally:
            await engine.dispose()

    try:
        summary = asyncio.run(_run())
    except DomainError as error:  # unreadable, too large, unreachable, an HTTP error: one line, no traceback
        _fail(as_json, source, error.render("en"))
    if as_json:
        typer.echo(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    typer.echo(f"{summary.source_format}: {summary.records} records, {summary.imported} imported, "
               f"{summary.updated} updated, {summary.skipped} skipped, {len(summary.errors)} errors, "
               f"{summary.matched} new matches")
    for skipped in summary.errors[:20]:
        typer.echo(f"  record {skipped['record']}: {skipped['reason']}")
    if len(summary.errors) > 20:
        typer.echo(f"  … and {len(summary.errors) - 20} more (use --json for all)")


@app.command("feeds")
def feeds_command() -> None:
    """Read every NOTICE_FEEDS URL now, each on its own; exit 1 if any failed (the others are imported)."""
    from bot.db import create_engine, create_sessionmaker, upgrade_database
    from models.base import utcnow
    from services.procurement.feeds import FeedResult, import_feeds

    async def _run() -> list[FeedResult]:
        engine = create_engine(get_settings().database_url)
        try:
            await upgrade_database(engine)
            return await import_feeds(create_sessionmaker(engine), get_settings().notice_feeds, utcnow())
        finally:
            await engine.dispose()

    results = asyncio.run(_run())
    for result in results:
        if result.summary is not None:
            typer.echo(f"{result.source}: {result.summary.imported} imported, {result.summary.updated} updated, "
                       f"{result.summary.matched} new matches")
        else:
            typer.echo(f"{result.source}: failed: {result.error}")
    if any(result.error for result in results):
        raise typer.Exit(1)


def _fail(as_json: bool, source: str, reason: str) -> None:
    if as_json:
        typer.echo(json.dumps({"source": source, "error": reason}, ensure_ascii=False))
    else:
        print(f"Import failed: {reason}", file=sys.stderr)
    raise typer.Exit(1)
