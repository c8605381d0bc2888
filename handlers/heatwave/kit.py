"""The volunteer kit "Le Volontaire et la canicule": short screens with buttons, from /kit and the menu.

The facts come from the Ville de Paris (REFLEX register on 3975, cooled rooms in the mairies),
Santé publique France and the ministère de la Santé (heat-stroke signs, Canicule info service) and
Météo-France (vigilance levels); the "Sources" screen names them for the reader.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.ui import Button, chunked, inline_keyboard, menu_button, show, tapped_message
from locales import N_
from services.callbacks.foundation import MenuCb
from services.callbacks.heatwave import KitCb, KitScreen

router = Router(name="kit")


# screen key → (button label, body); French msgids, translated when shown.
SCREENS: dict[str, tuple[str, str]] = {
    "home": (N_("📘 Sommaire du kit"), N_(
        "📘 <b>Le Volontaire et la canicule</b>\n"
        "Le premier kit des Volontaires du Climat. Quand Météo-France déclenche la vigilance canicule, "
        "les volontaires prennent des nouvelles de leurs voisins isolés.\n\n"
        "Choisissez une fiche :")),
    "before": (N_("🗓 Avant l'été"), N_(
        "🗓 <b>Avant l'été</b>\n"
        "• Repérez les voisins isolés de votre immeuble ou de votre rue : personnes âgées, malades, "
        "handicapées ou qui vivent seules.\n"
        "• Proposez-leur, avec leur accord, de s'inscrire au registre des personnes vulnérables de la "
        "Ville, <b>REFLEX</b> (anciennement CHALEX), en appelant le <b>3975</b>. Pendant une canicule, "
        "la Ville appelle les personnes inscrites.\n"
        "• Le bot n'enregistre rien sur vos voisins : gardez leurs coordonnées vous-même, avec leur accord.")),
    "during": (N_("🌡 Pendant une alerte"), N_(
        "🌡 <b>Pendant une alerte</b>\n"
        "Appelez ou passez voir vos voisins isolés <b>chaque jour</b>. Petit guide :\n"
        "1. Buvez-vous assez d'eau ?\n"
        "2. Les volets sont-ils fermés dans la journée ?\n"
        "3. Avez-vous un ventilateur ?\n"
        "4. Avez-vous vos médicaments ?\n"
        "5. Avez-vous quelqu'un à appeler en cas de besoin ?\n\n"
        "❄️ La salle rafraîchie la plus proche : dans les mairies, ouverte de <b>14 h à 18 h</b>.")),
    "danger": (N_("🚨 Signes de danger"), N_(
        "🚨 <b>Signes de coup de chaleur</b>\n"
        "• température de plus de 39 °C\n"
        "• maux de tête violents\n"
        "• vomissements\n"
        "• confusion\n"
        "• perte de connaissance\n"
        "• convulsions\n\n"
        "➡️ <b>Appelez le 15.</b> En attendant les secours, rafraîchissez la personne : mettez-la au frais, "
        "mouillez-la, faites de l'air.")),
    "numbers": (N_("☎️ Numéros utiles"), N_(
        "☎️ <b>Numéros utiles</b>\n"
        "• <b>15</b> : SAMU, urgence médicale\n"
        "• <b>112</b> : numéro d'urgence européen\n"
        "• <b>3975</b> : Ville de Paris, inscription au registre REFLEX (ex-CHALEX)\n"
        "• <b>0 800 06 66 66</b> : Canicule info service (appel gratuit)")),
    "sources": (N_("📚 Sources"), N_(
        "📚 <b>Sources</b>\n"
        "• <a href=\"https://www.paris.fr/pages/la-canicule-5469\">Ville de Paris</a> : registre REFLEX (3975), "
        "salles rafraîchies des mairies.\n"
        "• <a href=\"https://www.santepubliquefrance.fr/determinants-de-sante/climat/fortes-chaleurs-canicule\">"
        "Santé publique France</a> et <a href=\"https://sante.gouv.fr/sante-et-environnement/risques-climatiques/"
        "article/canicule-et-fortes-chaleurs\">ministère de la Santé</a> : signes du coup de chaleur, gestes, "
        "Canicule info service.\n"
        "• <a href=\"https://vigilance.meteofrance.fr/fr\">Météo-France</a> : carte de vigilance canicule.")),
}


def kit_keyboard(current: str) -> InlineKeyboardMarkup:
    buttons: list[Button] = [(_(label), KitCb(screen=key)) for key, (label, _body) in SCREENS.items()  # type: ignore[arg-type]
                             if key != current]
    return inline_keyboard(chunked([*buttons, menu_button()], 2))


def kit_screen(key: str) -> str:
    return _(SCREENS[key][1])


def _is_kit_page(message: Message) -> bool:
    """A kit screen turns its page in place; a kit button elsewhere (on an alert) opens a new message."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    home = MenuCb(item="home").pack()
    data = [button.callback_data or "" for row in rows for button in row]
    return bool(data) and all(item.startswith(f"{KitCb.__prefix__}:") or item == home for item in data)


@router.message(Command("kit"))
async def kit_command(message: Message) -> None:
    await show(message, kit_screen("home"), kit_keyboard("home"))


@router.callback_query(MenuCb.filter(F.item == "kit"))
async def kit_from_menu(query: CallbackQuery) -> None:
    await query.answer()
    await show(query, kit_screen("home"), kit_keyboard("home"), edit=False)


@router.callback_query(KitCb.filter())
async def kit_navigate(query: CallbackQuery, callback_data: KitCb) -> None:
    screen: KitScreen = callback_data.screen
    await query.answer()
    await show(query, kit_screen(screen), kit_keyboard(screen), edit=_is_kit_page(tapped_message(query)))
