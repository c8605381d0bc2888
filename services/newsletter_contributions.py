"""The co-written Climate Newsletter: subscribers send a contribution for next month's issue, coordinators
accept it (printed at the end of that issue in its language, credited by first name if the author agreed) or
decline it with a kind note; either way the author is told, in their language, through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, normalize_locale, t
from models.newsletter import NewsletterContribution
from models.user import User
from services import newsletter, outbox
from services.errors import DomainError, NotAllowed, StaleButton

KIND = "newsletter-contribution"
TEXT_MIN, TEXT_MAX = 20, 1200
PER_MONTH = 3  # contributions one person may send for one issue
# Why a contribution was declined: the author reads the note in their language.
NOTES = {
    "theme": N_("Elle sort un peu du thème de la Lettre du Climat (le climat à Paris et ce que chacun peut y faire)."),
    "space": N_("Nous n'avons pas eu la place de la publier ce mois-ci."),
    "already": N_("Un sujet très proche paraît déjà dans ce numéro."),
}


def contribution_month(now: datetime) -> str:
    """Contributions go into next month's issue."""
    return newsletter.upcoming_months(now)[1]


def check_text(text: str) -> str:
    text = " ".join(text.split())
    if len(text) < TEXT_MIN:
        raise DomainError(N_("C'est un peu court : racontez-nous en au moins {min} caractères."), min=TEXT_MIN)
    if len(text) > TEXT_MAX:
        raise DomainError(N_("C'est trop long pour la lettre ({max} caractères au plus)."), max=TEXT_MAX)
    return text


async def access_contributing(session: AsyncSession, user: User) -> str:
    """Subscribers may contribute, in the language they read; returns that language."""
    assert user.id is not None
    subscription = await newsletter.get_subscription(session, user.id)
    if subscription is None or not subscription.active:
        raise NotAllowed(N_("Abonnez-vous à la Lettre du Climat pour y contribuer : /newsletter"))
    return subscription.locale


async def contribute(session: AsyncSession, user: User, text: str, *, credit: bool, now: datetime,
                     photo: str | None = None) -> NewsletterContribution:
    locale = await access_contributing(session, user)
    month = contribution_month(now)
    sent = (await session.execute(select(func.count()).select_from(NewsletterContribution).where(
        col(NewsletterContribution.user_id) == user.id, col(NewsletterContribution.month) == month))).scalar_one()
    if sent >= PER_MONTH:
        raise DomainError(N_("Vous avez déjà envoyé {count} contributions pour ce numéro : merci, c'est le "
                             "maximum."), count=PER_MONTH)
    assert user.id is not None
    contribution = NewsletterContribution(user_id=user.id, month=month, locale=locale, text=check_text(text),
                                          credit=credit, photo_file_id=photo)
    session.add(contribution)
    await session.flush()
    return contribution


async def pending(session: AsyncSession) -> list[NewsletterContribution]:
    """Contributions waiting for review, oldest first."""
    return list((await session.execute(
        select(NewsletterContribution).where(col(NewsletterContribution.status) == "pending")
        .order_by(col(NewsletterContribution.id)))).scalars())


async def pending_photo(session: AsyncSession, contribution_id: int) -> str:
    """The photo of a contribution still to review (a coordinator looks at it before accepting)."""
    contribution = await session.get(NewsletterContribution, contribution_id)
    if contribution is None or contribution.status != "pending" or contribution.photo_file_id is None:
        raise StaleButton
    return contribution.photo_file_id


async def author_of(session: AsyncSession, contribution: NewsletterContribution) -> User:
    author = await session.get(User, contribution.user_id)
    assert author is not None
    return author


async def _access_pending(session: AsyncSession, contribution_id: int) -> NewsletterContribution:
    """A contribution still to review; reviewed already (a second tap, another coordinator) or gone: stale."""
    contribution = (await session.execute(
        select(NewsletterContribution).where(col(NewsletterContribution.id) == contribution_id,
                                             col(NewsletterContribution.status) == "pending")
        .with_for_update())).scalar_one_or_none()
    if contribution is None:
        raise StaleButton
    return contribution


async def _tell_author(session: AsyncSession, contribution: NewsletterContribution, text: str) -> None:
    author = await author_of(session, contribution)
    if author.telegram_id is None or author.blocked_at is not None:
        return
    campaign, _new = await outbox.create_campaign(
        session, kind=KIND, title=t("fr", "Contribution à la Lettre du Climat {month}", month=contribution.month),
        source_key=f"newsletter:contribution:{contribution.id}")
    await outbox.enqueue(session, campaign, [outbox.Outgoing(author.telegram_id, [outbox.Part(text)], author.id)])


async def accept(session: AsyncSession, contribution_id: int, *, now: datetime) -> NewsletterContribution:
    """Print it in its issue (which must not be sent yet), and thank its author."""
    contribution = await _access_pending(session, contribution_id)
    issue = await newsletter.get_issue(session, contribution.month)
    if issue is not None and issue.sent_at is not None:
        raise DomainError(N_("La lettre de {month} est déjà partie : elle ne peut plus être modifiée."),
                          month=contribution.month)
    contribution.status, contribution.reviewed_at = "accepted", now
    locale = normalize_locale((await author_of(session, contribution)).locale)
    await _tell_author(session, contribution, t(
        locale, "📰 Merci ! Votre contribution paraîtra dans la Lettre du Climat de {month}.",
        month=newsletter.month_label(contribution.month, locale)))
    await session.flush()
    return contribution


async def decline(session: AsyncSession, contribution_id: int, note: str, *, now: datetime) -> NewsletterContribution:
    """Decline it with one of the kind notes, told to its author in their language."""
    if note not in NOTES:
        raise StaleButton
    contribution = await _access_pending(session, contribution_id)
    contribution.status, contribution.note, contribution.reviewed_at = "declined", note, now
    locale = normalize_locale((await author_of(session, contribution)).locale)
    await _tell_author(session, contribution, t(
        locale, "📰 Merci pour votre contribution à la Lettre du Climat. Nous ne la publierons pas cette fois : "
                "{note} Vos idées restent les bienvenues !", note=t(locale, NOTES[note])))
    await session.flush()
    return contribution
