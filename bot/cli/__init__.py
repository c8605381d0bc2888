"""`volunteer-bot`: run the bot and operate it from a terminal. Each feature adds its command group here."""

from __future__ import annotations

import asyncio

import typer

from bot.cli import alerts, campaigns, db, i18n, newsletter, night, notices
from bot.config import get_settings

app = typer.Typer(help="Paris Volunteers Bot: run it and operate it.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(db.app, name="db")
app.add_typer(i18n.app, name="i18n")
app.add_typer(campaigns.app, name="campaigns")
app.command(name="broadcast")(campaigns.broadcast)
app.command(name="sender")(campaigns.sender)
app.add_typer(notices.app, name="notices")
app.add_typer(newsletter.app, name="newsletter")
app.add_typer(night.app, name="night")
app.add_typer(alerts.app, name="alerts")


@app.command()
def run(webhook: bool = typer.Option(False, "--webhook", help="Serve a webhook instead of polling.")) -> None:
    """Start the bot (polling by default); applies database migrations first."""
    from bot.app import MissingTokenError
    from bot.runner import configure_logging, run_polling

    settings = get_settings()
    configure_logging(settings.log_level)
    if webhook:
        typer.echo("Webhook mode is not available yet: run without --webhook.", err=True)
        raise typer.Exit(2)
    try:
        asyncio.run(run_polling(settings))
    except MissingTokenError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass


@app.command()
def demo(
    language: str = typer.Option("fr", "--language", "-l", help="fr or en: the demo volunteer's language."),
) -> None:
    """Run the real bot against the built-in Bot API emulator with a scripted signup, and print the chat."""
    from bot.demo import run_demo

    asyncio.run(run_demo(language))
