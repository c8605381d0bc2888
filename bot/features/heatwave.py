"""Heat waves: targeted alerts, answers and live coverage (the volunteer's kit is the kit library's first)."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="heatwave",
    routers=("handlers.heatwave.answers:router", "handlers.heatwave.alerts:router",
             "handlers.heatwave.escalation:router"),
    coordinator_menu=(MenuEntry("alerts", N_("🌡 Alertes canicule"), Audience.COORDINATORS, order=70),),
    commands=(
        Command("alert", N_("Lancer une alerte canicule"), Audience.COORDINATORS),
    ),
    cli="bot.cli.heatwave:app",
    jobs=(
        Job("live_views", "bot.jobs.heatwave:refresh_live_views", every(seconds=5)),
        Job("reminders", "bot.jobs.heatwave:send_reminders", every(seconds=30)),
        Job("escalation", "bot.jobs.heatwave:escalate", every(minutes=1)),
        Job("vigilance", "bot.jobs.heatwave:poll_vigilance", every(minutes=15)),
    ),
    tables=("models.heatwave",),
    migrations=("heatwave",),
)
