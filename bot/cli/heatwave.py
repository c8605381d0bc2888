"""`volunteer-bot heatwave`: the live coverage of heat-wave alerts in a terminal (rich tables)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bot.config import get_settings

app = typer.Typer(help="Heat waves: alert coverage and the export of answers.", no_args_is_help=True)


@app.command()
def status(
    alert_id: int = typer.Argument(None, help="Alert number (default: every open alert)."),
    language: str = typer.Option("fr", "--language", "-l", help="fr or en."),
) -> None:
    """Delivered, answered by kind, and coverage per arrondissement (what lacks help first)."""
    console = Console()
    code = asyncio.run(_status(console, alert_id, language))
    raise typer.Exit(code)


async def _status(console: Console, alert_id: int | None, language: str) -> int:
    from bot.db import create_engine, create_sessionmaker
    from locales import t
    from services.errors import DomainError
    from services.heatwave import alerts
    from services.heatwave.coverage import STATE_LABELS, STATE_MARKS, alert_coverage

    engine = create_engine(get_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            if alert_id is not None and not 0 < alert_id < 2**63:
                console.print("[red]" + t(language, "Cette alerte n'existe pas.") + "[/red]")
                return 1
            ids = [alert_id] if alert_id is not None else [a.id for a in await alerts.open_alerts(session) if a.id]
            if not ids:
                console.print(t(language, "Aucune alerte ouverte."))
                return 0
            for number in ids:
                try:
                    coverage = await alert_coverage(session, number)
                except DomainError as error:
                    console.print(f"[red]{error.render(language)}[/red]")
                    return 1
                alert, delivery = coverage.alert, coverage.delivery
                state = t(language, "ouverte") if alert.status == "open" else t(language, "close")
                console.print(t(language, "Alerte n° {id} : vigilance {level}, {status}", id=alert.id,
                                level=alerts.level_label(alert.level, language), status=state))
                console.print(t(language, "Envoyés : {sent} sur {total} (injoignables : {unreachable}, en attente : "
                                          "{pending})", sent=delivery.sent, total=delivery.total,
                                unreachable=delivery.unreachable, pending=delivery.pending))
                table = Table(show_footer=True)
                columns = [("arrondissement", t(language, "Arrondissement"), t(language, "Total")),
                           ("state", t(language, "Couverture"), ""),
                           ("target", t(language, "Objectif"), ""),
                           ("covered", t(language, "Aident ou ont vérifié"), None),
                           ("recipients", t(language, "Destinataires"), None),
                           ("help", t(language, "Peuvent aider"), None), ("checked", t(language, "Ont vérifié"), None),
                           ("unavailable", t(language, "Indisponibles"), None),
                           ("answered", t(language, "Réponses"), None),
                           ("silent", t(language, "Sans réponse"), None),
                           ("people_checked", t(language, "Personnes vérifiées"), None)]
                for key, header, footer in columns:
                    table.add_column(header, footer=footer if footer is not None else str(coverage.total(key)),
                                     justify="left" if key == "arrondissement" else "right")
                for area in coverage.by_area:
                    flag = "⚠ " if area.flagged else ""
                    table.add_row(f"{flag}{alerts.areas_label([area.arrondissement], language)}",
                                  f"{STATE_MARKS[area.state]} {t(language, STATE_LABELS[area.state])}",
                                  *(str(getattr(area, key)) for key, _h, _f in columns[2:]),
                                  style="red" if area.flagged else None)
                console.print(table)
    finally:
        await engine.dispose()
    return 0


@app.command()
def export(
    alert_id: int = typer.Argument(..., help="Alert number."),
    out: Path = typer.Option(None, "--out", "-o", help="CSV file to write (default: the terminal)."),
    language: str = typer.Option("fr", "--language", "-l", help="fr or en."),
) -> None:
    """The answers of an alert as CSV: every recipient, their answer, their arrondissement's coverage."""
    from locales import t

    data = asyncio.run(_answers(alert_id, language))
    if data is None:
        raise typer.Exit(1)
    if out is None:
        typer.echo(data.removeprefix("\ufeff"), nl=False)
        return
    try:
        out.write_text(data, encoding="utf-8")
    except OSError as error:
        typer.echo(t(language, "Impossible d'écrire {path} : {reason}", path=str(out),
                     reason=error.strerror or type(error).__name__), err=True)
        raise typer.Exit(1) from None
    typer.echo(t(language, "Réponses écrites dans {path}.", path=str(out)))


async def _answers(alert_id: int, language: str) -> str | None:
    from bot.db import create_engine, create_sessionmaker
    from locales import t
    from services.errors import DomainError
    from services.heatwave.coverage import answers_csv

    if not 0 < alert_id < 2**63:
        typer.echo(t(language, "Cette alerte n'existe pas."), err=True)
        return None
    engine = create_engine(get_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await answers_csv(session, alert_id, language)
    except DomainError as error:
        typer.echo(error.render(language), err=True)
        return None
    finally:
        await engine.dispose()
