"""`volunteer-bot exports`: every list the bot holds, as the spreadsheet a coordinator gets in the bot."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import in_transaction, write_file

app = typer.Typer(help="Exports: every list the bot holds, as a ';' spreadsheet.", no_args_is_help=True)


@app.command("list")
def list_exports(language: str = typer.Option("en", "--language", "-l", help="fr or en.")) -> None:
    """The lists there are."""
    from services import exports

    for key, title in exports.describe_lists(language):
        typer.echo(f"{key}\t{title}")


@app.command()
def run(
    key: str = typer.Argument(..., help="Which list (see `exports list`)."),
    out: Path = typer.Option(..., "--out", help="The .csv file to write."),
    language: str = typer.Option("fr", "--language", "-l", help="fr or en: column names and values."),
    segment: str = typer.Option("", "--segment", help='Volunteers only: "climat 11-14 anglais".'),
) -> None:
    """Write one list (logged in the audit trail, as from the bot)."""
    from models.base import utcnow
    from services import exports, segments

    async def work(session: AsyncSession) -> exports.Export:
        chosen = segments.parse_search(segment) if segment.strip() else None
        export = await exports.run(session, None, key, locale=language, now=utcnow(), segment=chosen)
        write_file(out, export.data)  # before the commit: an unwritable file logs no export
        return export

    export = in_transaction(work)
    typer.echo(f"{export.rows} row(s) written to {out}.")
