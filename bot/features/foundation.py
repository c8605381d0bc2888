"""Signup, profile, menus, language, privacy and the coordinator role: what every other feature stands on."""

from bot.feature import Audience, Command, Feature, MenuEntry
from locales import N_

FEATURE = Feature(
    name="foundation",
    routers=("handlers.membership:router", "handlers.menu:router", "handlers.language:router",
             "handlers.privacy:router", "handlers.coordinator:router", "handlers.signup:router",
             "handlers.forms:router"),
    menu=(
        MenuEntry("profile", N_("👤 Mon profil"), Audience.VOLUNTEERS, order=90),
        MenuEntry("language", N_("🌐 Langue"), order=91),
        MenuEntry("privacy", N_("🔒 Mes données"), order=92),
        MenuEntry("coord", N_("🛠 Menu coordinateur"), Audience.COORDINATORS, order=99),
    ),
    coordinator_menu=(MenuEntry("roles", N_("👥 Coordinateurs"), Audience.COORDINATORS, order=10),),
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
    ),
    tables=("models.user", "models.fsm", "models.inbox"),
    migrations=("foundation", "scale"),
)
