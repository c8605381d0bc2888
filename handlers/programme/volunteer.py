"""A volunteer's side of the calls for ideas: propose a theme, then vote for one on the shortlist."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import SignedUpOnly, guard
from handlers.forms import Form, FormContext, Step
from handlers.ui import inline_keyboard, menu_button, show, tapped_message
from locales.formatting import format_when
from models.base import utcnow
from models.programme import CallStatus, ThemeCall
from models.user import User
from services import programme
from services.callbacks.foundation import MenuCb
from services.callbacks.programme import ThemeCb
from services.errors import DomainError

router = guard(Router(name="programme"), SignedUpOnly())


def _title(call: ThemeCall, locale: str) -> str:
    return call.title_en if locale == "en" else call.title_fr


async def _call_screen(session: AsyncSession, user: User, call: ThemeCall) -> tuple[str, InlineKeyboardMarkup]:
    assert call.id is not None
    title = escape(_title(call, user.locale))
    if call.status == CallStatus.PROPOSALS:
        text = _("💡 <b>{title}</b>\nProposez le thème de la prochaine formation d'ici le {until}. Un "
                 "coordinateur relit chaque proposition avant le vote.").format(
            title=title, until=format_when(call.proposals_until, user.locale))
        return text, inline_keyboard([[(_("💡 Proposer un thème"), ThemeCb(action="propose", call=call.id))],
                                      [menu_button()]])
    if call.status == CallStatus.VOTING:
        mine = await programme.my_vote(session, user, call.id)
        themes = await programme.shortlist(session, call.id)
        text = _("🗳 <b>{title}</b>\nVotez pour un thème : un vote chacun, modifiable jusqu'au {until}.").format(
            title=title, until=format_when(call.votes_until, user.locale))
        rows = [[(f"{'✅ ' if theme.id == mine else ''}{theme.text}",
                  ThemeCb(action="vote", call=call.id, proposal=theme.id or 0))] for theme in themes]
        return text, inline_keyboard([*rows, [menu_button()]])
    lines = [_("🏁 <b>{title}</b> : le vote est clos.").format(title=title)]
    lines += [f"• {escape(entry.text)} : {entry.votes}" for entry in await programme.tally(session, call.id)]
    return "\n".join(lines), inline_keyboard([[menu_button()]])


@router.callback_query(MenuCb.filter(F.item == "themes"))
async def themes_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    calls = await programme.current_calls(session, network_of=user)
    if not calls:
        await show(query, _("Aucun appel à idées en ce moment : nous vous préviendrons du prochain."),
                   inline_keyboard([[menu_button()]]), edit=False)
        return
    if len(calls) == 1:
        text, markup = await _call_screen(session, user, calls[0])
        await show(query, text, markup, edit=False)
        return
    rows = [[(f"💡 {_title(call, user.locale)}", ThemeCb(action="open", call=call.id or 0))] for call in calls]
    await show(query, _("Les appels à idées en cours :"), inline_keyboard([*rows, [menu_button()]]), edit=False)


@router.callback_query(ThemeCb.filter(F.action == "open"))
async def open_call(query: CallbackQuery, callback_data: ThemeCb, session: AsyncSession, user: User) -> None:
    call = await programme.require_call(session, callback_data.call)
    await query.answer()
    text, markup = await _call_screen(session, user, call)
    await show(query, text, markup, edit=False)


@router.callback_query(ThemeCb.filter(F.action == "vote"))
async def vote(query: CallbackQuery, callback_data: ThemeCb, session: AsyncSession, user: User) -> None:
    await programme.vote(session, user, callback_data.call, callback_data.proposal, utcnow())
    call = await programme.require_call(session, callback_data.call)
    text, markup = await _call_screen(session, user, call)
    await query.answer(_("Vote enregistré. Vous pouvez en changer jusqu'à la clôture."))
    await show(query, text, markup)  # the tick moves to the theme just chosen


# -- proposing a theme -------------------------------------------------------------------------------------

class ProposalDraft(BaseModel):
    call_id: int = 0
    text: str = ""


def _typed_theme(text: str, _draft: ProposalDraft) -> str:
    text = " ".join(text.split())
    if not text:
        raise DomainError(programme.EMPTY_PROPOSAL)
    if len(text) > programme.PROPOSAL_MAX:
        raise DomainError(programme.LONG_PROPOSAL, max=programme.PROPOSAL_MAX)
    return text


async def _send_proposal(context: FormContext, draft: ProposalDraft) -> None:
    await programme.propose(context.session, context.user, draft.call_id, draft.text, utcnow())
    await context.message.answer(_("Merci ! Un coordinateur relira votre proposition avant qu'elle soit "
                                   "soumise au vote."), reply_markup=inline_keyboard([[menu_button()]]))


PROPOSAL: Form[ProposalDraft] = Form(
    name="theme",
    draft=ProposalDraft,
    steps=[Step("text", lambda _d: _("Quel thème proposez-vous ? Quelques mots, par exemple « Réparer plutôt que "
                                     "jeter »."),
                field="text", parse=_typed_theme, edit_label=lambda: _("Modifier le thème"))],
    summary=lambda d: _("Votre proposition : <b>{text}</b>").format(text=escape(d.text)),
    confirm_label=lambda _d: _("✅ Envoyer la proposition"),
    finish=_send_proposal,
)


@router.callback_query(ThemeCb.filter(F.action == "propose"))
async def propose(query: CallbackQuery, callback_data: ThemeCb, session: AsyncSession, user: User,
                  state: FSMContext) -> None:
    call = await programme.require_call(session, callback_data.call)
    programme.check_can_propose(user, call, utcnow())
    await query.answer()
    await PROPOSAL.start(tapped_message(query), state, ProposalDraft(call_id=callback_data.call))
