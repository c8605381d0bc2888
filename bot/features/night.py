"""The Night of Solidarity: registration, teams, publication, the night itself and afterwards."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="night",
    # the coordinators' router first: /night opens the desk for a coordinator, the volunteer's screen otherwise
    routers=("handlers.night.coordinator:router", "handlers.night.volunteer:router"),
    menu=(MenuEntry("night", N_("🌙 Nuit de la Solidarité"), Audience.VOLUNTEERS, order=20),),
    coordinator_menu=(MenuEntry("night", N_("🌙 Nuit de la Solidarité"), Audience.COORDINATORS, order=50),),
    commands=(
        Command("night", N_("Nuit de la Solidarité"), Audience.VOLUNTEERS),
        Command("night", N_("Nuit de la Solidarité : le bureau des coordinateurs"), Audience.COORDINATORS),
        Command("night_presence", N_("Nuit de la Solidarité : qui est là"), Audience.VOLUNTEERS),
        Command("night_new", N_("Nouvelle édition de la Nuit"), Audience.COORDINATORS),
        Command("night_sector", N_("Ajouter un secteur à la Nuit"), Audience.COORDINATORS),
        Command("night_leader", N_("Ajouter un chef d'équipe à la Nuit"), Audience.COORDINATORS),
        Command("night_move", N_("Déplacer un volontaire de la Nuit"), Audience.COORDINATORS),
    ),
    cli="bot.cli.night:app",
    jobs=(Job("messages", "bot.jobs.night:send_night_messages", every(minutes=10)),),
    tables=("models.night",),
    migrations=("night",),
)
