"""The quarter's training theme, chosen by the volunteers (the action plan's "one theme per quarter,
co-constructed by call for ideas").

A call goes through three phases on the clock: proposals (moderated before anyone sees them), voting on
the shortlist (one vote each, changeable until the close: a unique constraint and an upsert are the rule,
so a double tap or two workers can never count twice), closed (the winner is kept; a coordinator turns it
into a training session). The scheduler moves a call from one phase to the next with conditional UPDATEs,
so each announcement is enqueued once however often the job runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t
from locales.formatting import format_when
from models.programme import CallStatus, ProposalStatus, ThemeCall, ThemeProposal, ThemeVote
from models.user import User
from services import outbox
from services.callbacks import button, keyboard
from services.callbacks.programme import ThemeCb, ThemeDeskCb
from services.errors import DomainError, StaleButton

PROPOSAL_MAX = 120
EMPTY_PROPOSAL = N_("Écrivez un thème en quelques mots.")
LONG_PROPOSAL = N_("Un thème tient en {max} caractères au plus.")
NO_TRAINING_TO_CREATE = N_("Ce vote n'a pas de thème gagnant, ou sa formation existe déjà.")
PROPOSALS_PER_PERSON = 3
REMIND_BEFORE_CLOSE = timedelta(hours=24)
NETWORKS = ("climate", "solidarity")


@dataclass(frozen=True)
class Tally:
    proposal_id: int
    text: str
    votes: int


def in_network(user: User, network: str) -> bool:
    return user.climate_volunteer if network == "climate" else user.solidarity_volunteer


async def open_call(session: AsyncSession, *, title_fr: str, title_en: str, network: str,
                    proposals_until: datetime, votes_until: datetime, now: datetime,
                    created_by: int | None = None) -> ThemeCall:
    if network not in NETWORKS:
        raise DomainError(N_("Réseau inconnu : {network}."), network=network)
    if not title_fr.strip() or not title_en.strip():
        raise DomainError(N_("Donnez un titre en français et en anglais."))
    if proposals_until <= now:
        raise DomainError(N_("La fin des propositions doit être dans le futur."))
    if votes_until <= proposals_until:
        raise DomainError(N_("La fin du vote doit venir après la fin des propositions."))
    call = ThemeCall(title_fr=title_fr.strip()[:120], title_en=title_en.strip()[:120], network=network,
                     proposals_until=proposals_until, votes_until=votes_until, created_by=created_by)
    session.add(call)
    await session.flush()
    return call


async def require_call(session: AsyncSession, call_id: int) -> ThemeCall:
    call = await session.get(ThemeCall, call_id)
    if call is None:
        raise DomainError(N_("Cet appel à idées n'existe pas."))
    return call


async def current_calls(session: AsyncSession, network_of: User | None = None) -> list[ThemeCall]:
    """Calls not closed yet, newest first (a volunteer sees those of their networks)."""
    query = select(ThemeCall).where(col(ThemeCall.status) != CallStatus.CLOSED)
    calls = list((await session.execute(query.order_by(col(ThemeCall.id).desc()))).scalars())
    return [call for call in calls if network_of is None or in_network(network_of, call.network)]


async def recent_calls(session: AsyncSession, limit: int = 10) -> list[ThemeCall]:
    query = select(ThemeCall).order_by(col(ThemeCall.id).desc()).limit(limit)
    return list((await session.execute(query)).scalars())


def check_can_propose(user: User, call: ThemeCall, now: datetime) -> None:
    if not in_network(user, call.network):
        raise DomainError(N_("Cet appel est réservé à un autre réseau."))
    if call.status != CallStatus.PROPOSALS or now >= call.proposals_until:
        raise DomainError(N_("Les propositions sont closes pour cet appel."))


async def propose(session: AsyncSession, user: User, call_id: int, text: str, now: datetime) -> ThemeProposal:
    call = await require_call(session, call_id)
    check_can_propose(user, call, now)
    text = " ".join(text.split())
    if not text:
        raise DomainError(EMPTY_PROPOSAL)
    if len(text) > PROPOSAL_MAX:
        raise DomainError(LONG_PROPOSAL, max=PROPOSAL_MAX)
    mine = select(func.count()).where(col(ThemeProposal.call_id) == call_id, col(ThemeProposal.author_id) == user.id)
    if int((await session.execute(mine)).scalar_one()) >= PROPOSALS_PER_PERSON:
        raise DomainError(N_("Vous avez déjà proposé {max} thèmes pour cet appel."), max=PROPOSALS_PER_PERSON)
    proposal = ThemeProposal(call_id=call_id, author_id=user.id, text=text, locale=user.locale)
    session.add(proposal)
    await session.flush()
    return proposal


async def pending_proposals(session: AsyncSession, call_id: int) -> list[ThemeProposal]:
    query = select(ThemeProposal).where(col(ThemeProposal.call_id) == call_id,
                                        col(ThemeProposal.status) == ProposalStatus.PENDING)
    return list((await session.execute(query.order_by(col(ThemeProposal.id)))).scalars())


async def shortlist(session: AsyncSession, call_id: int) -> list[ThemeProposal]:
    query = select(ThemeProposal).where(col(ThemeProposal.call_id) == call_id,
                                        col(ThemeProposal.status) == ProposalStatus.SHORTLISTED)
    return list((await session.execute(query.order_by(col(ThemeProposal.id)))).scalars())


async def moderate(session: AsyncSession, proposal_id: int, keep: bool) -> ThemeProposal:
    """Shortlist or decline a proposal, until the vote closes."""
    proposal = await session.get(ThemeProposal, proposal_id)
    if proposal is None:
        raise StaleButton
    call = await require_call(session, proposal.call_id)
    if call.status == CallStatus.CLOSED:
        raise DomainError(N_("Cet appel est clos."))
    proposal.status = ProposalStatus.SHORTLISTED if keep else ProposalStatus.DECLINED
    await session.flush()
    return proposal


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT in this engine's dialect (both spell it the same in SQLAlchemy)."""
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(ThemeVote)


async def vote(session: AsyncSession, user: User, call_id: int, proposal_id: int, now: datetime) -> None:
    """One vote per person per call; a new tap moves it. The checks and the write are one statement, so a
    vote can never land on a closed call or outside the shortlist, whatever the timing."""
    assert user.id is not None
    call = await require_call(session, call_id)
    if not in_network(user, call.network):
        raise DomainError(N_("Cet appel est réservé à un autre réseau."))
    allowed = select(literal(call_id), literal(user.id), literal(proposal_id), literal(now)).where(
        exists().where(and_(col(ThemeCall.id) == call_id, col(ThemeCall.status) == CallStatus.VOTING,
                            col(ThemeCall.votes_until) > now)),
        exists().where(and_(col(ThemeProposal.id) == proposal_id, col(ThemeProposal.call_id) == call_id,
                            col(ThemeProposal.status) == ProposalStatus.SHORTLISTED)))
    statement = _insert(session).from_select(["call_id", "user_id", "proposal_id", "voted_at"], allowed)
    statement = statement.on_conflict_do_update(
        index_elements=["call_id", "user_id"],
        set_={"proposal_id": statement.excluded.proposal_id, "voted_at": statement.excluded.voted_at})
    result = await session.execute(statement)
    if result.rowcount == 0:  # type: ignore[attr-defined]
        if call.status != CallStatus.VOTING or now >= call.votes_until:
            raise DomainError(N_("Le vote est clos pour cet appel."))
        raise StaleButton


async def my_vote(session: AsyncSession, user: User, call_id: int) -> int | None:
    query = select(col(ThemeVote.proposal_id)).where(col(ThemeVote.call_id) == call_id,
                                                     col(ThemeVote.user_id) == user.id)
    return (await session.execute(query)).scalar_one_or_none()


async def tally(session: AsyncSession, call_id: int) -> list[Tally]:
    """The shortlist with its votes, most voted first (ties: the earliest proposal)."""
    votes = (select(col(ThemeVote.proposal_id), func.count().label("n"))
             .where(col(ThemeVote.call_id) == call_id).group_by(col(ThemeVote.proposal_id)).subquery())
    query = (select(col(ThemeProposal.id), col(ThemeProposal.text), func.coalesce(votes.c.n, 0))
             .outerjoin(votes, votes.c.proposal_id == col(ThemeProposal.id))
             .where(col(ThemeProposal.call_id) == call_id, col(ThemeProposal.status) == ProposalStatus.SHORTLISTED)
             .order_by(func.coalesce(votes.c.n, 0).desc(), col(ThemeProposal.id)))
    return [Tally(int(pid), text, int(n)) for pid, text, n in (await session.execute(query)).all()]


# -- the clock -------------------------------------------------------------------------------------------

async def start_voting(session: AsyncSession, call_id: int) -> bool:
    """Proposals → voting, once (also early, by a coordinator). False when it was not in proposals."""
    shortlisted = await shortlist(session, call_id)
    if not shortlisted:
        raise DomainError(N_("Retenez au moins un thème avant d'ouvrir le vote."))
    moved = await session.execute(
        update(ThemeCall).where(col(ThemeCall.id) == call_id, col(ThemeCall.status) == CallStatus.PROPOSALS)
        .values(status=CallStatus.VOTING))
    return bool(moved.rowcount)  # type: ignore[attr-defined]


async def close_call(session: AsyncSession, call_id: int, now: datetime) -> bool:
    """Voting → closed with its winner, once. False when it was already closed."""
    results = await tally(session, call_id)
    winner = results[0].proposal_id if results and results[0].votes > 0 else None
    moved = await session.execute(
        update(ThemeCall).where(col(ThemeCall.id) == call_id, col(ThemeCall.status) != CallStatus.CLOSED)
        .values(status=CallStatus.CLOSED, winner_id=winner))
    return bool(moved.rowcount)  # type: ignore[attr-defined]


async def due_steps(session: AsyncSession, now: datetime) -> tuple[list[int | None], ...]:
    """Calls whose proposals ended (to open the vote), whose vote ends within a day (to remind, once),
    and whose vote ended (to close)."""
    to_vote = select(col(ThemeCall.id)).where(col(ThemeCall.status) == CallStatus.PROPOSALS,
                                              col(ThemeCall.proposals_until) <= now)
    to_remind = select(col(ThemeCall.id)).where(col(ThemeCall.status) == CallStatus.VOTING,
                                                col(ThemeCall.reminded_at).is_(None),
                                                col(ThemeCall.votes_until) <= now + REMIND_BEFORE_CLOSE,
                                                col(ThemeCall.votes_until) > now)
    to_close = select(col(ThemeCall.id)).where(col(ThemeCall.status) == CallStatus.VOTING,
                                               col(ThemeCall.votes_until) <= now)
    return (list((await session.execute(to_vote)).scalars()), list((await session.execute(to_remind)).scalars()),
            list((await session.execute(to_close)).scalars()))


async def mark_reminded(session: AsyncSession, call_id: int, now: datetime) -> bool:
    moved = await session.execute(update(ThemeCall).where(col(ThemeCall.id) == call_id,
                                                          col(ThemeCall.reminded_at).is_(None))
                                  .values(reminded_at=now))
    return bool(moved.rowcount)  # type: ignore[attr-defined]


async def voters_to_remind(session: AsyncSession, call: ThemeCall) -> list[User]:
    """The call's network, reachable, who have not voted yet."""
    voted = set((await session.execute(select(col(ThemeVote.user_id)).where(col(ThemeVote.call_id) == call.id)))
                .scalars())
    return [user for user in await network_members(session, call.network) if user.id not in voted]


async def network_members(session: AsyncSession, network: str) -> list[User]:
    membership = col(User.climate_volunteer) if network == "climate" else col(User.solidarity_volunteer)
    query = select(User).where(membership, col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None),
                               col(User.blocked_at).is_(None), col(User.telegram_id).is_not(None))
    return list((await session.execute(query.order_by(col(User.id)))).scalars())


async def count_network(session: AsyncSession, network: str) -> int:
    return len(await network_members(session, network))


# -- announcements (through the outbox, each in its recipient's language) --------------------------------

def _title(call: ThemeCall, locale: str) -> str:
    return call.title_en if locale == "en" else call.title_fr


async def announce_call(session: AsyncSession, call: ThemeCall, created_by: int | None = None) -> int:
    """Tell the call's network that proposals are open; once per call. Returns how many are told."""
    assert call.id is not None
    campaign, new = await outbox.create_campaign(session, kind="theme_call", title=f"Appel à idées {call.id}",
                                                 source_key=f"theme-call:{call.id}", created_by=created_by)
    if not new:
        return 0
    messages = [outbox.Outgoing(user.telegram_id, [outbox.Part(
        t(user.locale, "💡 <b>Appel à idées : {title}</b>\nQuel thème voulez-vous pour la prochaine formation ? "
                       "Proposez-le d'ici le {until}.", title=escape(_title(call, user.locale)),
          until=format_when(call.proposals_until, user.locale)),
        keyboard([button(t(user.locale, "💡 Proposer un thème"), ThemeCb(action="propose", call=call.id))]))],
        user.id) for user in await network_members(session, call.network) if user.telegram_id is not None]
    return await outbox.enqueue(session, campaign, messages)


async def announce_vote(session: AsyncSession, call: ThemeCall) -> int:
    """The shortlist, one button per theme, to the call's network; once per call."""
    text = N_("🗳 <b>Votez pour le thème : {title}</b>\nUn vote chacun, modifiable jusqu'au {until}.")
    return await _send_ballots(session, call, "vote", await network_members(session, call.network), text)


async def remind_voters(session: AsyncSession, call: ThemeCall) -> int:
    """Those of the network who have not voted, once, a day before the close."""
    return await _send_ballots(session, call, "remind", await voters_to_remind(session, call),
                               N_("⏰ Dernier jour pour voter : {title} (jusqu'au {until})."))


async def _send_ballots(session: AsyncSession, call: ThemeCall, step: str, people: list[User], text: str) -> int:
    assert call.id is not None
    campaign, new = await outbox.create_campaign(session, kind="theme_vote", title=f"Appel {call.id} : {step}",
                                                 source_key=f"theme-{step}:{call.id}")
    if not new:
        return 0
    return await outbox.enqueue(session, campaign, await _ballots(session, call, people, text))


async def _ballots(session: AsyncSession, call: ThemeCall, people: list[User], text: str) -> list[outbox.Outgoing]:
    assert call.id is not None
    themes = await shortlist(session, call.id)
    return [outbox.Outgoing(user.telegram_id, [outbox.Part(
        t(user.locale, text, title=escape(_title(call, user.locale)), until=format_when(call.votes_until, user.locale)),
        keyboard(*[[button(theme.text, ThemeCb(action="vote", call=call.id, proposal=theme.id or 0))]
                   for theme in themes]))], user.id)
        for user in people if user.telegram_id is not None]


async def report_close(session: AsyncSession, call: ThemeCall) -> int:
    """The result, to the coordinator who opened the call, with the one tap that makes it a training."""
    assert call.id is not None
    author = await session.get(User, call.created_by) if call.created_by else None
    if author is None or author.telegram_id is None:
        return 0
    campaign, new = await outbox.create_campaign(session, kind="theme_result", title=f"Résultat {call.id}",
                                                 source_key=f"theme-closed:{call.id}")
    if not new:
        return 0
    results = await tally(session, call.id)
    lines = [t(author.locale, "🏁 <b>Vote clos : {title}</b>", title=escape(_title(call, author.locale)))]
    lines += [f"• {escape(entry.text)} : {entry.votes}" for entry in results]
    markup = None
    if call.winner_id:
        markup = keyboard([button(t(author.locale, "📚 En faire une formation"),
                                  ThemeDeskCb(action="training", call=call.id))])
    else:
        lines.append(t(author.locale, "Aucun vote : pas de thème retenu."))
    return await outbox.enqueue(session, campaign, [outbox.Outgoing(author.telegram_id, [
        outbox.Part("\n".join(lines), markup)], author.id)])
