"""The command lists Telegram shows (setMyCommands), built from every feature's manifest, per audience.

Everyone (and volunteers) get the default list in their language; each coordinator gets a list of their
own (a chat scope) with the coordinators' commands too. Volunteers never see coordinators' commands.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.feature import Audience, Command
from bot.features import FEATURES
from locales import DEFAULT_LOCALE, LOCALES, t
from services import users

if TYPE_CHECKING:
    from bot.app import App


def declared_commands(coordinator: bool) -> list[Command]:
    """The commands this audience may use, once each; a coordinator's own description wins."""
    chosen: dict[str, Command] = {}
    for feature in FEATURES:
        for command in feature.commands:
            if command.audience is Audience.COORDINATORS and not coordinator:
                continue
            if command.name not in chosen or command.audience is Audience.COORDINATORS:
                chosen[command.name] = command
    return list(chosen.values())


def coordinator_only_commands() -> frozenset[str]:
    """Commands no volunteer may use: typed by one, they are told it is for coordinators."""
    shared = {command.name for command in declared_commands(coordinator=False)}
    return frozenset(command.name for command in declared_commands(coordinator=True)
                     if command.name not in shared)


def markdown_table() -> str:
    """docs/commands.md: every command, who it is for and what it does, in French and English."""
    audiences = {Audience.EVERYONE: "everyone", Audience.VOLUNTEERS: "volunteers",
                 Audience.COORDINATORS: "coordinators"}
    lines = ["<!-- Generated from the features' manifests by `volunteer-bot docs`; do not edit. -->",
             "# Commands", "", "| command | for | feature | français | English |", "| --- | --- | --- | --- | --- |"]
    for feature in FEATURES:
        for command in feature.commands:
            lines.append(f"| /{command.name} | {audiences[command.audience]} | {feature.name} | "
                         f"{t('fr', command.description)} | {t('en', command.description)} |")
    return "\n".join(lines) + "\n"


def commands_for(locale: str, coordinator: bool = False) -> list[BotCommand]:
    return list(_commands(locale, coordinator))


@lru_cache(maxsize=16)
def _commands(locale: str, coordinator: bool) -> tuple[BotCommand, ...]:
    """Built once per language and audience: the manifests and catalogs do not change while the bot runs
    (/help built them on every call: ~4 % of its CPU, measured with py-spy on benchmarks/webhook.py)."""
    return tuple(BotCommand(command=command.name, description=t(locale, command.description))
                 for command in declared_commands(coordinator))


async def publish_commands(app: App) -> None:
    """One list per language (the default, French, for clients in any other language), then each
    coordinator's own."""
    assert app.bot is not None
    await app.bot.set_my_commands(commands_for(DEFAULT_LOCALE), scope=BotCommandScopeDefault())
    for locale in LOCALES:
        await app.bot.set_my_commands(commands_for(locale), scope=BotCommandScopeDefault(), language_code=locale)
    async with app.sessions() as session:
        coordinators = await users.list_coordinators(session, app.settings.coordinator_ids)
    locales = {person.telegram_id: person.locale for person in coordinators if person.telegram_id is not None}
    for telegram_id in app.settings.coordinator_ids:  # named by the operator, maybe before they ever wrote
        locales.setdefault(telegram_id, DEFAULT_LOCALE)
    for telegram_id, locale in locales.items():
        await publish_commands_for_chat(app.bot, telegram_id, locale, coordinator=True)


async def publish_commands_for_chat(bot: Bot, chat_id: int, locale: str, coordinator: bool = False) -> None:
    """After /language, a grant or a revoke: this person's own list, in the language they chose."""
    # a chat the bot cannot reach (never started, blocked) keeps the default list
    with contextlib.suppress(TelegramAPIError):
        await bot.set_my_commands(commands_for(locale, coordinator), scope=BotCommandScopeChat(chat_id=chat_id))
