"""`volunteer-bot notices import PATH_OR_URL`: load procurement notices (DECP 1.x/2.0, OCDS) and match them."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from bot.config import get_settings

app = typer.Typer(help="Procurement notices (DECP, OCDS).", no_args_is_help=True)


FETCH_TIMEOUT = 60.0


async def fetch(source: str) -> bytes:
    """The bytes of a local file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import aiohttp

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT)) as client, \
                client.get(source) as response:
            response.raise_for_status()
            return await response.read()
    return await asyncio.to_thread(Path(source).read_bytes)


@app.command("import")
def import_command(
    source: str = typer.Argument(..., help="A JSON file or an http(s) URL (DECP 1.x, DECP 2.0, OCDS package)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a summary."),
    no_match: bool = typer.Option(False, "--no-match", help="Store only: send nothing (e.g. a backfill of history)."),
) -> None:
    """Import notices (idempotent: the same file twice changes nothing), then send what matches."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.db import create_engine, create_sessionmaker, upgrade_database
    from models.base import utcnow
    from services.procurement.formats import FormatError
    from services.procurement.importing import ImportSummary, import_document

    console = Console(stderr=True)

    async def _run() -> ImportSummary:
        raw = await fetch(source)
        engine = create_engine(get_settings().database_url)
        try:
            await upgrade_database(engine)
            sessions = create_sessionmaker(engine)
            if as_json or not console.is_terminal:
                return await import_document(sessions, raw, utcnow(), notify=not no_match)
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          console=console) as bar:
                task = bar.add_task("Import", total=None)
                return await import_document(
                    sessions, raw, utcnow(), notify=not no_match,
                    progress=lambda done, total: bar.update(task, completed=done, total=total))
        finally:
            await engine.dispose()

    try:
        summary = asyncio.run(_run())
    except FormatError as error:
        _fail(as_json, source, error.render("en"))
    except (OSError, ValueError) as error:  # missing file, unreachable URL, HTTP error status
        _fail(as_json, source, f"cannot read {source}: {error}")
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


def _fail(as_json: bool, source: str, reason: str) -> None:
    if as_json:
        typer.echo(json.dumps({"source": source, "error": reason}, ensure_ascii=False))
    else:
        print(f"Import failed: {reason}", file=sys.stderr)
    raise typer.Exit(1)
