"""`volunteer-bot`: run the bot and operate it from a terminal; each feature's manifest adds its commands."""

from __future__ import annotations

import asyncio

import typer

from bot.cli import about, db, i18n
from bot.config import get_settings
from bot.feature import resolve
from bot.features import FEATURES

app = typer.Typer(help="Paris Volunteers Bot: run it and operate it.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
app.callback()(about.options)
app.command(name="licences")(about.licences)
app.add_typer(db.app, name="db")
app.add_typer(i18n.app, name="i18n")
for _feature in FEATURES:
    if _feature.cli is not None:
        app.add_typer(resolve(_feature.cli), name=_feature.cli_name or _feature.name)
    for _command in _feature.cli_commands:
        app.command(name=_command.rpartition(":")[2])(resolve(_command))


@app.command()
def run(
    webhook: bool = typer.Option(False, "--webhook", help="Serve a webhook instead of polling (one worker)."),
    host: str = typer.Option(None, "--host", help="Webhook: address to listen on (default WEBHOOK_HOST)."),
    port: int = typer.Option(None, "--port", help="Webhook: port to listen on (default WEBHOOK_PORT)."),
    reuse_port: bool = typer.Option(False, "--reuse-port", help="Webhook: SO_REUSEPORT, several workers on one port."),
) -> None:
    """Start the bot (polling by default, applying migrations first); --webhook runs one webhook worker."""
    from bot.app import MissingTokenError
    from bot.logs import configure_logging
    from bot.runner import run_polling
    from bot.singleton import AlreadyRunningError
    from bot.webhook import WebhookConfigError, serve_webhook

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        if webhook:
            asyncio.run(serve_webhook(settings, host=host or settings.webhook_host,
                                      port=port or settings.webhook_port, reuse_port=reuse_port))
        else:
            asyncio.run(run_polling(settings))
    except (MissingTokenError, WebhookConfigError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    except AlreadyRunningError as error:
        hint = ("Set REDIS_URL to run several webhook workers." if webhook
                else "The embedded bot runs the scheduler: stop `volunteer-bot scheduler` or use --webhook.")
        typer.echo(f"Refusing to start: {error}. {hint}", err=True)
        raise typer.Exit(3) from None
    except KeyboardInterrupt:
        pass


@app.command()
def scheduler() -> None:
    """Run the timed jobs: exactly one per database (a second one refuses to start, exit code 3)."""
    from bot.logs import configure_logging
    from bot.scheduler_process import run_scheduler
    from bot.singleton import AlreadyRunningError

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(run_scheduler(settings))
    except AlreadyRunningError as error:
        typer.echo(f"Refusing to start: {error}. Only one scheduler may run per database.", err=True)
        raise typer.Exit(3) from None
    except KeyboardInterrupt:
        pass


@app.command()
def docs() -> None:
    """Write docs/commands.md, the table of every command, from the features' manifests."""
    from pathlib import Path

    from handlers.commands import markdown_table

    target = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
    target.write_text(markdown_table(), encoding="utf-8")
    typer.echo(f"Wrote {target}")


@app.command()
def demo(
    language: str = typer.Option("fr", "--language", "-l", help="fr or en: the demo volunteer's language."),
) -> None:
    """Run the real bot against the built-in Bot API emulator with a scripted signup, and print the chat."""
    from bot.demo import run_demo

    asyncio.run(run_demo(language))
