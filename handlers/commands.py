"""The command list Telegram shows in each language (setMyCommands)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from locales import DEFAULT_LOCALE, LOCALES, N_, t

# (command, French description); each feature adds its own.
BOT_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("S'inscrire ou reprendre")),
    ("menu", N_("Menu principal")),
    ("trainings", N_("Formations")),
    ("language", N_("Changer de langue")),
    ("newsletter", N_("La Lettre du Climat, chaque mois")),
    ("privacy", N_("Notice de confidentialité")),
    ("mydata", N_("Recevoir mes données")),
    ("delete", N_("Effacer mes données")),
    ("cancel", N_("Abandonner l'action en cours")),
    ("tenders", N_("Avis de marchés publics (entreprises)")),
    ("search", N_("Chercher un avis de marché")),
    ("help", N_("Aide")),
    ("kit", N_("Le kit canicule du volontaire")),
]


def commands_for(locale: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(locale, text)) for name, text in BOT_COMMANDS]


async def publish_commands(bot: Bot) -> None:
    """One list per language, plus the default (French) for clients in any other language."""
    await bot.set_my_commands(commands_for(DEFAULT_LOCALE), scope=BotCommandScopeDefault())
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(locale), scope=BotCommandScopeDefault(), language_code=locale)


async def publish_commands_for_chat(bot: Bot, chat_id: int, locale: str) -> None:
    """After /language: this user sees the commands in the language they chose, whatever their client's."""
    await bot.set_my_commands(commands_for(locale), scope=BotCommandScopeChat(chat_id=chat_id))
