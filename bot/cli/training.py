"""`volunteer-bot trainings`: announce, list, import, cancel and export training sessions from a terminal."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import in_transaction

app = typer.Typer(help="Training sessions: create, list, import, cancel, export.", no_args_is_help=True)


@app.command()
def create(
    network: list[str] = typer.Option(..., "--network", "-n", help="climate and/or solidarity (repeat for both)."),
    theme: str = typer.Option(..., help="e.g. Canicule, Aller vers."),
    title_fr: str = typer.Option(..., "--title-fr"),
    title_en: str = typer.Option(..., "--title-en"),
    start: str = typer.Option(..., help='Paris time, e.g. "12/12/2026 18:30".'),
    duration: str = typer.Option("2h", help="e.g. 90, 1h30, 2h."),
    place: str = typer.Option(None, help="Address (or use --online-url)."),
    online_url: str = typer.Option(None, "--online-url", help="Video call link for an online session."),
    capacity: int = typer.Option(..., help="Number of seats."),
    description_fr: str = typer.Option("", "--description-fr"),
    description_en: str = typer.Option("", "--description-en"),
) -> None:
    """Announce a session; it is offered at once to the volunteers of its networks."""
    from models.base import utcnow
    from services import training as trainings
    from services import training_input

    async def work(session: AsyncSession) -> int:
        now = utcnow()
        created = await trainings.create_training(
            session, networks=network, theme=theme, title_fr=title_fr, title_en=title_en,
            description_fr=description_fr, description_en=description_en,
            starts_at=training_input.parse_start(start, now), duration_minutes=training_input.parse_duration(duration),
            place=place, online_url=online_url, capacity=capacity, now=now)
        assert created.id is not None
        return created.id

    typer.echo(f"Training {in_transaction(work)} created.")


@app.command("list")
def list_trainings() -> None:
    """Sessions from the last 30 days on: seats taken, wait list, status."""
    from models.base import utcnow
    from models.training import BookingStatus
    from services import training as trainings
    from services.timing import to_paris

    async def work(session: AsyncSession) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for found in (await trainings.coordinator_trainings(session, utcnow()))[0]:
            assert found.id is not None
            waiting = sum(p.status == BookingStatus.WAITLISTED for p in await trainings.participants(session, found.id))
            rows.append((str(found.id), to_paris(found.starts_at).strftime("%d/%m/%Y %H:%M"), found.title_fr,
                         "+".join(found.networks), f"{found.booked_count}/{found.capacity}", str(waiting),
                         found.status))
        return rows

    table = Table("id", "start (Paris)", "title", "networks", "booked", "waiting", "status")
    for row in in_transaction(work):
        table.add_row(*row)
    Console(width=160).print(table)


@app.command("import")
def import_file(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                            help="CSV with columns networks, theme, title_fr, title_en, "
                                                 "description_fr, description_en, start, duration, location, "
                                                 "capacity.")) -> None:
    """Announce every valid row of a CSV file; bad rows are skipped and listed with their reason."""
    from models.base import utcnow
    from services.training_import import ImportReport, import_trainings

    data = path.read_bytes()

    async def work(session: AsyncSession) -> ImportReport:
        return await import_trainings(session, data, utcnow(), locale="en")

    report = in_transaction(work)
    for line, reason in report.skipped:
        typer.echo(f"line {line} skipped: {reason}", err=True)
    typer.echo(f"{len(report.created)} training(s) created, {len(report.skipped)} row(s) skipped.")


@app.command()
def cancel(training_id: int = typer.Argument(..., help="The training's id (see `list`).")) -> None:
    """Cancel a session; everyone booked or waiting is told in their language (through the outbox)."""
    from models.base import utcnow
    from services import training as trainings

    async def work(session: AsyncSession) -> int:
        return await trainings.cancel_training(session, training_id, utcnow())

    typer.echo(f"Training {training_id} cancelled; {in_transaction(work)} people will be told.")


@app.command()
def export(
    training_id: int = typer.Argument(..., help="The training's id (see `list`)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of the terminal."),
) -> None:
    """The participants (booked, then the wait list in order) as CSV."""
    from services import training as trainings

    async def work(session: AsyncSession) -> str:
        return await trainings.export_csv(session, training_id)

    data = in_transaction(work)
    if output is None:
        typer.echo(data.removeprefix("\ufeff"), nl=False)
    else:
        output.write_text(data, encoding="utf-8")
        typer.echo(f"Written to {output}.")
