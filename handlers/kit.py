"""The volunteer kit "Le Volontaire et la canicule": short screens with buttons, from /kit and the menu.

The facts come from the Ville de Paris (REFLEX register on 3975, cooled rooms in the mairies),
Santé publique France and the ministère de la Santé (heat-stroke signs, Canicule info service) and
Météo-France (vigilance levels); the "Sources" screen names them for the reader.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from locales import N_
from services.callbacks.foundation import MenuCb

router = Router(name="kit")


class KitCb(CallbackData, prefix="kit"):
    screen: str


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
        "• Ville de Paris : registre REFLEX (3975), salles rafraîchies des mairies.\n"
        "• Santé publique France et ministère de la Santé : signes du coup de chaleur, gestes, "
        "Canicule info service.\n"
        "• Météo-France : carte de vigilance canicule.")),
}


def kit_keyboard(current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for key, (label, _body) in SCREENS.items():
        if key != current:
            builder.button(text=_(label), callback_data=KitCb(screen=key))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(2)
    return builder.as_markup()


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
    await message.answer(kit_screen("home"), reply_markup=kit_keyboard("home"))


@router.callback_query(MenuCb.filter(F.item == "kit"))
async def kit_from_menu(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(kit_screen("home"), reply_markup=kit_keyboard("home"))


@router.callback_query(KitCb.filter())
async def kit_navigate(query: CallbackQuery, callback_data: KitCb) -> None:
    if callback_data.screen not in SCREENS:
        await query.answer(_("Ce bouton n'est plus valable. Tapez /kit pour ouvrir le kit."), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if _is_kit_page(query.message):
        # a kit screen: turn the page in place
        try:
            await query.message.edit_text(kit_screen(callback_data.screen),
                                          reply_markup=kit_keyboard(callback_data.screen))
            return
        except TelegramBadRequest:
            pass  # too old to edit (48 h) or unchanged: send it anew
    await query.message.answer(kit_screen(callback_data.screen), reply_markup=kit_keyboard(callback_data.screen))
