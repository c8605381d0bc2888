"""`volunteer-bot db`: database migrations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import typer
from alembic.config import Config

from bot.config import get_settings

app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration to DATABASE_URL."""
    from bot.db import create_engine, upgrade_database

    async def _run() -> None:
        engine = create_engine(get_settings().database_url)
        try:
            await upgrade_database(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
    typer.echo("Database is up to date.")


def _on_database(work: Callable[[Config], None]) -> None:
    """Run an Alembic command on DATABASE_URL, in one transaction."""
    from bot.db import alembic_config, create_engine

    async def _run() -> None:
        engine = create_engine(get_settings().database_url)
        try:
            async with engine.begin() as connection:

                def _sync(sync_connection: object) -> None:
                    config = alembic_config()
                    config.attributes["connection"] = sync_connection
                    work(config)

                await connection.run_sync(_sync)
        finally:
            await engine.dispose()

    asyncio.run(_run())


@app.command()
def current() -> None:
    """Show the revision each feature's tables are at, and the migrations still to apply."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    def _show(config: Config) -> None:
        script = ScriptDirectory.from_config(config)
        applied = MigrationContext.configure(config.attributes["connection"]).get_current_heads()
        done = {rev.revision for rev in script.revision_map.iterate_revisions(applied, "base") if rev} \
            if applied else set()
        for head in sorted(applied):
            typer.echo(f"at {head}")
        pending = [rev.revision for rev in script.walk_revisions() if rev.revision not in done]
        typer.echo(f"pending: {', '.join(reversed(pending))}" if pending else "up to date (every head applied)")

    _on_database(_show)


@app.command()
def downgrade(
    target: str = typer.Argument(..., help="A revision id, FEATURE@-1 (one step back on that branch), or base."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Undo migrations down to TARGET (after a failed deploy; take a backup first: data in dropped tables is lost)."""
    from alembic import command

    if not yes:
        typer.confirm(f"Downgrade DATABASE_URL to {target}? Tables and columns added since are dropped", abort=True)
    _on_database(lambda config: command.downgrade(config, target))
    typer.echo(f"Database downgraded to {target}.")


@app.command()
def revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration does."),
    branch: str = typer.Option(..., "--branch", help="The feature branch (e.g. training); new branches start here."),
    rev_id: str = typer.Option(None, "--rev-id", help="Revision id (default: <branch>_<n>)."),
) -> None:
    """Autogenerate a migration for one feature's tables (developers; runs against a scratch SQLite file)."""
    import tempfile
    from pathlib import Path

    from alembic import command
    from alembic.script import ScriptDirectory

    from bot.db import alembic_config, create_engine

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    branch_heads = [rev for rev in script.get_revisions("heads") if rev and branch in (rev.branch_labels or ())]
    existing = [rev for rev in script.walk_revisions() if branch in (rev.branch_labels or ())]

    async def _run() -> None:
        with tempfile.TemporaryDirectory() as scratch:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}")

            def _generate(connection: object) -> None:
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
                if branch_heads:
                    command.revision(config, message=message, autogenerate=True,
                                     rev_id=rev_id or f"{branch}_{len(existing) + 1:04d}",
                                     head=f"{branch}@head")
                else:
                    command.revision(config, message=message, autogenerate=True,
                                     rev_id=rev_id or f"{branch}_0001", head="base", branch_label=branch,
                                     depends_on="0001_foundation")

            async with engine.begin() as connection:
                await connection.run_sync(_generate)
            await engine.dispose()

    asyncio.run(_run())
