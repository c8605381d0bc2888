"""`volunteer-bot --version` and `volunteer-bot licences`: what is installed, under which terms."""

from __future__ import annotations

from importlib import metadata

import typer


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"volunteer-bot {metadata.version('paris-volunteers-bot')}")
        raise typer.Exit()


def options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the installed version and exit."),
) -> None:
    """Paris Volunteers Bot: run it and operate it."""


def licences() -> None:
    """List every runtime dependency with its licence; exit 1 if one is not MIT-compatible."""
    from bot.licences import runtime_dependencies

    dependencies = runtime_dependencies()
    for dep in dependencies:
        mark = "" if dep.compatible else "  <- NOT MIT-compatible"
        typer.echo(f"{dep.name:<24} {dep.version:<16} {dep.licence}{mark}")
    refused = [dep.name for dep in dependencies if not dep.compatible]
    typer.echo(f"{len(dependencies)} runtime dependencies; "
               + (f"not MIT-compatible: {', '.join(refused)}" if refused else "all MIT-compatible"))
    if refused:
        raise typer.Exit(1)
