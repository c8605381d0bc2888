"""`volunteer-bot programme`: the quarter's calls for ideas, from a terminal."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.database import in_transaction

app = typer.Typer(help="Calls for ideas: the quarter's training theme chosen by the volunteers.", no_args_is_help=True)


@app.command("calls")
def list_calls() -> None:
    """The recent calls, their phase and the votes for each shortlisted theme."""
    from services import programme

    async def work(session):  # type: ignore[no-untyped-def]
        rows = []
        for call in await programme.recent_calls(session):
            assert call.id is not None
            rows.append((call, await programme.tally(session, call.id)))
        return rows

    console = Console()
    table = Table("id", "title", "network", "phase", "proposals until (UTC)", "votes until (UTC)", "votes")
    for call, tallies in in_transaction(work):
        votes = ", ".join(f"{entry.text}: {entry.votes}" for entry in tallies) or "—"
        table.add_row(str(call.id), call.title_en, call.network, call.status,
                      f"{call.proposals_until:%Y-%m-%d %H:%M}", f"{call.votes_until:%Y-%m-%d %H:%M}", votes)
    console.print(table)


@app.command("close")
def close(call_id: int = typer.Argument(..., help="The call's number (see `programme calls`).")) -> None:
    """Close a call's vote now and keep its winner."""
    from models.base import utcnow
    from services import programme

    async def work(session):  # type: ignore[no-untyped-def]
        await programme.require_call(session, call_id)
        return await programme.close_call(session, call_id, utcnow())

    closed = in_transaction(work)
    typer.echo(f"Call {call_id} closed." if closed else f"Call {call_id} was already closed.")
