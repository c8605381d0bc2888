"""The outbox, the one rate-limited sender, and coordinators' broadcasts."""

from bot.feature import Audience, Command, Feature, MenuEntry
from locales import N_

FEATURE = Feature(
    name="delivery",
    routers=("handlers.broadcast:router",),
    coordinator_menu=(MenuEntry("broadcast", N_("📣 Diffusion"), Audience.COORDINATORS, order=30),),
    commands=(Command("broadcast", N_("Envoyer un message à un groupe"), Audience.COORDINATORS),),
    cli="bot.cli.campaigns:app",
    cli_name="campaigns",
    cli_commands=("bot.cli.campaigns:broadcast", "bot.cli.campaigns:sender"),
    tables=("models.outbox",),
    migrations=("delivery",),
)
