"""`volunteer-bot newsletter`: import, schedule, send and list the Climate Newsletter from a terminal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import CLI_LOCALE, in_transaction
from bot.config import get_settings

app = typer.Typer(help="The monthly Climate Newsletter (Lettre du Climat).", no_args_is_help=True)


def _read(path: Path) -> str:
    from services.markdown_telegram import decode_upload

    try:
        data = path.read_bytes()
    except OSError as error:
        typer.echo(f"Cannot read {path}: {error.strerror}", err=True)
        raise typer.Exit(1) from None
    return decode_upload(path.name, data)


def _now() -> datetime:
    from models.base import utcnow

    return utcnow()


def _when(moment: datetime | None) -> str:
    from locales.formatting import format_when

    return format_when(moment, CLI_LOCALE) if moment is not None else "-"


@app.command("import")
def import_issue(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    french: Path = typer.Option(None, "--fr", help="Markdown file: first line the title, then the body."),
    english: Path = typer.Option(None, "--en", help="Markdown file: first line the title, then the body."),
    send_at: str = typer.Option(None, "--send-at", help='Schedule too: "12/12/2026 10:00", Paris time.'),
    fallback: bool = typer.Option(False, "--fallback/--no-fallback",
                                  help="Send the other language to readers of a missing one."),
) -> None:
    """Create or replace the issue of a month from Markdown files (one per language)."""
    from services import newsletter

    if french is None and english is None:
        typer.echo("Give at least one file: --fr and/or --en.", err=True)
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> str:
        parsed = newsletter.parse_month(month)
        for locale, path in (("fr", french), ("en", english)):
            if path is not None:
                text = newsletter.parse_document(_read(path))
                await newsletter.save_text(session, parsed, locale, text, now=_now())
        if fallback:
            await newsletter.set_fallback(session, parsed, True)
        if send_at is not None:
            await newsletter.schedule(session, parsed, newsletter.parse_send_at(send_at, _now()), now=_now())
        issue = await newsletter.require_issue(session, parsed)
        missing = newsletter.missing_languages(issue)
        return (f"Issue {parsed} saved"
                + (f", scheduled for {_when(issue.send_at)} (Paris time)" if issue.send_at else "")
                + (f"; missing: {', '.join(missing)}" if missing else "") + ".")

    typer.echo(in_transaction(work))


@app.command()
def schedule(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    at: str = typer.Option(None, "--at", help='"12/12/2026 10:00", Paris time (default: first Tuesday, 10:00, '
                                              'or NEWSLETTER_WEEKDAY / NEWSLETTER_TIME).'),
) -> None:
    """Schedule an issue (by default the first Tuesday of its month at 10:00, Paris time)."""
    from locales import N_
    from services import newsletter
    from services.errors import DomainError

    async def work(session: AsyncSession) -> str:
        parsed = newsletter.parse_month(month)
        settings = get_settings()
        moment = newsletter.parse_send_at(at, _now()) if at else newsletter.default_send_at(
            parsed, _now(), weekday=settings.newsletter_weekday, clock=settings.newsletter_time)
        if moment is None:
            raise DomainError(N_("Cette date est passée : choisissez un moment à venir."))
        issue = await newsletter.schedule(session, parsed, moment, now=_now())
        return f"Issue {parsed} scheduled for {_when(issue.send_at)} (Paris time)."

    typer.echo(in_transaction(work))


@app.command("send-now")
def send_now(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Send an issue now to every subscriber (through the outbox; the running bot's sender delivers it)."""
    from services import newsletter

    async def readers(session: AsyncSession) -> int:
        return (await newsletter.check_sendable(session, newsletter.parse_month(month)))[1]

    count = in_transaction(readers)  # a refusal (already sent, nobody subscribed…) before asking anything
    if not yes:
        typer.confirm(f"Send the {month} newsletter now to {count} readers?", abort=True)

    async def work(session: AsyncSession) -> str:
        campaign, enqueued = await newsletter.send_now(session, newsletter.parse_month(month), now=_now())
        return (f"Issue {month}: {enqueued} readers queued for sending (campaign {campaign.id}; "
                f"follow it with: volunteer-bot delivery watch {campaign.id}).")

    typer.echo(in_transaction(work))


@app.command("list")
def list_issues() -> None:
    """The recent issues, their languages and where they stand, and the subscriber counts."""
    from services import newsletter

    async def work(session: AsyncSession) -> list[str]:
        counts = await newsletter.subscriber_counts(session)
        lines = [f"Subscribers: {counts.get('fr', 0)} fr, {counts.get('en', 0)} en"]
        for issue in await newsletter.recent_issues(session, limit=24):
            languages = ",".join(code for code in ("fr", "en") if newsletter.has_language(issue, code)) or "-"
            state = (f"sent {_when(issue.sent_at)}" if issue.sent_at else
                     f"scheduled {_when(issue.send_at)}" if issue.send_at else "draft")
            lines.append(f"{issue.month}  [{languages}]{'  fallback' if issue.allow_fallback else ''}  {state}")
        return lines

    for line in in_transaction(work):
        typer.echo(line)
