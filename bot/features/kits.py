"""The kit library "Le Volontaire au quotidien": kits to read screen by screen and share, published by coordinators."""

from bot.feature import Audience, Command, Feature, MenuEntry
from locales import N_

FEATURE = Feature(
    name="kits",
    routers=("handlers.kits.reader:router", "handlers.kits.desk:router"),
    menu=(MenuEntry("kits", N_("📘 Kits du volontaire"), order=30),),
    coordinator_menu=(MenuEntry("kits", N_("📘 Kits"), Audience.COORDINATORS, order=45),),
    commands=(Command("kit", N_("Les kits du volontaire : canicule, et les suivants")),),
    tables=("models.kits",),
    migrations=("kits",),
)
