"""The solidarity chain (Fabrique de la Solidarité): associations' missions, and the volunteers who sign up."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="missions",
    routers=("handlers.missions.coordinator:router", "handlers.missions.volunteer:router"),
    menu=(MenuEntry("missions", N_("🤝 Missions des associations"), Audience.VOLUNTEERS, order=25),),
    coordinator_menu=(MenuEntry("missions", N_("🤝 Missions"), Audience.COORDINATORS, order=75),),
    commands=(Command("missions", N_("Les missions des associations près de chez vous"), Audience.VOLUNTEERS),),
    jobs=(Job("reminders", "bot.jobs.missions:send_mission_reminders", every(minutes=1)),
          Job("erased_seats", "bot.jobs.missions:release_erased_seats", every(minutes=5))),
    tables=("models.missions",),
    migrations=("missions",),
)
