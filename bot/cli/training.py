"""`volunteer-bot training`: create, list, import, move, cancel and export training sessions from a terminal.

Dates are typed as in the bot (Paris time): `12/12/2026 18:30`, `12/12 18h30` or `2026-12-12 18:30`.
Moving or cancelling tells everyone booked or waiting: the command says how many and asks first (`--yes`
for scripts).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import CLI_LOCALE, in_transaction

app = typer.Typer(help="Training sessions: create, list, import, move, cancel, export.", no_args_is_help=True)


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
    capacity: str = typer.Option(..., help="Number of seats."),
    description_fr: str = typer.Option("", "--description-fr"),
    description_en: str = typer.Option("", "--description-en"),
) -> None:
    """Create a session; it is announced at once to the volunteers of its networks (who did not opt out)."""
    from models.base import utcnow
    from services.training import inputs
    from services.training import sessions as trainings
    from services.training.announcements import announce

    async def work(session: AsyncSession) -> tuple[int, int]:
        now = utcnow()
        created = await trainings.create_training(
            session, networks=network, theme=theme, title_fr=title_fr, title_en=title_en,
            description_fr=description_fr, description_en=description_en,
            starts_at=inputs.parse_start(start, now), duration_minutes=inputs.parse_duration(duration),
            place=place, online_url=online_url, capacity=inputs.parse_capacity(capacity), now=now)
        assert created.id is not None
        return created.id, await announce(session, [created], now)

    training_id, announced = in_transaction(work)
    typer.echo(f"Training {training_id} created; announced to {announced} volunteer(s).")


@app.command("list")
def list_trainings() -> None:
    """Sessions from the last 30 days on: seats taken, wait list, status."""
    from models.base import utcnow
    from models.training import BookingStatus
    from services.parsing import show_moment
    from services.training import sessions as trainings

    async def work(session: AsyncSession) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for found in (await trainings.coordinator_trainings(session, utcnow()))[0]:
            assert found.id is not None
            waiting = sum(p.status == BookingStatus.WAITLISTED for p in await trainings.participants(session, found.id))
            rows.append((str(found.id), show_moment(found.starts_at), found.title_fr,
                         "+".join(found.networks), f"{found.booked_count}/{found.capacity}", str(waiting),
                         found.status))
        return rows

    table = Table("id", "start (Paris)", "title", "networks", "booked", "waiting", "status")
    for row in in_transaction(work):
        table.add_row(*row)
    Console(width=160).print(table)


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="CSV with columns networks, theme, title_fr, title_en, start, duration, "
                                          "location, capacity (and optional id, description_fr, description_en)."),
    allow_skips: bool = typer.Option(False, "--allow-skips",
                                     help="Keep the other rows when some cannot be applied (exit 0)."),
) -> None:
    """Create or update a session per row (re-running the same file changes nothing); new sessions are announced.

    A row finds its session by the `id` column, else by title_fr + start + location. A file with any
    malformed row imports nothing; rows that cannot be applied (start already past…) make the import
    refused unless --allow-skips.
    """
    from models.base import utcnow
    from services.training.announcements import announce
    from services.training.importing import ImportReport, import_trainings

    try:
        data = path.read_bytes()
    except OSError as error:
        typer.echo(f"Cannot read {path}: {error.strerror}.", err=True)
        raise typer.Exit(1) from None

    async def work(session: AsyncSession) -> tuple[ImportReport, int]:
        now = utcnow()
        report = await import_trainings(session, data, now, allow_skips=allow_skips)
        return report, await announce(session, report.new_sessions, now)

    report, announced = in_transaction(work)
    typer.echo(report.render(CLI_LOCALE))
    if report.new_sessions:
        typer.echo(f"New sessions announced to {announced} volunteer(s), one message each.")


def _confirm(training_id: int, action: str, yes: bool) -> None:
    """Say how many people will be told, and ask (unless --yes)."""
    from services.training import sessions as trainings
    from services.training.access import access_managed

    async def work(session: AsyncSession) -> tuple[str, int]:
        training = await access_managed(session, training_id)
        return training.title_en or training.title_fr, await trainings.people_to_tell(session, training_id)

    title, count = in_transaction(work)
    if not yes:
        typer.confirm(f"{action} “{title}”? {count} person(s) booked or waiting will be told.", abort=True)


@app.command()
def move(
    training_id: int = typer.Argument(..., help="The training's id (see `list`)."),
    start: str = typer.Option(None, help='New start, Paris time, e.g. "12/12/2026 18:30".'),
    duration: str = typer.Option(None, help="New duration, e.g. 90, 1h30, 2h."),
    place: str = typer.Option(None, help="New address."),
    online_url: str = typer.Option(None, "--online-url", help="New video call link."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Change when or where a session takes place; everyone booked or waiting gets an updated calendar file."""
    from models.base import utcnow
    from services.training import inputs
    from services.training import sessions as trainings

    _confirm(training_id, "Move", yes)

    async def work(session: AsyncSession) -> int:
        now = utcnow()
        changes: dict[str, object] = {}
        if start is not None:
            changes["starts_at"] = inputs.parse_start(start, now)
        if duration is not None:
            changes["duration_minutes"] = inputs.parse_duration(duration)
        if place is not None or online_url is not None:
            changes["place"], changes["online_url"] = place, online_url
        return (await trainings.update_training(session, training_id, changes, now))[1]

    typer.echo(f"Training {training_id} changed; {in_transaction(work)} people will be told.")


@app.command()
def cancel(
    training_id: int = typer.Argument(..., help="The training's id (see `list`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Cancel a session; everyone booked or waiting is told in their language (through the outbox)."""
    from models.base import utcnow
    from services.training import sessions as trainings

    _confirm(training_id, "Cancel", yes)

    async def work(session: AsyncSession) -> int:
        return await trainings.cancel_training(session, training_id, utcnow())

    typer.echo(f"Training {training_id} cancelled; {in_transaction(work)} people will be told.")


@app.command()
def export(
    training_id: int = typer.Argument(..., help="The training's id (see `list`)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of the terminal."),
    locale: str = typer.Option("fr", "--locale", help="fr (`;`, what French spreadsheets expect) or en (`,`)."),
) -> None:
    """The participants (booked, then the wait list in order) as CSV, headers and values in that language."""
    from services.training import sessions as trainings

    if locale not in ("fr", "en"):
        typer.echo("--locale is fr or en.", err=True)
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> bytes:
        return await trainings.export_csv(session, training_id, locale)

    data = in_transaction(work)
    if output is None:
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        typer.echo(f"Cannot write {output}: {error.strerror}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Written to {output}.")
