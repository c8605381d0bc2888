"""Trainings: sessions with seats, wait lists, reminders, attendance."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="training",
    routers=("handlers.training.coordinator:router", "handlers.training.volunteer:router"),
    menu=(MenuEntry("training", N_("📚 Formations"), Audience.VOLUNTEERS, order=10),),
    coordinator_menu=(MenuEntry("trainings", N_("📚 Formations"), Audience.COORDINATORS, order=60),),
    commands=(Command("trainings", N_("Formations"), Audience.VOLUNTEERS),),
    cli="bot.cli.training:app",
    jobs=(
        Job("reminders", "bot.jobs.training:send_training_reminders", every(minutes=1)),
        Job("erased_seats", "bot.jobs.training:release_erased_seats", every(minutes=5)),
    ),
    tables=("models.training",),
    migrations=("training",),
)
