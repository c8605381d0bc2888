"""The coordinators' desk for the calls for ideas: open a call, review proposals, open the vote, close it,
and turn the winning theme into a training session."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.forms import Choice, Form, FormContext, Step
from handlers.ui import confirm_rows, inline_keyboard, show, tapped_message
from locales.formatting import format_when
from models.base import utcnow
from models.programme import CallStatus, ProposalStatus, ThemeCall, ThemeProposal
from models.user import User
from services import programme
from services.callbacks.foundation import CoordCb
from services.callbacks.programme import ThemeDeskCb
from services.errors import DomainError, StaleButton
from services.training import inputs as training_input
from services.training import sessions as trainings
from services.training.announcements import announce

router = guard(Router(name="programme_coordinator"), CoordinatorOnly())


def _network_label(network: str) -> str:
    return _("🌳 Volontaires du Climat") if network == "climate" else _("🤝 Volontaires de la Solidarité")


def _phase(call: ThemeCall, locale: str) -> str:
    if call.status == CallStatus.PROPOSALS:
        return _("propositions jusqu'au {until}").format(until=format_when(call.proposals_until, locale))
    if call.status == CallStatus.VOTING:
        return _("vote jusqu'au {until}").format(until=format_when(call.votes_until, locale))
    return _("clos")


def _back() -> list[tuple[str, ThemeDeskCb | CoordCb]]:
    return [(_("« Appels à idées"), CoordCb(item="themes"))]


@router.callback_query(CoordCb.filter(F.item == "themes"))
async def desk(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    calls = await programme.recent_calls(session)
    lines = [_("<b>Appels à idées</b>")] + [
        f"{call.id}. {escape(call.title_fr)} — {_phase(call, user.locale)}" for call in calls]
    rows = [[(f"{call.id}. {call.title_fr}", ThemeDeskCb(action="view", call=call.id or 0))] for call in calls]
    rows.append([(_("➕ Nouvel appel"), ThemeDeskCb(action="review", call=0))])
    await show(query, "\n".join(lines), inline_keyboard(rows), edit=False)


async def _call_view(session: AsyncSession, call: ThemeCall, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    assert call.id is not None
    pending = await programme.pending_proposals(session, call.id)
    results = await programme.tally(session, call.id)
    lines = [f"💡 <b>{escape(call.title_fr)}</b> / {escape(call.title_en)}",
             f"{_network_label(call.network)} · {_phase(call, locale)}",
             _("Propositions à relire : {n}").format(n=len(pending)),
             _("Thèmes retenus et votes :")]
    lines += [f"• {escape(entry.text)} : {entry.votes}" for entry in results] or ["—"]
    rows: list[list[tuple[str, ThemeDeskCb | CoordCb]]] = []
    if pending and call.status != CallStatus.CLOSED:
        rows.append([(_("📝 Relire ({n})").format(n=len(pending)), ThemeDeskCb(action="review", call=call.id))])
    if call.status == CallStatus.PROPOSALS and results:
        rows.append([(_("🗳 Ouvrir le vote maintenant"), ThemeDeskCb(action="vote_now", call=call.id))])
    if call.status == CallStatus.VOTING:
        rows.append([(_("🏁 Clore le vote maintenant"), ThemeDeskCb(action="close", call=call.id))])
    if call.status == CallStatus.CLOSED and call.winner_id and call.training_id is None:
        rows.append([(_("📚 En faire une formation"), ThemeDeskCb(action="training", call=call.id))])
    rows.append(_back())
    return "\n".join(lines), inline_keyboard(rows)


@router.callback_query(ThemeDeskCb.filter(F.action == "view"))
async def view(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession, user: User) -> None:
    call = await programme.require_call(session, callback_data.call)
    await query.answer()
    text, markup = await _call_view(session, call, user.locale)
    await show(query, text, markup)


# -- reviewing proposals, one at a time ------------------------------------------------------------------

async def _next_proposal(query: CallbackQuery, session: AsyncSession, call: ThemeCall, locale: str) -> None:
    assert call.id is not None
    pending = await programme.pending_proposals(session, call.id)
    if not pending:
        text, markup = await _call_view(session, call, locale)
        await show(query, _("Tout est relu.") + "\n\n" + text, markup)
        return
    proposal = pending[0]
    text = _("Proposition {n}/{total} ({language}) :\n<b>{text}</b>").format(
        n=1, total=len(pending), language=proposal.locale, text=escape(proposal.text))
    await show(query, text, inline_keyboard([
        [(_("✅ Retenir"), ThemeDeskCb(action="keep", call=call.id, proposal=proposal.id or 0)),
         (_("✖ Écarter"), ThemeDeskCb(action="decline", call=call.id, proposal=proposal.id or 0))],
        [(_("« Retour"), ThemeDeskCb(action="view", call=call.id))]]))


@router.callback_query(ThemeDeskCb.filter((F.action == "review") & (F.call > 0)))
async def review(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession, user: User) -> None:
    call = await programme.require_call(session, callback_data.call)
    await query.answer()
    await _next_proposal(query, session, call, user.locale)


@router.callback_query(ThemeDeskCb.filter(F.action.in_({"keep", "decline"})))
async def moderate(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession, user: User) -> None:
    proposal = await session.get(ThemeProposal, callback_data.proposal)
    if proposal is None or proposal.call_id != callback_data.call or proposal.status != ProposalStatus.PENDING:
        raise StaleButton
    await programme.moderate(session, proposal.id or 0, keep=callback_data.action == "keep")
    call = await programme.require_call(session, callback_data.call)
    await query.answer(_("Retenue.") if callback_data.action == "keep" else _("Écartée."))
    await _next_proposal(query, session, call, user.locale)


# -- opening the vote early, closing it ---------------------------------------------------------------------

@router.callback_query(ThemeDeskCb.filter(F.action.in_({"vote_now", "close"})))
async def confirm_step(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession) -> None:
    call = await programme.require_call(session, callback_data.call)
    opening = callback_data.action == "vote_now"
    if call.status != (CallStatus.PROPOSALS if opening else CallStatus.VOTING):
        raise StaleButton
    await query.answer()
    if opening:
        count = await programme.count_network(session, call.network)
        text = ngettext("Ouvrir le vote maintenant ? Le bulletin part à {n} volontaire.",
                        "Ouvrir le vote maintenant ? Le bulletin part à {n} volontaires.", count).format(n=count)
        rows = confirm_rows(count, ThemeDeskCb(action="vote_now_ok", call=call.id or 0),
                            ThemeDeskCb(action="view", call=call.id or 0))
    else:
        text = _("Clore le vote maintenant ? Le thème en tête sera retenu.")
        rows = [[(_("🏁 Clore le vote"), ThemeDeskCb(action="close_ok", call=call.id or 0))],
                [(_("✖ Annuler"), ThemeDeskCb(action="view", call=call.id or 0))]]
    await show(query, text, inline_keyboard(rows))


@router.callback_query(ThemeDeskCb.filter(F.action.in_({"vote_now_ok", "close_ok"})))
async def do_step(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession, user: User) -> None:
    call = await programme.require_call(session, callback_data.call)
    if callback_data.action == "vote_now_ok":
        if not await programme.start_voting(session, call.id or 0):
            raise StaleButton
        await session.refresh(call)
        told = await programme.announce_vote(session, call)
        notice = ngettext("Vote ouvert : {n} volontaire prévenu.", "Vote ouvert : {n} volontaires prévenus.",
                          told).format(n=told)
    else:
        if not await programme.close_call(session, call.id or 0, utcnow()):
            raise StaleButton
        await session.refresh(call)
        notice = _("Vote clos.")
    await query.answer(notice)
    text, markup = await _call_view(session, call, user.locale)
    await show(query, notice + "\n\n" + text, markup)


# -- a new call --------------------------------------------------------------------------------------------

class CallDraft(BaseModel):
    title_fr: str = ""
    title_en: str = ""
    network: str = "climate"
    proposals_until: str = ""  # as typed; parsed again (against the clock) when confirmed
    votes_until: str = ""


def _typed_title(text: str, _draft: CallDraft) -> str:
    return training_input.clean_text(text, 120)


def _typed_date(text: str, _draft: CallDraft) -> str:
    training_input.parse_start(text, utcnow())  # refuses what cannot be read, the past and 02:00-03:00
    return " ".join(text.split())


def _call_summary(draft: CallDraft) -> str:
    return _("<b>Nouvel appel à idées</b>\nTitre : {fr} / {en}\nRéseau : {network}\nPropositions jusqu'au : "
             "{proposals}\nVote jusqu'au : {votes}").format(
        fr=escape(draft.title_fr), en=escape(draft.title_en), network=_network_label(draft.network),
        proposals=escape(draft.proposals_until), votes=escape(draft.votes_until))


async def _open_call(context: FormContext, draft: CallDraft) -> None:
    now = utcnow()
    call = await programme.open_call(
        context.session, title_fr=draft.title_fr, title_en=draft.title_en, network=draft.network,
        proposals_until=training_input.parse_start(draft.proposals_until, now),
        votes_until=training_input.parse_start(draft.votes_until, now), now=now, created_by=context.user.id)
    told = await programme.announce_call(context.session, call, created_by=context.user.id)
    await context.message.answer(ngettext("Appel ouvert : {n} volontaire prévenu.",
                                          "Appel ouvert : {n} volontaires prévenus.", told).format(n=told),
                                 reply_markup=inline_keyboard([[(_("Voir l'appel"),
                                                                 ThemeDeskCb(action="view", call=call.id or 0))]]))


NEW_CALL: Form[CallDraft] = Form(
    name="tcall",
    draft=CallDraft,
    steps=[
        Step("fr", lambda _d: _("Titre de l'appel en français ? (par exemple « Thème du 1er trimestre 2027 »)"),
             field="title_fr", parse=_typed_title, edit_label=lambda: _("Modifier le titre français")),
        Step("en", lambda _d: _("Titre en anglais ?"), field="title_en", parse=_typed_title,
             edit_label=lambda: _("Modifier le titre anglais")),
        Step("network", lambda _d: _("Pour quel réseau ?"), field="network",
             edit_label=lambda: _("Modifier le réseau"),
             choices=lambda _d: [Choice("climate", _("🌳 Volontaires du Climat")),
                                 Choice("solidarity", _("🤝 Volontaires de la Solidarité"))]),
        Step("proposals", lambda _d: _("Jusqu'à quand les volontaires peuvent-ils proposer ? (par exemple "
                                       "15/01/2027 18:00)"),
             field="proposals_until", parse=_typed_date, edit_label=lambda: _("Modifier la fin des propositions")),
        Step("votes", lambda _d: _("Jusqu'à quand peuvent-ils voter ? (après la fin des propositions)"),
             field="votes_until", parse=_typed_date, edit_label=lambda: _("Modifier la fin du vote")),
    ],
    summary=_call_summary,
    confirm_label=lambda _d: _("✅ Ouvrir et annoncer"),
    finish=_open_call,
)


@router.callback_query(ThemeDeskCb.filter((F.action == "review") & (F.call == 0)))
async def new_call(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await NEW_CALL.start(tapped_message(query), state)


# -- the winner becomes a training session --------------------------------------------------------------

class TrainingDraft(BaseModel):
    call_id: int = 0
    starts: str = ""
    duration: str = "2h"
    place: str = ""
    capacity: int = 20


def _typed_start(text: str, _draft: TrainingDraft) -> str:
    training_input.parse_start(text, utcnow())
    return " ".join(text.split())


def _typed_duration(text: str, _draft: TrainingDraft) -> str:
    training_input.parse_duration(text)
    return text.strip()


def _typed_place(text: str, _draft: TrainingDraft) -> str:
    training_input.parse_location(text)
    return text.strip()


def _typed_capacity(text: str, _draft: TrainingDraft) -> int:
    return training_input.parse_capacity(text)


async def _create_training(context: FormContext, draft: TrainingDraft) -> None:
    call = await programme.require_call(context.session, draft.call_id)
    winner = await context.session.get(ThemeProposal, call.winner_id or 0)
    if winner is None or call.training_id is not None:
        raise DomainError(programme.NO_TRAINING_TO_CREATE)
    now = utcnow()
    place, url = training_input.parse_location(draft.place)
    training = await trainings.create_training(
        context.session, networks=[call.network], theme=winner.text[:80], title_fr=winner.text, title_en=winner.text,
        description_fr=call.title_fr, description_en=call.title_en,
        starts_at=training_input.parse_start(draft.starts, now),
        duration_minutes=training_input.parse_duration(draft.duration), place=place, online_url=url,
        capacity=draft.capacity, now=now, created_by=context.user.id)
    call.training_id = training.id
    announced = await announce(context.session, [training], now)  # like any new session: to its network
    await context.message.answer(_("📚 Formation créée : « {title} », le {when}.").format(
        title=escape(winner.text), when=format_when(training.starts_at, context.user.locale)) + " " + ngettext(
        "Annoncée à {count} volontaire.", "Annoncée à {count} volontaires.", announced).format(count=announced))


TRAINING: Form[TrainingDraft] = Form(
    name="tfromc",
    draft=TrainingDraft,
    steps=[
        Step("starts", lambda _d: _("Date et heure de la formation ? (par exemple 12/02/2027 18:30)"),
             field="starts", parse=_typed_start, edit_label=lambda: _("Modifier la date")),
        Step("duration", lambda _d: _("Durée ? (par exemple 90, 1h30 ou 2h)"), field="duration",
             parse=_typed_duration, edit_label=lambda: _("Modifier la durée")),
        Step("place", lambda _d: _("Lieu (adresse) ou lien de la visioconférence ?"), field="place",
             parse=_typed_place, edit_label=lambda: _("Modifier le lieu")),
        Step("capacity", lambda _d: _("Combien de places ?"), field="capacity", parse=_typed_capacity,
             edit_label=lambda: _("Modifier le nombre de places")),
    ],
    summary=lambda d: _("<b>Formation sur le thème retenu</b>\nDate : {starts}\nDurée : {duration}\nLieu : {place}\n"
                        "Places : {capacity}").format(starts=escape(d.starts), duration=escape(d.duration),
                                                     place=escape(d.place), capacity=d.capacity),
    confirm_label=lambda _d: _("✅ Créer la formation"),
    finish=_create_training,
)


@router.callback_query(ThemeDeskCb.filter(F.action == "training"))
async def training_from_winner(query: CallbackQuery, callback_data: ThemeDeskCb, session: AsyncSession,
                               state: FSMContext) -> None:
    call = await programme.require_call(session, callback_data.call)
    if call.status != CallStatus.CLOSED or not call.winner_id or call.training_id is not None:
        raise StaleButton
    await query.answer()
    await TRAINING.start(tapped_message(query), state, TrainingDraft(call_id=call.id or 0))
