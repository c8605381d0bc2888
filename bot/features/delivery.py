"""The outbox, the one rate-limited sender, and coordinators' broadcasts."""

from bot.feature import Audience, Command, Feature, MenuEntry
from locales import N_

FEATURE = Feature(
    name="delivery",
    routers=("handlers.delivery:router",),
    coordinator_menu=(MenuEntry("broadcast", N_("📣 Diffusion"), Audience.COORDINATORS, order=30),),
    commands=(Command("broadcast", N_("Envoyer un message à un groupe"), Audience.COORDINATORS),),
    cli="bot.cli.delivery:app",  # `volunteer-bot delivery [watch|pause|resume|cancel ID]`
    cli_commands=("bot.cli.delivery:broadcast", "bot.cli.delivery:sender"),
    tables=("models.outbox",),
    migrations=("delivery",),
)
