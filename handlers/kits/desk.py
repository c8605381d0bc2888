"""The coordinators' kit desk: write a kit per language (typed or a .md file), preview it as readers see it,
publish it, then announce it to a network through the outbox with the exact count and a confirmation."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.delivery import show_live_progress
from handlers.filters import NOT_A_COMMAND, TYPED_ANSWER
from handlers.kits.reader import kit_screen
from handlers.newsletter.reader import LANGUAGE_LABELS, language_name
from handlers.ui import (
    Button,
    Row,
    chunked,
    confirm_rows,
    drop_keyboard,
    inline_keyboard,
    markdown_upload,
    tapped_message,
)
from locales import LOCALES
from locales.formatting import format_when
from models.base import utcnow
from models.kits import Kit
from models.user import User
from services import kits, outbox
from services.callbacks.foundation import CoordCb, MenuCb
from services.callbacks.kits import KitDeskCb
from services.errors import StaleButton

router = guard(Router(name="kits_desk"), CoordinatorOnly())



class KitDesk(StatesGroup):
    text = State()  # waiting for the text (or a .md file) of one language


def _flag(code: str) -> str:
    return LANGUAGE_LABELS[code][:2]


def _network(code: str) -> str:
    return {"climate": _("🌿 Volontaires du Climat"), "solidarity": _("🤝 Volontaires de la Solidarité"),
            "all": _("👥 Tous les inscrits")}[code]


def _status(kit: Kit, locale: str) -> str:
    if kit.published_at is None:
        return _("brouillon")
    return _("publié le {when}").format(when=format_when(kit.published_at, locale))


async def _desk(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    everything = await kits.desk_kits(session)
    lines = [_("📘 <b>Kits du volontaire</b>")]
    lines += [f"• {escape(kits.title_of(kit, user.locale))} : {_status(kit, user.locale)}" for kit in everything]
    buttons: list[Button] = [(kits.title_of(kit, user.locale), KitDeskCb(action="view", kit=kit.id or 0))
                             for kit in everything]
    return "\n".join(lines), inline_keyboard([*chunked(buttons, 2), [(_("➕ Nouveau kit"), KitDeskCb(action="new"))],
                                              [(_("« Menu coordinateur"), MenuCb(item="coord"))]])


def _panel(kit: Kit, user: User) -> tuple[str, InlineKeyboardMarkup]:
    assert kit.id is not None
    lines = [_("📘 <b>{title}</b>").format(title=escape(kits.title_of(kit, user.locale)))]
    for code in LOCALES:
        if kits.has_language(kit, code):
            text = kits.parse_kit(getattr(kit, f"source_{code}"))
            lines.append(_("{flag} « {title} » ({count} écrans)").format(
                flag=_flag(code), title=escape(text.title), count=len(text.screens)))
        else:
            lines.append(_("{flag} à écrire").format(flag=_flag(code)))
    lines.append(_("État : {status}").format(status=_status(kit, user.locale)))
    written = [code for code in LOCALES if kits.has_language(kit, code)]
    rows: list[Row] = [
        [(_("✍️ Texte {flag}").format(flag=_flag(code)), KitDeskCb(action="text", kit=kit.id, value=code))  # type: ignore[arg-type]
         for code in LOCALES],
        [(_("👁 Aperçu {flag}").format(flag=_flag(code)), KitDeskCb(action="preview", kit=kit.id, value=code))  # type: ignore[arg-type]
         for code in written]]
    if kit.published_at is None:
        rows.append([(_("✅ Publier"), KitDeskCb(action="publish", kit=kit.id))])
    else:
        rows.append([(_("📣 Annoncer"), KitDeskCb(action="announce", kit=kit.id))])
        if kit.slug != kits.HEAT_WAVE:
            rows.append([(_("🗄 Retirer de la bibliothèque"), KitDeskCb(action="withdraw", kit=kit.id))])
    rows.append([(_("« Kits"), CoordCb(item="kits"))])
    return "\n".join(lines), inline_keyboard(rows)


async def _show_panel(message: Message, kit: Kit, user: User) -> None:
    text, markup = _panel(kit, user)
    await message.answer(text, reply_markup=markup)


@router.callback_query(CoordCb.filter(F.item == "kits"))
async def open_desk(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    message = tapped_message(query)
    await state.clear()
    await query.answer()
    text, markup = await _desk(session, user)
    await message.answer(text, reply_markup=markup)


@router.callback_query(KitDeskCb.filter(F.action == "view"))
async def view(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, user: User,
               state: FSMContext) -> None:
    message = tapped_message(query)
    kit = await kits.get_kit(session, callback_data.kit)
    await state.clear()
    await query.answer()
    await _show_panel(message, kit, user)


@router.callback_query(KitDeskCb.filter(F.action.in_({"new", "text"})))
async def ask_text(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, state: FSMContext) -> None:
    message = tapped_message(query)
    language = callback_data.value if callback_data.action == "text" else "fr"
    if language not in LOCALES:
        raise StaleButton
    if callback_data.action == "text":
        await kits.get_kit(session, callback_data.kit)
    await query.answer()
    await state.set_state(KitDesk.text)
    await state.update_data(kit=callback_data.kit if callback_data.action == "text" else 0, language=language)
    await message.answer(_(
        "Envoyez le kit en {language}, en Markdown :\n"
        "• la première ligne est le titre (« # Le Volontaire et les déchets ») ;\n"
        "• puis une courte introduction ;\n"
        "• puis un écran par partie « ## Titre de l'écran » ({max} caractères au plus chacun) ;\n"
        "• et pour finir « ## Sources » avec des liens [nom](https://…).\n"
        "**gras**, *italique*, listes avec « - ». Vous pouvez aussi envoyer un fichier .md. /cancel pour abandonner."
    ).format(language=language_name(language), max=kits.SCREEN_MAX))


async def _save(message: Message, state: FSMContext, session: AsyncSession, user: User, source: str) -> None:
    data = await state.get_data()
    language = str(data.get("language", ""))
    kit = await kits.save_text(session, int(data.get("kit", 0)), language, source, now=utcnow(),
                               created_by=user.id)
    await state.clear()
    await message.answer(_("✅ Texte en {language} enregistré.").format(language=language_name(language)))
    await _show_panel(message, kit, user)


@router.message(KitDesk.text, TYPED_ANSWER)
async def typed_text(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    await _save(message, state, session, user, message.text or "")


@router.message(KitDesk.text, F.document)
async def uploaded_text(message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot) -> None:
    await _save(message, state, session, user, await markdown_upload(message, bot))


@router.message(KitDesk.text, NOT_A_COMMAND)
async def not_a_text(message: Message) -> None:
    await message.answer(_("Envoyez le texte du kit, ou un fichier .md (/cancel pour abandonner)."))


@router.callback_query(KitDeskCb.filter(F.action == "preview"))
async def preview(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, bot: Bot) -> None:
    """The card and every screen, in that language, as readers will see them."""
    message = tapped_message(query)
    kit = await kits.get_kit(session, callback_data.kit)
    if callback_data.value not in LOCALES or not kits.has_language(kit, callback_data.value):
        raise StaleButton
    await query.answer()
    for number in range(len(kits.text_of(kit, callback_data.value).screens) + 1):
        text, _markup = await kit_screen(bot, kit, callback_data.value, number)
        await message.answer(text)


def _announce_rows(kit_id: int) -> list[Row]:
    rows: list[Row] = [[(_network(code), KitDeskCb(action="announce", kit=kit_id, value=code))]  # type: ignore[arg-type]
                       for code in kits.ANNOUNCE_TO]
    return [*rows, [(_("Plus tard"), KitDeskCb(action="view", kit=kit_id))]]


@router.callback_query(KitDeskCb.filter(F.action == "publish"))
async def publish(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    kit = await kits.publish(session, callback_data.kit, now=utcnow())
    await query.answer()
    await drop_keyboard(message)
    await message.answer(_("✅ « {title} » est dans la bibliothèque des kits. L'annoncer à un réseau ?").format(
        title=escape(kits.title_of(kit, user.locale))), reply_markup=inline_keyboard(_announce_rows(callback_data.kit)))


@router.callback_query(KitDeskCb.filter(F.action == "withdraw"))
async def withdraw(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    kit = await kits.withdraw(session, callback_data.kit)
    await query.answer(_("Le kit n'est plus dans la bibliothèque."))
    await _show_panel(message, kit, user)


@router.callback_query(KitDeskCb.filter(F.action == "announce"))
async def confirm_announce(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession,
                           user: User) -> None:
    message = tapped_message(query)
    if not callback_data.value:
        await kits.access_published(session, callback_data.kit)
        await query.answer()
        await message.answer(_("Annoncer ce kit à quel réseau ?"),
                             reply_markup=inline_keyboard(_announce_rows(callback_data.kit)))
        return
    kit, count = await kits.check_announceable(session, callback_data.kit, callback_data.value)
    await query.answer()
    rows = confirm_rows(count, KitDeskCb(action="announce_ok", kit=callback_data.kit, value=callback_data.value),
                        KitDeskCb(action="view", kit=callback_data.kit), action=_("📣 Annoncer à {count}"))
    await message.answer(ngettext("Annoncer « {title} » à {network} : {count} personne ?",
                                  "Annoncer « {title} » à {network} : {count} personnes ?", count).format(
        title=escape(kits.title_of(kit, user.locale)), network=_network(callback_data.value), count=count),
        reply_markup=inline_keyboard(rows))


@router.callback_query(KitDeskCb.filter(F.action == "announce_ok"))
async def announce(query: CallbackQuery, callback_data: KitDeskCb, session: AsyncSession, user: User) -> None:
    """Enqueue, then the live progress message (edited as the sender goes, then the final report)."""
    message = tapped_message(query)
    campaign, enqueued = await kits.announce(session, callback_data.kit, callback_data.value,
                                             created_by=user.id, report_chat_id=query.from_user.id,
                                             locale=user.locale)
    assert campaign.id is not None
    progress = await outbox.campaign_progress(session, campaign.id)
    await query.answer()
    await drop_keyboard(message)
    await message.answer(ngettext("📣 C'est parti : {count} personne dans la file d'envoi.",
                                  "📣 C'est parti : {count} personnes dans la file d'envoi.", enqueued).format(
        count=enqueued))
    await show_live_progress(message, session, campaign, progress, user.locale)
