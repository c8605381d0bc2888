"""`volunteer-bot privacy`: the data-protection officer's export and erasure of one person's data."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import in_transaction, write_file
from models.user import User
from services.errors import DomainError

app = typer.Typer(help="One person's data (GDPR): export it, erase it.", no_args_is_help=True)


async def _person(session: AsyncSession, telegram_id: int) -> User:
    from locales import N_
    from services import users

    person = await users.get_user(session, telegram_id)
    if person is None:
        raise DomainError(N_("Aucun utilisateur avec l'identifiant {id} : il doit d'abord écrire au bot."),
                          id=telegram_id)
    return person


@app.command()
def export(
    telegram_id: int = typer.Argument(..., help="The person's Telegram id."),
    language: str = typer.Option(None, "--language", "-l", help="fr or en (default: the person's own)."),
    out: Path = typer.Option(None, "--out", help="Write the JSON here instead of printing it."),
) -> None:
    """Everything the bot keeps about a person, readable, in their language (what /mydata sends them)."""
    from models.base import utcnow
    from services import audit, privacy

    async def work(session: AsyncSession) -> bytes:
        person = await _person(session, telegram_id)
        now = utcnow()
        data = await privacy.export_user_data(session, person)
        await audit.record(session, actor=None, action="privacy_export", now=now, count=1, target=person)
        document = privacy.export_document(data, language or person.locale, now=now)
        if out is not None:
            write_file(out, document)  # before the commit: an unwritable file logs no export
        return document

    document = in_transaction(work)
    typer.echo(f"Written to {out}." if out is not None else document.decode("utf-8"))


@app.command()
def erase(
    telegram_id: int = typer.Argument(..., help="The person's Telegram id."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this cannot be undone."),
) -> None:
    """Erase a person's data as /delete does (an anonymous row stays for the counts)."""
    from bot.config import get_settings
    from models.base import utcnow
    from services import audit, privacy

    if not yes:
        typer.echo("Refused: erasure cannot be undone; add --yes to confirm.", err=True)
        raise typer.Exit(1)

    async def work(session: AsyncSession) -> None:
        person = await _person(session, telegram_id)
        await privacy.erase_user(session, person, get_settings().coordinator_ids)
        await privacy.forget_conversation(session, telegram_id)
        await audit.record(session, actor=None, action="erase", now=utcnow(), count=1, target=person)

    in_transaction(work)
    typer.echo(f"Erased the data of {telegram_id}; an anonymous row stays for the counts.")
