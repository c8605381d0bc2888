"""`volunteer-bot people`: the coordinator's desk from a terminal (search, show, grant, revoke)."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import CLI_LOCALE, in_transaction

app = typer.Typer(help="Volunteers: find them, see a profile, grant or revoke the coordinator role.",
                  no_args_is_help=True)

WHO = typer.Argument(..., help="A Telegram id, or a search that matches exactly one volunteer (e.g. \"José 11\").")


def _operator_ids() -> frozenset[int]:
    from bot.config import get_settings

    return get_settings().coordinator_ids


@app.command()
def search(
    text: str = typer.Argument(..., help='Name, arrondissements, network, skill, language: "climat 11-14".'),
) -> None:
    """List the volunteers matching a search line (accents and case ignored in names)."""
    from services import segments

    async def work(session: AsyncSession) -> list[str]:
        # the operator needs no coordinator role: the command line is theirs
        found = await segments.members(session, segments.parse_search(text), reachable_only=False)
        return [f"{person.telegram_id}\t{person.full_name}\t{person.arrondissement or person.postal_code or '-'}"
                f"\t{','.join(person.networks)}" for person in found]

    lines = in_transaction(work)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} volunteer(s).")


@app.command()
def show(who: str = WHO) -> None:
    """A volunteer's profile: networks, trainings, alert answers, Night history, reachability."""
    from services import people

    async def work(session: AsyncSession) -> str:
        person = await people.find(session, None, who, _operator_ids())
        found = await people.profile(session, None, person.id or 0, _operator_ids())
        return people.profile_text(found, CLI_LOCALE, _operator_ids()) + "\n" + \
            people.why_unreachable_text(found, CLI_LOCALE)

    typer.echo(_plain(in_transaction(work)))


def _change(who: str, granted: bool) -> None:
    from models.base import utcnow
    from services import people

    async def work(session: AsyncSession) -> int:
        person = await people.find(session, None, who, _operator_ids())
        await people.change_role(session, None, person, granted, _operator_ids(), now=utcnow())
        return person.telegram_id or 0

    telegram_id = in_transaction(work)
    typer.echo(f"{telegram_id} is now a coordinator (told through the outbox)." if granted
               else f"{telegram_id} is no longer a coordinator (told through the outbox).")


@app.command()
def grant(who: str = WHO) -> None:
    """Make a volunteer a coordinator; they are told, and the audit trail records it."""
    _change(who, True)


@app.command()
def revoke(who: str = WHO) -> None:
    """Remove the coordinator role; they are told, and the audit trail records it."""
    _change(who, False)


def _plain(text: str) -> str:
    """The bot's HTML profile as terminal text."""
    import html
    import re

    return html.unescape(re.sub(r"</?(b|i|code)>", "", text))
