"""Heat waves: the volunteer's kit, targeted alerts, answers and live coverage."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="heatwave",
    routers=("handlers.kit:router", "handlers.alert_answers:router", "handlers.alerts:router"),
    menu=(MenuEntry("kit", N_("📘 Kit canicule"), order=30),),
    coordinator_menu=(MenuEntry("alerts", N_("🌡 Alertes canicule"), Audience.COORDINATORS, order=70),),
    commands=(
        Command("kit", N_("Le kit canicule du volontaire")),
        Command("alert", N_("Lancer une alerte canicule"), Audience.COORDINATORS),
    ),
    cli="bot.cli.alerts:app",
    cli_name="alerts",
    jobs=(
        Job("live_views", "bot.jobs.alerts:refresh_live_views", every(seconds=5)),
        Job("reminders", "bot.jobs.alerts:send_reminders", every(seconds=30)),
        Job("vigilance", "bot.jobs.alerts:poll_vigilance", every(minutes=15)),
    ),
    tables=("models.alerts",),
    migrations=("heatwave",),
)
