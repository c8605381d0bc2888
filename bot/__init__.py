"""Runtime of the Paris Volunteers Bot: configuration, database, app factory, middlewares, CLI."""

from bot.patches import build_aiogram_models_on_first_use

build_aiogram_models_on_first_use()
