"""/search: past notices, five at a time, newest first, with "More"; an English query is tried as a category."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.procurement.states import Tenders
from handlers.ui import drop_keyboard, inline_keyboard, tapped_message
from models.base import utcnow
from models.user import User
from services.callbacks.procurement import DraftCb, SearchCb
from services.errors import StaleButton
from services.procurement import subscriptions as tenders

router = Router(name="procurement-search")


async def _reply_search(message: Message, session: AsyncSession, user: User, state: FSMContext, query: str,
                        page: int = 0) -> None:
    """A page of /search results, newest first, with "More" while there are more (a refusal is a DomainError)."""
    result = await tenders.search_notices(session, query, page * tenders.SEARCH_PAGE)
    if not result.total:
        await message.answer(_("Aucun avis ne correspond à « {query} ». Les avis sont rédigés en français : "
                               "essayez un mot français ou un métier.").format(query=escape(query)))
        return
    first = page * tenders.SEARCH_PAGE
    header = _("{total} avis trouvés pour « {query} » ; du plus récent : {first}–{last}").format(
        total=result.total, query=escape(query), first=first + 1, last=first + len(result.notices))
    if result.as_category is not None:
        header += "\n" + _("ℹ️ Les avis sont rédigés en français : « {query} » a été cherché comme la catégorie "
                           "« {label} » (CPV {code}).").format(query=escape(query), code=result.as_category.prefix,
                                                              label=escape(result.as_category.label(user.locale)))
    blocks = [tenders.render_notice(notice, user.locale, now=utcnow()) for notice in result.notices]
    markup = None
    if first + len(result.notices) < result.total:
        await state.update_data(search_query=query)
        markup = inline_keyboard([[(_("Plus de résultats ›"), SearchCb(page=page + 1))]])
    await message.answer(header + "\n\n" + tenders.paginate(blocks)[0], reply_markup=markup)


@router.message(Command("search"))
async def search_command(message: Message, command: CommandObject, session: AsyncSession, user: User,
                         state: FSMContext) -> None:
    if command.args and command.args.strip():
        await _reply_search(message, session, user, state, command.args.strip())
        return
    await state.set_state(Tenders.search)
    await message.answer(_("Que cherchez-vous ? Écrivez des mots (par exemple : nettoyage Paris) ou un code CPV."))


@router.callback_query(DraftCb.filter(F.action == "search"))
async def search_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Tenders.search)
    await tapped_message(query).answer(_("Que cherchez-vous ? Écrivez des mots (par exemple : nettoyage Paris) ou un "
                                      "code CPV."))


@router.message(Tenders.search, F.text, ~F.text.startswith("/"))
async def typed_search(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    await state.clear()
    await _reply_search(message, session, user, state, message.text or "")


@router.callback_query(SearchCb.filter())
async def more_results(query: CallbackQuery, callback_data: SearchCb, session: AsyncSession, user: User,
                       state: FSMContext) -> None:
    searched = (await state.get_data()).get("search_query")
    if not searched:
        raise StaleButton
    await query.answer()
    await drop_keyboard(tapped_message(query))
    await _reply_search(tapped_message(query), session, user, state, searched, callback_data.page)
