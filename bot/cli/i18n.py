"""`volunteer-bot i18n`: keep the French and English catalogs complete (developers)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Translation catalogs (developers).", no_args_is_help=True)


@app.command()
def sync(
    domain: str = typer.Argument(..., help="Catalog name, one per feature (e.g. training)."),
    paths: list[Path] = typer.Argument(..., help="Python files whose msgids belong to that catalog."),
) -> None:
    """Add the msgids these files use to locales/{fr,en}/LC_MESSAGES/DOMAIN.po (English left to fill)."""
    from locales.catalogs import sync as sync_catalog

    added = sync_catalog(domain, [path.resolve() for path in paths])
    typer.echo(", ".join(f"{locale}: {count} added" for locale, count in added.items()))


@app.command()
def check() -> None:
    """List every missing or untranslated message; exit 1 if there is any."""
    from locales.catalogs import check as check_catalogs

    problems = check_catalogs()
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo("Catalogs complete in every language.")


@app.command()
def fill(
    domain: str = typer.Argument(..., help="Catalog name (e.g. training)."),
    translations: Path = typer.Argument(..., help='JSON file {"French msgid": "translation", ...}.'),
    locale: str = typer.Option("en", help="Which language's catalog to fill."),
) -> None:
    """Write translations from a JSON file into a catalog and list what is still untranslated."""
    import json

    from locales.catalogs import fill as fill_catalog

    missing = fill_catalog(domain, locale, json.loads(translations.read_text(encoding="utf-8")))
    for msgid in missing:
        typer.echo(f"untranslated: {msgid!r}")
    typer.echo(f"{len(missing)} message(s) still untranslated in {locale}/{domain}.po")


@app.command()
def prune() -> None:
    """Delete catalog entries that no code uses any more."""
    from locales.catalogs import prune as prune_catalogs

    typer.echo(f"{prune_catalogs()} unused message(s) removed.")
