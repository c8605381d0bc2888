"""`python -m bot.cli` = `volunteer-bot` (handy in a git worktree)."""

from bot.cli import app

app()
