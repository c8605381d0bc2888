"""`volunteer-bot db`: database migrations."""

from __future__ import annotations

import asyncio

import typer

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
