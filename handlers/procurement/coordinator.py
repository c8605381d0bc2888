"""What coordinators see of procurement: notices stored, subscriptions, the last import."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.ui import tapped_message
from models.user import User
from services.callbacks.foundation import CoordCb
from services.procurement import subscriptions as tenders

router = Router(name="procurement-coordinator")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())


@router.callback_query(CoordCb.filter(F.item == "tenders"))
async def coordinator_overview(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    counts = await tenders.overview(session)
    last = _("jamais") if counts["last"] is None else counts["last"].strftime("%Y-%m-%d %H:%M UTC")
    await tapped_message(query).answer(_(
        "<b>Marchés publics</b>\nAvis en base : {notices}\nAbonnements : {subscriptions}\nDernier import : {last}\n"
        "Importer : <code>volunteer-bot procurement import FICHIER_OU_URL</code>").format(
        notices=counts["notices"], subscriptions=counts["subscriptions"], last=last))
