"""Signup, profile, menus, language, privacy and the coordinator role: what every other feature stands on."""

from bot.feature import Audience, Command, Feature, Job, MenuEntry, daily
from locales import N_

FEATURE = Feature(
    name="foundation",
    routers=("handlers.foundation.membership:router", "handlers.foundation.menu:router",
             "handlers.foundation.language:router", "handlers.foundation.privacy:router",
             "handlers.foundation.coordinator:router", "handlers.foundation.people:router",
             "handlers.foundation.signup:router", "handlers.forms:router"),
    menu=(
        MenuEntry("profile", N_("👤 Mon profil"), Audience.VOLUNTEERS, order=90),
        MenuEntry("language", N_("🌐 Langue"), order=91),
        MenuEntry("privacy", N_("🔒 Mes données"), order=92),
        MenuEntry("coord", N_("🛠 Menu coordinateur"), Audience.COORDINATORS, order=99),
    ),
    coordinator_menu=(
        MenuEntry("people", N_("🔎 Volontaires"), Audience.COORDINATORS, order=5),
        MenuEntry("roles", N_("👥 Coordinateurs"), Audience.COORDINATORS, order=10),
        MenuEntry("exports", N_("📤 Exports"), Audience.COORDINATORS, order=90),
        MenuEntry("audit", N_("🧾 Journal"), Audience.COORDINATORS, order=91),
    ),
    commands=(
        Command("start", N_("S'inscrire ou reprendre")),
        Command("menu", N_("Menu principal")),
        Command("language", N_("Changer de langue")),
        Command("privacy", N_("Notice de confidentialité")),
        Command("mydata", N_("Recevoir mes données")),
        Command("delete", N_("Effacer mes données")),
        Command("cancel", N_("Abandonner l'action en cours")),
        Command("help", N_("Aide")),
        Command("coord", N_("Menu coordinateur"), Audience.COORDINATORS),
        Command("grant", N_("Nommer un coordinateur"), Audience.COORDINATORS),
        Command("revoke", N_("Retirer le rôle de coordinateur"), Audience.COORDINATORS),
        Command("people", N_("Trouver un volontaire"), Audience.COORDINATORS),
        Command("audit", N_("Journal des coordinateurs"), Audience.COORDINATORS),
    ),
    jobs=(Job("retention", "bot.jobs.foundation:drop_old_texts", daily(hour=4, minute=10)),),
    cli_groups=(("people", "bot.cli.people:app"), ("privacy", "bot.cli.privacy:app"),
                ("exports", "bot.cli.exports:app")),
    tables=("models.user", "models.fsm", "models.inbox", "models.audit"),
    migrations=("foundation", "scale"),
)
