"""What the bot keeps and the volunteer's rights: /privacy, /mydata (JSON export), /delete (erasure)."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from services.callbacks.foundation import MenuCb
from handlers.ui import drop_keyboard
from locales import N_
from models.user import User
from services import privacy
from services.callbacks.foundation import PrivacyCb

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
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📦 Recevoir mes données"), callback_data=PrivacyCb(action="export"))
    builder.button(text=_("🗑 Effacer mes données"), callback_data=PrivacyCb(action="delete"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    if isinstance(query.message, Message):
        await query.message.answer(privacy_notice(), reply_markup=builder.as_markup())


async def _send_export(message: Message, session: AsyncSession, user: User) -> None:
    document = json.dumps(await privacy.export_user_data(session, user), ensure_ascii=False, indent=2)
    await message.answer_document(
        BufferedInputFile(document.encode("utf-8"), filename="mes-donnees.json"),
        caption=_("Voici toutes les données que le bot garde sur vous."),
    )


@router.message(Command("mydata"))
async def export_command(message: Message, session: AsyncSession, user: User) -> None:
    await _send_export(message, session, user)


@router.callback_query(PrivacyCb.filter(F.action == "export"))
async def export_button(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _send_export(query.message, session, user)


def _confirm_delete_keyboard() -> InlineKeyboardBuilder:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Oui, tout effacer"), callback_data=PrivacyCb(action="confirm_delete"))
    builder.button(text=_("Non, garder"), callback_data=PrivacyCb(action="keep"))
    builder.adjust(2)
    return builder


_DELETE_QUESTION = N_(
    "Effacer toutes vos données ? Votre profil, vos inscriptions, vos abonnements et vos réponses seront "
    "supprimés. Cette action est définitive."
)


@router.message(Command("delete"))
async def delete_command(message: Message) -> None:
    await message.answer(_(_DELETE_QUESTION), reply_markup=_confirm_delete_keyboard().as_markup())


@router.callback_query(PrivacyCb.filter(F.action == "delete"))
async def delete_button(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_(_DELETE_QUESTION), reply_markup=_confirm_delete_keyboard().as_markup())


@router.callback_query(PrivacyCb.filter(F.action == "keep"))
async def keep(query: CallbackQuery) -> None:
    await query.answer(_("Rien n'a été effacé."))
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)


@router.callback_query(PrivacyCb.filter(F.action == "confirm_delete"))
async def confirm_delete(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext,
                         fsm_storage: BaseStorage, bot: Bot) -> None:
    telegram_id = query.from_user.id
    await privacy.erase_user(session, user)
    await state.clear()
    forget = getattr(fsm_storage, "forget_user", None)
    if forget is not None:
        await forget(telegram_id)
    await query.answer()
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await query.message.answer(_(
            "Vos données ont été effacées. Merci pour votre engagement ! Vous pouvez revenir à tout moment "
            "avec /start."))
