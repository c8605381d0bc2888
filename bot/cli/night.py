"""`volunteer-bot night`: solve an instance from CSV files, form an edition's teams, import sectors and leaders."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from bot.config import get_settings

app = typer.Typer(help="Night of Solidarity: team assignment and imports.", no_args_is_help=True)


def _fail(problems: list[str]) -> None:
    for problem in problems:
        typer.echo(problem, err=True)
    raise typer.Exit(2)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _fail([f"{path}: {error}"])
        raise  # unreachable: _fail exits


@app.command()
def solve(
    volunteers: Path = typer.Option(..., "--volunteers", help="V.csv: volunteer_id,arrondissement_prefs,"
                                    "experienced,group,can_lead (then any extra columns)."),
    teams: Path = typer.Option(..., "--teams", help="T.csv: team_id,arrondissement,min_volunteers,max_volunteers,"
                               "leader_id (then any extra columns)."),
    out: Path = typer.Option(..., "--out", help="A.csv to write: volunteer_id,team_id,role."),
) -> None:
    """Form teams from files; prints one JSON line (assigned, unassigned, teams filled, the objective's levels
    and the bound on each, proven or not…)."""
    from services.night.assignment import solve as solve_instance
    from services.night.files import CsvError, read_teams, read_volunteers, write_assignment

    try:
        people, team_list = read_volunteers(_read(volunteers)), read_teams(_read(teams))
    except CsvError as error:
        _fail(error.problems)
        return
    result = solve_instance(people, team_list)
    out.write_text(write_assignment(people, result.placements), encoding="utf-8")
    typer.echo(json.dumps({
        "assigned": len(result.placements), "unassigned": len(people) - len(result.placements),
        "teams_filled": len({p.team_id for p in result.placements.values()}), "teams": len(team_list),
        "objective": result.objective, "bound": result.bound, "gap": round(result.gap, 6),
        "seconds": round(result.seconds, 3), "violations": len(result.violations),
        "levels": result.levels._asdict(), "bounds": result.bounds._asdict(), "proven": result.optimal,
    }))


def _run(work: Any) -> Any:
    async def _main() -> Any:
        from bot.db import create_engine, create_sessionmaker

        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(_main())


@app.command()
def create(
    night_date: str = typer.Argument(..., help="Date of the night, YYYY-MM-DD."),
    deadline: str = typer.Argument(..., help="Last day of registration, YYYY-MM-DD."),
    name: str = typer.Option("", "--name", help="Name shown to volunteers."),
) -> None:
    """Create an edition; prints its id."""
    from locales import DEFAULT_LOCALE
    from models.base import utcnow
    from services.errors import DomainError
    from services.night import rules

    try:
        day, last = date.fromisoformat(night_date), date.fromisoformat(deadline)
    except ValueError as error:
        _fail([str(error)])
        return

    async def work(session: Any) -> int:
        edition = await rules.create_edition(session, name=name or f"Nuit de la Solidarité {day.year}",
                                             night_date=day, deadline=last, now=utcnow())
        return edition.id or 0

    try:
        typer.echo(str(_run(work)))
    except DomainError as error:
        _fail([error.render(DEFAULT_LOCALE)])


@app.command()
def assign(edition: int = typer.Argument(..., help="Edition id.")) -> None:
    """Form the edition's teams (like the coordinator's button); prints the summary as one JSON line."""
    from locales import DEFAULT_LOCALE
    from models.base import utcnow
    from services.errors import DomainError
    from services.night import rules

    async def work(session: Any) -> dict[str, Any]:
        summary = await rules.form_teams(session, await rules.get_edition(session, edition), utcnow())
        return {"sectors": summary.sectors, "teams_formed": summary.formed, "assigned": summary.assigned,
                "unassigned": summary.unassigned, "by_rank": summary.by_rank,
                "groups_kept": summary.groups_kept, "groups": summary.groups,
                "uncovered": [code for code, _reason in summary.uncovered],
                "objective": summary.objective, "bound": summary.bound}

    try:
        typer.echo(json.dumps(_run(work)))
    except DomainError as error:
        _fail([error.render(DEFAULT_LOCALE)])


_LOCALE = typer.Option("en", "--locale", help="Language of the messages: en or fr.")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        _fail([f"{path}: {error}"])
        raise  # unreachable: _fail exits


@app.command("import-sectors")
def import_sectors(edition: int = typer.Argument(..., help="Edition id."),
                   path: Path = typer.Argument(..., help="CSV (`,` or `;`): code,arrondissement,kind,meeting_point,"
                                               "meeting_address,meeting_time,min_volunteers,max_volunteers,"
                                               "leader_code"),
                   locale: str = _LOCALE) -> None:
    """Create or update sectors; all or nothing, every problem of the file at once."""
    from services.errors import DomainError
    from services.night import rules
    from services.night.files import read_sectors

    async def work(session: Any) -> int:
        rows = read_sectors(_read_bytes(path))
        found = await rules.get_edition(session, edition)
        problems = []
        for line, row in rows:
            try:  # add_sector checks everything before it writes: go on, to report every line at once
                await rules.add_sector(session, found, row)
            except DomainError as error:
                problems.append(f"line {line}: " + error.render(locale) if locale == "en" else
                                f"ligne {line} : " + error.render(locale))
        if problems:  # the transaction rolls back: nothing of the file stays
            raise _Refused(problems)
        return len(rows)

    try:
        typer.echo(f"{_run(work)} sectors imported.")
    except _Refused as refused:
        _fail(refused.problems)
    except DomainError as error:
        _fail([error.render(locale)])


class _Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


@app.command("import-leaders")
def import_leaders(edition: int = typer.Argument(..., help="Edition id."),
                   path: Path = typer.Argument(..., help="CSV (`,` or `;`): code,first_name,organisation,telegram_id"),
                   locale: str = _LOCALE) -> None:
    """Create or update team leaders; all or nothing."""
    from services.errors import DomainError
    from services.night import rules
    from services.night.files import read_leaders

    async def work(session: Any) -> int:
        rows = read_leaders(_read_bytes(path))
        found = await rules.get_edition(session, edition)
        for row in rows:
            await rules.add_leader(session, found, code=row.code, first_name=row.first_name,
                                   organisation=row.organisation, telegram_id=row.telegram_id)
        return len(rows)

    try:
        typer.echo(f"{_run(work)} leaders imported.")
    except DomainError as error:
        _fail([error.render(locale)])
