"""Public procurement notices for small businesses: subscriptions, matching, digests, search."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, daily, every
from locales import N_

FEATURE = Feature(
    name="procurement",
    routers=("handlers.procurement.search:router", "handlers.procurement.notices:router",
             "handlers.procurement.subscriptions:router", "handlers.procurement.coordinator:router"),
    menu=(MenuEntry("tenders", N_("📑 Marchés publics"), order=50),),
    coordinator_menu=(MenuEntry("tenders", N_("📑 Marchés publics"), Audience.COORDINATORS, order=20),),
    commands=(
        Command("tenders", N_("Avis de marchés publics (entreprises)")),
        Command("search", N_("Chercher un avis de marché")),
    ),
    cli="bot.cli.procurement:app",
    jobs=(
        Job("feeds", "bot.jobs.procurement:poll_notice_feeds", every(hours=1)),
        Job("digest", "bot.jobs.procurement:send_notice_digests", daily(hour=8)),
        Job("reminders", "bot.jobs.procurement:send_deadline_reminders", every(minutes=15)),
        Job("renewals", "bot.jobs.procurement:send_renewal_leads", daily(hour=8, minute=30)),
    ),
    tables=("models.procurement",),
    migrations=("procurement",),
)
