"""What the bot keeps and the volunteer's rights: /privacy, /mydata (JSON export), /delete (erasure)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import Row, drop_keyboard, inline_keyboard, menu_button, show, tapped_message
from locales import N_
from models.base import utcnow
from models.user import User
from services import privacy
from services.callbacks.foundation import MenuCb, PrivacyCb

router = Router(name="privacy")



def privacy_notice() -> str:
    return _(
        "<b>Vos données</b>\n"
        "• <b>Ce que nous gardons</b> : votre identifiant Telegram, votre langue, le nom que vous donnez, "
        "votre arrondissement (ou code postal), vos réseaux, langues et compétences, et ce que vous faites "
        "avec le bot (inscriptions aux formations, réponses aux alertes, abonnements).\n"
        "• <b>Pourquoi</b> : organiser les actions des volontaires de la Ville de Paris et vous prévenir.\n"
        "• <b>Qui les voit</b> : les coordinateurs de la Ville et des associations partenaires de vos réseaux. "
        "Elles ne sont ni vendues ni publiées.\n"
        "• <b>Combien de temps</b> : tant que vous restez inscrit ; /delete les efface aussitôt "
        "(seuls des comptes anonymes restent).\n"
        "• <b>Vos droits</b> : /mydata vous envoie toutes vos données, /delete les efface.\n"
        "Le bot n'enregistre jamais rien sur les personnes que vous aidez ou rencontrez."
    )


@router.message(Command("privacy"))
async def show_privacy(message: Message) -> None:
    await message.answer(privacy_notice())


@router.callback_query(MenuCb.filter(F.item == "privacy"))
async def privacy_menu(query: CallbackQuery) -> None:
    rows: list[Row] = [[(_("📦 Recevoir mes données"), PrivacyCb(action="export"))],
            [(_("🗑 Effacer mes données"), PrivacyCb(action="delete"))], [menu_button()]]
    await show(query, privacy_notice(), inline_keyboard(rows), edit=False)
    await query.answer()


async def _send_export(message: Message, session: AsyncSession, user: User) -> None:
    """A few lines saying what is kept, then everything, readable, in the person's language."""
    now = utcnow()
    data = await privacy.export_user_data(session, user)
    await message.answer(privacy.summary(data, user.locale))
    await message.answer_document(
        BufferedInputFile(privacy.export_document(data, user.locale, now=now),
                          filename=privacy.export_filename(user.locale)),
        caption=_("Voici toutes les données que le bot garde sur vous."),
    )


@router.message(Command("mydata"))
async def export_command(message: Message, session: AsyncSession, user: User) -> None:
    await _send_export(message, session, user)


@router.callback_query(PrivacyCb.filter(F.action == "export"))
async def export_button(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    await _send_export(message, session, user)


def _confirm_delete_keyboard() -> InlineKeyboardMarkup:
    return inline_keyboard([[(_("Oui, tout effacer"), PrivacyCb(action="confirm_delete")),
                             (_("Non, garder"), PrivacyCb(action="keep"))]])


_DELETE_QUESTION = N_(
    "Effacer toutes vos données ? Votre profil, vos inscriptions, vos abonnements et vos réponses seront "
    "supprimés. Cette action est définitive."
)


@router.message(Command("delete"))
async def delete_command(message: Message) -> None:
    await message.answer(_(_DELETE_QUESTION), reply_markup=_confirm_delete_keyboard())


@router.callback_query(PrivacyCb.filter(F.action == "delete"))
async def delete_button(query: CallbackQuery) -> None:
    await show(query, _(_DELETE_QUESTION), _confirm_delete_keyboard(), edit=False)
    await query.answer()


@router.callback_query(PrivacyCb.filter(F.action == "keep"))
async def keep(query: CallbackQuery) -> None:
    message = tapped_message(query)
    await query.answer(_("Rien n'a été effacé."))
    await drop_keyboard(message)


@router.callback_query(PrivacyCb.filter(F.action == "confirm_delete"))
async def confirm_delete(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                         fsm_storage: BaseStorage, root_coordinator_ids: frozenset[int]) -> None:
    message = tapped_message(query)
    telegram_id = query.from_user.id
    await privacy.erase_user(session, user, root_coordinator_ids)  # a Night leader's coordinators are told
    await state.clear()
    forget = getattr(fsm_storage, "forget_user", None)
    if forget is not None:
        await forget(telegram_id)
    await query.answer()
    await drop_keyboard(message)
    await message.answer(_(
        "Vos données ont été effacées. Merci pour votre engagement ! Vous pouvez revenir à tout moment "
        "avec /start."))
