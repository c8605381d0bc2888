"""`volunteer-bot delivery | broadcast | sender`: mass sending from a terminal, with live progress."""

from __future__ import annotations

import asyncio
import contextlib
import html
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.cli.database import with_sessions
from bot.config import Settings, get_settings

app = typer.Typer(help="Mass-sending campaigns: list, watch, pause, resume, cancel.", invoke_without_command=True)
console = Console()
T = TypeVar("T")


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * done / total) if total else width
    return "█" * filled + "░" * (width - filled)


@app.callback()
def list_campaigns(ctx: typer.Context,
                   limit: int = typer.Option(20, "--limit", "-n", help="How many recent campaigns.")) -> None:
    """List recent campaigns with their progress (derived from the outbox)."""
    if ctx.invoked_subcommand is not None:
        return
    from models.outbox import Campaign
    from services.outbox import Progress, campaign_progress

    async def work(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> list[tuple[Any, Progress]]:
        async with sessions() as session:
            campaigns = (await session.execute(
                select(Campaign).order_by(col(Campaign.id).desc()).limit(limit))).scalars().all()
            return [(campaign, await campaign_progress(session, campaign.id or 0)) for campaign in campaigns]

    rows = with_sessions(work)
    if not rows:
        console.print("No campaigns yet.")
        return
    table = Table("id", "kind", "title", "status", "progress", "sent", "unreachable", "failed", "left", "created")
    for campaign, progress in rows:
        table.add_row(str(campaign.id), campaign.kind, campaign.title[:40], progress.status,
                      f"{_bar(progress.done, progress.total)} {progress.done}/{progress.total}",
                      str(progress.sent), str(progress.unreachable), str(progress.failed), str(progress.pending),
                      campaign.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def _set_status(campaign_id: int, status: str) -> None:
    from models.outbox import CampaignStatus
    from services.errors import DomainError
    from services.outbox import set_campaign_status

    async def work(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
        async with sessions.begin() as session:
            await set_campaign_status(session, campaign_id, CampaignStatus(status))

    try:
        with_sessions(work)
    except DomainError as error:
        console.print(f"[red]{error.render('en')}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Campaign {campaign_id}: {status}.")


@app.command()
def pause(campaign_id: int) -> None:
    """Pause a running campaign (nothing more is sent until resume)."""
    _set_status(campaign_id, "paused")


@app.command()
def resume(campaign_id: int) -> None:
    """Resume a paused campaign."""
    _set_status(campaign_id, "running")


@app.command()
def cancel(campaign_id: int) -> None:
    """Cancel a campaign: what is not sent yet will not be."""
    _set_status(campaign_id, "cancelled")


@app.command()
def watch(campaign_id: int) -> None:
    """Show a live progress bar until the campaign is finished."""
    with_sessions(lambda sessions, _settings: _watch(sessions, campaign_id))


async def _watch(sessions: async_sessionmaker[AsyncSession], campaign_id: int) -> None:
    from services.outbox import campaign_progress

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeRemainingColumn())
    with ProgressBar(*columns, console=console) as bar:
        task = bar.add_task(f"campaign {campaign_id}", total=None, detail="")
        while True:
            async with sessions() as session:
                progress = await campaign_progress(session, campaign_id)
            bar.update(task, total=progress.total, completed=progress.done,
                       detail=(f"sent {progress.sent} · unreachable {progress.unreachable} · failed {progress.failed}"
                               f" · {progress.rate:.1f}/s · {progress.status}"))
            if progress.finished:
                return
            await asyncio.sleep(0.5)


def broadcast(
    text_fr: str = typer.Option(None, "--text-fr", help="French text (plain text; see --html)."),
    text_en: str = typer.Option(None, "--text-en", help="English text; French readers get --text-fr."),
    text: str = typer.Option(None, "--text", help="One text for everybody."),
    network: str = typer.Option(None, "--network", help="climate or solidarity."),
    arrondissement: list[int] = typer.Option([], "--arrondissement", "-a", help="Paris arrondissement (repeat)."),
    language: str = typer.Option(None, "--language", help="fr or en: only readers of this language."),
    title: str = typer.Option("Broadcast (CLI)", "--title", help="Shown in `volunteer-bot delivery`."),
    as_html: bool = typer.Option(False, "--html", help="The texts are Telegram HTML (otherwise escaped)."),
    wait: bool = typer.Option(False, "--wait", help="Show a live progress bar until everything is sent."),
    with_sender: bool = typer.Option(False, "--with-sender",
                                     help="Also run the sender here (when the bot is not running)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count the recipients."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Send without asking (scripts); the count is still shown."),
) -> None:
    """Broadcast a message to a segment (network, arrondissements, language, or everyone reachable).

    Shows the exact number of recipients and asks before sending, unless --yes.
    """
    from services.broadcast import Segment, count_recipients, start_broadcast
    from services.errors import DomainError

    texts = {key: value for key, value in (("fr", text_fr or text), ("en", text_en or text)) if value}
    if not as_html:
        texts = {key: html.escape(value) for key, value in texts.items()}

    async def work(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        segment = Segment(network=network, arrondissements=tuple(arrondissement), language=language)
        async with sessions() as session:
            count = await count_recipients(session, segment)
        console.print(f"{count} recipient(s): {segment.describe('en')}")
        if dry_run:
            return
        if count == 0:
            console.print("Nobody to send to: nothing was sent.")
            raise typer.Exit(1)
        if not yes and not typer.confirm(f"Send this message to {count} people now?", default=False):
            console.print("Not sent.")
            raise typer.Exit(1)
        async with sessions.begin() as session:
            campaign, count = await start_broadcast(session, segment=segment, texts=texts, title=title,
                                                    paid=settings.paid_broadcast)
        assert campaign.id is not None
        console.print(f"Campaign {campaign.id}: {count} recipient(s) ({segment.describe('en')}).")
        if with_sender:
            await _send_until_done(sessions, settings, campaign.id)
        elif wait:
            await _watch(sessions, campaign.id)

    try:
        with_sessions(work)
    except DomainError as error:
        console.print(f"[red]{error.render('en')}[/red]")
        raise typer.Exit(1) from None


async def _send_until_done(sessions: async_sessionmaker[AsyncSession], settings: Settings, campaign_id: int) -> None:
    from bot.delivery.sender import create_sender

    sender = create_sender(sessions, settings, recover_on_start=False)
    task = asyncio.create_task(sender.run())
    try:
        await _watch(sessions, campaign_id)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def sender(
    lease: float = typer.Option(120.0, "--lease", help="Seconds a claimed row stays ours without renewal."),
    recover: bool = typer.Option(False, "--recover",
                                 help="Return every leased row to the queue at start (only if no other sender runs)."),
    poll: float = typer.Option(0.3, "--poll", help="Seconds between looks at the outbox when idle."),
    max_in_flight: int = typer.Option(0, "--max-in-flight", help="Claimed, unrecorded rows at most (0: auto)."),
) -> None:
    """Run only the outbox sender (scale-out; the embedded bot already runs one). Several share REDIS_URL's rate."""
    from bot.logs import configure_logging
    from bot.sender_process import run_sender
    from bot.singleton import AlreadyRunningError

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        typer.echo("BOT_TOKEN is not set: see `volunteer-bot run --help` and .env.example.", err=True)
        raise typer.Exit(2)

    async def _run() -> None:
        # no migration here (it would import Alembic and every feature's models): run `volunteer-bot db upgrade`
        try:
            await run_sender(settings, lease=lease, recover_on_start=recover, poll_interval=poll,
                             max_in_flight=max_in_flight or None)
        except AlreadyRunningError as error:
            typer.echo(f"Refusing to start: {error}. Set REDIS_URL to run several senders.", err=True)
            raise typer.Exit(3) from None

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run())
