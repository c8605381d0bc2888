"""`volunteer-bot heatwave`: the live coverage of heat-wave alerts in a terminal (rich tables)."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from bot.config import get_settings

app = typer.Typer(help="Heat-wave alerts: coverage and answers.", no_args_is_help=True)


@app.command()
def status(
    alert_id: int = typer.Argument(None, help="Alert number (default: every open alert)."),
    language: str = typer.Option("fr", "--language", "-l", help="fr or en."),
) -> None:
    """Delivered, answered by kind, and per arrondissement (where few can help first)."""
    console = Console()
    code = asyncio.run(_status(console, alert_id, language))
    raise typer.Exit(code)


async def _status(console: Console, alert_id: int | None, language: str) -> int:
    from bot.db import create_engine, create_sessionmaker
    from locales import t
    from services.errors import DomainError
    from services.heatwave import alerts
    from services.heatwave.coverage import alert_coverage

    engine = create_engine(get_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session:
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
                           ("recipients", t(language, "Destinataires"), None),
                           ("help", t(language, "Peuvent aider"), None), ("checked", t(language, "Ont vérifié"), None),
                           ("unavailable", t(language, "Indisponibles"), None),
                           ("answered", t(language, "Réponses"), None),
                           ("people_checked", t(language, "Personnes vérifiées"), None)]
                for key, header, footer in columns:
                    table.add_column(header, footer=footer if footer is not None else str(coverage.total(key)),
                                     justify="left" if key == "arrondissement" else "right")
                for area in coverage.by_area:
                    flag = "⚠ " if area.flagged else ""
                    table.add_row(f"{flag}{alerts.areas_label([area.arrondissement], language)}",
                                  *(str(getattr(area, key)) for key, _h, _f in columns[1:]),
                                  style="red" if area.flagged else None)
                console.print(table)
    finally:
        await engine.dispose()
    return 0
