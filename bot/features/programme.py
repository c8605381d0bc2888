"""The volunteers' programme: the quarter's training theme chosen by a call for ideas."""

from bot.feature import Audience, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="programme",
    routers=("handlers.programme.coordinator:router", "handlers.programme.volunteer:router"),
    menu=(MenuEntry("themes", N_("💡 Thèmes des formations"), Audience.VOLUNTEERS, order=15),),
    coordinator_menu=(MenuEntry("themes", N_("💡 Appels à idées"), Audience.COORDINATORS, order=65),),
    cli="bot.cli.programme:app",
    jobs=(Job("calls", "bot.jobs.programme:advance_theme_calls", every(minutes=1)),),
    tables=("models.programme",),
    migrations=("programme",),
)
