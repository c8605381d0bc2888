"""Reading the kits: the library (/kit, 📘 in the menu), a kit's card, its screens one by one, sharing it.

Open to anyone, like the kits the City hands out: a friend who was sent a kit can read it before signing up.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import Button, Row, chunked, inline_keyboard, menu_button, page_of, pager_row, show
from models.base import utcnow
from models.kits import Kit
from models.user import User
from services import kits
from services.callbacks.foundation import MenuCb
from services.callbacks.kits import HEAT_WAVE_SCREENS, KitCb, KitReadCb
from services.errors import StaleButton

router = Router(name="kits")
PAGE = 6


async def _library(session: AsyncSession, user: User, page: int) -> tuple[str, InlineKeyboardMarkup]:
    now = utcnow()
    everything = await kits.library(session, now)
    shown, page, pages = page_of(everything, page, PAGE)
    buttons: list[Row] = [[(("📌 " if kits.pinned(kit, now) else "📘 ") + kits.title_of(kit, user.locale),
                            KitReadCb(action="open", kit=kit.id or 0))] for kit in shown]
    text = _("📘 <b>Le Volontaire au quotidien</b>\nDes kits courts pour agir et en parler autour de vous. "
             "Choisissez-en un :") if everything else _("📘 Aucun kit n'est encore publié.")
    return text, inline_keyboard([*buttons, pager_row(page, pages, lambda p: KitReadCb(action="list", page=p)),
                                  [menu_button()]])


async def _share_button(bot: Bot, kit: Kit, locale: str) -> InlineKeyboardButton:
    me = await bot.me()
    return InlineKeyboardButton(text=_("📤 Partager à un proche"), url=kits.share_url(kit, locale, me.username or ""))


async def kit_screen(bot: Bot, kit: Kit, locale: str, number: int) -> tuple[str, InlineKeyboardMarkup]:
    """Screen 0 is the card (title, introduction, a button per screen, share); then the screens, paged."""
    assert kit.id is not None
    text = kits.text_of(kit, locale)
    if number > len(text.screens):
        raise StaleButton
    if number == 0:
        card = "\n".join([f"📘 <b>{escape(text.title, quote=False)}</b>", text.intro]).strip()
        buttons: list[Button] = [(screen.heading, KitReadCb(action="read", kit=kit.id, screen=index))
                                 for index, screen in enumerate(text.screens, start=1)]
        markup = inline_keyboard([*chunked(buttons, 2),
                                  [(_("« Les kits"), KitReadCb(action="list")), menu_button()]])
        markup.inline_keyboard.insert(len(markup.inline_keyboard) - 1, [await _share_button(bot, kit, locale)])
        return card + "\n\n" + _("Choisissez un écran :"), markup
    pager = pager_row(number - 1, len(text.screens), lambda p: KitReadCb(action="read", kit=kit.id or 0, screen=p + 1))
    return text.screens[number - 1].html, inline_keyboard([
        pager, [(_("📘 Sommaire"), KitReadCb(action="read", kit=kit.id)), menu_button()]])


@router.message(Command("kit"))
async def library_command(message: Message, session: AsyncSession, user: User) -> None:
    await show(message, *await _library(session, user, 0))


@router.callback_query(MenuCb.filter(F.item == "kits"))
async def library_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    text, markup = await _library(session, user, 0)
    await query.answer()
    await show(query, text, markup, edit=False)


@router.callback_query(KitReadCb.filter(F.action == "list"))
async def library_page(query: CallbackQuery, callback_data: KitReadCb, session: AsyncSession, user: User) -> None:
    text, markup = await _library(session, user, callback_data.page)
    await query.answer()
    await show(query, text, markup)


@router.callback_query(KitReadCb.filter(F.action.in_({"open", "read"})))
async def read(query: CallbackQuery, callback_data: KitReadCb, session: AsyncSession, user: User, bot: Bot) -> None:
    """"open" comes from the library or an announcement and sends the card; "read" turns the page in place."""
    kit = await kits.access_published(session, callback_data.kit)
    text, markup = await kit_screen(bot, kit, user.locale, callback_data.screen)
    await query.answer()
    await show(query, text, markup, edit=callback_data.action == "read")


@router.callback_query(KitCb.filter())
async def heat_wave_kit(query: CallbackQuery, callback_data: KitCb, session: AsyncSession, user: User,
                        bot: Bot) -> None:
    """The heat-wave alert's button (and those of alerts already sent): that kit, as a new message."""
    kit = await kits.by_slug(session, kits.HEAT_WAVE)
    screens = len(kits.text_of(kit, user.locale).screens)  # the kit may have been edited since the alert
    text, markup = await kit_screen(bot, kit, user.locale, min(HEAT_WAVE_SCREENS[callback_data.screen], screens))
    await query.answer()
    await show(query, text, markup, edit=False)
