"""The monthly Climate Newsletter in French and English."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, every
from locales import N_

FEATURE = Feature(
    name="newsletter",
    # the coordinators' routers first: their guard passes volunteers' typed text on to the readers' routers
    routers=("handlers.newsletter.desk:router", "handlers.newsletter.contributions:review_router",
             "handlers.newsletter.reader:router", "handlers.newsletter.contributions:router"),
    menu=(MenuEntry("newsletter", N_("📰 Lettre du Climat"), order=40),),
    coordinator_menu=(MenuEntry("newsletter", N_("📰 Lettre du Climat"), Audience.COORDINATORS, order=40),),
    commands=(Command("newsletter", N_("La Lettre du Climat, chaque mois")),),
    cli="bot.cli.newsletter:app",
    jobs=(Job("tick", "bot.jobs.newsletter:send_due_issues", every(minutes=1)),),
    tables=("models.newsletter",),
    migrations=("newsletter",),
)
