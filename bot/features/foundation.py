"""Signup, profile, menus, language, privacy and the coordinator role: what every other feature stands on."""

from bot.feature import Audience, Command, Feature, MenuEntry
from locales import N_

FEATURE = Feature(
    name="foundation",
    routers=tuple(f"handlers.foundation.{name}:router" for name in (
        "membership", "menu", "language", "privacy", "coordinator", "people", "signup")) + ("handlers.forms:router",),
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
    tables=("models.user", "models.fsm", "models.inbox", "models.audit"),
    migrations=("foundation", "scale"),
)
