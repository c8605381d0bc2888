"""The Climate Newsletter's rules: subscriptions, preparing an issue in two languages, scheduling, sending once.

Each issue goes out as one outbox campaign with source_key "newsletter:YYYY-MM"; the outbox's unique
(campaign, chat) key means a second trigger, a restart or a race never sends an issue twice to anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from babel.dates import format_date
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import BABEL_LOCALES, LOCALES, N_, normalize_locale, t
from models.base import utcnow
from models.newsletter import NewsletterContribution, NewsletterIssue, NewsletterSubscription
from models.outbox import Campaign
from models.user import User
from services import outbox
from services.callbacks import button, keyboard
from services.callbacks.newsletter import ReaderCb
from services.errors import DomainError
from services.markdown_telegram import markdown_blocks, split_html
from services.parsing import parse_moment
from services.timing import check_schedulable, first_weekday_of_month, paris_datetime, to_paris, utc

KIND = "newsletter"
TEST_KIND = "newsletter-test"
# By default an issue goes out on the first Tuesday of its month at 10:00, Paris time.
DEFAULT_WEEKDAY = 1
DEFAULT_CLOCK = time(10, 0)
# A run missed while the bot was down is still sent if it is at most this late (as the scheduler's grace);
# later than that the coordinator decides (send now, or a new date) rather than readers getting a stale issue.
CATCH_UP = timedelta(hours=12)
TITLE_MAX = 200
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class IssueText:
    title: str
    body: str


# -- subscriptions -------------------------------------------------------------------------------------

async def get_subscription(session: AsyncSession, user_id: int) -> NewsletterSubscription | None:
    return (await session.execute(select(NewsletterSubscription).where(
        col(NewsletterSubscription.user_id) == user_id))).scalar_one_or_none()


async def subscribe(session: AsyncSession, user: User, locale: str) -> NewsletterSubscription:
    """Subscribe (or resubscribe, or change language); one row per person."""
    assert user.id is not None
    if locale not in LOCALES:
        raise DomainError(N_("Cette langue n'est pas disponible."))
    subscription = await get_subscription(session, user.id)
    if subscription is None:
        subscription = NewsletterSubscription(user_id=user.id, locale=locale)
        session.add(subscription)
    subscription.locale = locale
    subscription.active = True
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def unsubscribe(session: AsyncSession, user: User) -> bool:
    """Stop sending; True if they were subscribed."""
    assert user.id is not None
    subscription = await get_subscription(session, user.id)
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    subscription.updated_at = utcnow()
    await session.flush()
    return True


async def subscriber_counts(session: AsyncSession) -> dict[str, int]:
    """Active subscribers the bot can reach, by language."""
    rows = await session.execute(
        select(col(NewsletterSubscription.locale), func.count())
        .join(User, col(User.id) == col(NewsletterSubscription.user_id))
        .where(col(NewsletterSubscription.active), col(User.telegram_id).is_not(None), col(User.blocked_at).is_(None))
        .group_by(col(NewsletterSubscription.locale)))
    return {locale: count for locale, count in rows.all()}


# -- months and texts ----------------------------------------------------------------------------------

def parse_month(text: str) -> str:
    """'2026-12' (or '2026-1') → '2026-12'; anything else is refused."""
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(N_("Le mois s'écrit AAAA-MM, par exemple {example}."), example="2026-12")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def month_start(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)


def month_label(month: str, locale: str) -> str:
    """'décembre 2026' / 'December 2026'."""
    label = format_date(month_start(month), "LLLL y", locale=BABEL_LOCALES[normalize_locale(locale)])
    return label[:1].upper() + label[1:] if normalize_locale(locale) == "en" else label


def check_month_open(month: str, now: datetime) -> None:
    """An issue can be prepared for this month or a later one, not for a month already over."""
    today = to_paris(now).date().replace(day=1)
    if month_start(month) < today:
        raise DomainError(N_("Le mois {month} est passé : choisissez ce mois-ci ou un mois à venir."), month=month)


def upcoming_months(now: datetime, count: int = 2) -> list[str]:
    first = to_paris(now).date().replace(day=1)
    months = []
    for _ in range(count):
        months.append(f"{first.year:04d}-{first.month:02d}")
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def parse_document(text: str) -> IssueText:
    """A Markdown document: its first non-empty line is the title ('# ' allowed), the rest is the body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise DomainError(N_("Le texte est vide : la première ligne est le titre, la suite le corps de la lettre."))
    title = lines[0].strip().lstrip("#").strip()
    body = "\n".join(lines[1:]).strip("\n")
    if not title:
        raise DomainError(N_("Il manque le titre : la première ligne du texte."))
    if len(title) > TITLE_MAX:
        raise DomainError(N_("Le titre est trop long ({max} caractères au plus)."), max=TITLE_MAX)
    if not body.strip() or not markdown_blocks(body):
        raise DomainError(N_("Le corps de la lettre est vide : écrivez le titre sur la première ligne, puis le "
                             "texte en dessous."))
    return IssueText(title, body)


# -- issues --------------------------------------------------------------------------------------------

async def get_issue(session: AsyncSession, month: str, *, lock: bool = False) -> NewsletterIssue | None:
    """The issue of a month; `lock` holds its row (PostgreSQL) so two senders cannot both see it unsent."""
    statement = select(NewsletterIssue).where(col(NewsletterIssue.month) == month)
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def require_issue(session: AsyncSession, month: str, *, lock: bool = False) -> NewsletterIssue:
    issue = await get_issue(session, month, lock=lock)
    if issue is None:
        raise DomainError(N_("Il n'y a pas de lettre pour {month}."), month=month)
    return issue


async def recent_issues(session: AsyncSession, limit: int = 12) -> list[NewsletterIssue]:
    return list((await session.execute(
        select(NewsletterIssue).order_by(col(NewsletterIssue.month).desc()).limit(limit))).scalars())


async def sent_issues(session: AsyncSession, limit: int | None = 12) -> list[NewsletterIssue]:
    """Issues readers may read again, newest first (all of them when `limit` is None)."""
    return list((await session.execute(
        select(NewsletterIssue).where(col(NewsletterIssue.sent_at).is_not(None))
        .order_by(col(NewsletterIssue.month).desc()).limit(limit))).scalars())


async def access_month(session: AsyncSession, month: str, *, now: datetime) -> NewsletterIssue | None:
    """The desk may open an existing issue of any month, and start one only for this month or a later one."""
    issue = await get_issue(session, month)
    if issue is None:
        check_month_open(month, now)
    return issue


def _check_not_sent(issue: NewsletterIssue) -> None:
    if issue.sent_at is not None:
        raise DomainError(N_("La lettre de {month} est déjà partie : elle ne peut plus être modifiée."),
                          month=issue.month)


async def save_text(session: AsyncSession, month: str, locale: str, text: IssueText, *, now: datetime,
                    created_by: int | None = None) -> NewsletterIssue:
    """Create the issue of a month, or replace one language of it (until it is sent)."""
    if locale not in LOCALES:
        raise DomainError(N_("Cette langue n'est pas disponible."))
    check_month_open(month, now)
    issue = await get_issue(session, month)
    if issue is None:
        issue = NewsletterIssue(month=month, created_by=created_by)
        session.add(issue)
    _check_not_sent(issue)
    setattr(issue, f"title_{locale}", text.title)
    setattr(issue, f"body_{locale}", text.body)
    issue.updated_at = utcnow()
    await session.flush()
    return issue


async def set_fallback(session: AsyncSession, month: str, allow: bool) -> NewsletterIssue:
    """Whether readers of a missing language get the other one (the coordinator's explicit choice)."""
    issue = await require_issue(session, month)
    _check_not_sent(issue)
    issue.allow_fallback = allow
    issue.updated_at = utcnow()
    await session.flush()
    return issue


def has_language(issue: NewsletterIssue, locale: str) -> bool:
    return bool(getattr(issue, f"title_{locale}") and getattr(issue, f"body_{locale}").strip())


def check_written(issue: NewsletterIssue, locale: str) -> None:
    if not has_language(issue, locale):
        raise DomainError(N_("La version {language} n'est pas encore écrite."), language=locale.upper())


def missing_languages(issue: NewsletterIssue) -> list[str]:
    return [locale for locale in LOCALES if not has_language(issue, locale)]


def language_for(issue: NewsletterIssue, locale: str) -> str | None:
    """The language this reader gets: theirs, or the other one if the coordinator allowed it."""
    if has_language(issue, locale):
        return locale
    if issue.allow_fallback:
        return next((other for other in LOCALES if has_language(issue, other)), None)
    return None


def check_ready(issue: NewsletterIssue) -> None:
    """Refuse an issue that cannot go out: no text, or a language missing without the fallback chosen."""
    missing = missing_languages(issue)
    if len(missing) == len(LOCALES):
        raise DomainError(N_("La lettre de {month} n'a encore aucun texte."), month=issue.month)
    if missing and not issue.allow_fallback:
        raise DomainError(N_("Il manque la version {languages}. Ajoutez-la, ou choisissez d'envoyer l'autre "
                             "langue à ces lecteurs."), languages=", ".join(code.upper() for code in missing))


def default_send_at(month: str, now: datetime, *, weekday: int = DEFAULT_WEEKDAY,
                    clock: time = DEFAULT_CLOCK) -> datetime | None:
    """By default the first Tuesday of the month at 10:00 Paris time, in UTC; None if that moment is past."""
    first = month_start(month)
    day = first_weekday_of_month(first.year, first.month, weekday)
    moment = utc(paris_datetime(day, clock))
    return moment if moment > now else None


def parse_send_at(text: str, now: datetime) -> datetime:
    """A moment typed in Paris time, as everywhere in the bot (services.parsing.parse_moment) → aware UTC;
    refused when that day's clock change skips or repeats it."""
    moment = parse_moment(text, now)
    check_schedulable(moment)
    return utc(moment)


async def check_sendable(session: AsyncSession, month: str) -> tuple[NewsletterIssue, int]:
    """The issue and its reader count, if it can go out: not sent yet, text ready, someone to read it."""
    issue = await require_issue(session, month, lock=True)
    _check_not_sent(issue)
    check_ready(issue)
    readers = sum((await subscriber_counts(session)).values())
    if not readers:
        raise DomainError(N_("Personne n'est abonné à la lettre pour l'instant : rien à envoyer."))
    return issue, readers


async def schedule(session: AsyncSession, month: str, send_at: datetime, *, now: datetime,
                   report_chat_id: int | None = None) -> NewsletterIssue:
    """Set when the issue goes out, after checking it can: text ready, a future time, someone to read it."""
    issue, _readers = await check_sendable(session, month)
    check_schedulable(to_paris(send_at))
    if send_at <= now:
        raise DomainError(N_("Cette date est passée : choisissez un moment à venir."))
    issue.send_at = utc(send_at)
    issue.report_chat_id = report_chat_id
    issue.updated_at = utcnow()
    await session.flush()
    return issue


async def unschedule(session: AsyncSession, month: str) -> NewsletterIssue:
    issue = await require_issue(session, month)
    _check_not_sent(issue)
    issue.send_at = None
    await session.flush()
    return issue


# -- rendering and sending -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Contribution:
    """An accepted contribution as printed: its text, and its author's first name if they agreed."""

    text: str
    author: str | None
    photo: str | None = None  # a Telegram file_id: sent after the issue's text, credited like the text


async def contributions_for(session: AsyncSession, month: str, locale: str) -> list[Contribution]:
    """The accepted contributions printed at the end of the issue of `month` in `locale`, oldest first."""
    rows = await session.execute(
        select(col(NewsletterContribution.text), col(NewsletterContribution.credit), col(User.full_name),
               col(NewsletterContribution.photo_file_id))
        .join(User, col(User.id) == col(NewsletterContribution.user_id))
        .where(col(NewsletterContribution.month) == month, col(NewsletterContribution.locale) == locale,
               col(NewsletterContribution.status) == "accepted")
        .order_by(col(NewsletterContribution.id)))
    return [Contribution(text, (name or "").split()[0] if credit and (name or "").split() else None, photo)
            for text, credit, name, photo in rows.all()]


def _contribution_blocks(locale: str, contributions: Sequence[Contribution]) -> list[str]:
    if not contributions:
        return []
    lines = [t(locale, "<b>Vos contributions</b>")]
    for contribution in contributions:
        quoted = f"« {escape(contribution.text)} »" if locale == "fr" else f"“{escape(contribution.text)}”"
        lines.append(f"{quoted} — {escape(contribution.author)}" if contribution.author else quoted)
    return ["\n\n".join(lines)]


def render(issue: NewsletterIssue, locale: str, *, reader_locale: str | None = None,
           contributions: Sequence[Contribution] = ()) -> list[str]:
    """The issue in one language as Telegram HTML messages (header, title, body split at paragraphs, then the
    readers' accepted contributions in that language)."""
    reader = reader_locale or locale
    header = t(reader, "📰 <b>Lettre du Climat</b> — {month}", month=escape(month_label(issue.month, reader)))
    title = f"<b>{escape(getattr(issue, f'title_{locale}'))}</b>"
    return split_html([f"{header}\n{title}", *markdown_blocks(getattr(issue, f"body_{locale}")),
                       *_contribution_blocks(locale, contributions)])


async def rendered(session: AsyncSession, issue: NewsletterIssue, locale: str, *,
                   reader_locale: str | None = None) -> list[str]:
    """`render` with the contributions accepted for this issue and language."""
    return render(issue, locale, reader_locale=reader_locale,
                  contributions=await contributions_for(session, issue.month, locale))


async def read_again(session: AsyncSession, issue: NewsletterIssue, reader_locale: str) -> list[str]:
    """A sent issue read again: the reader's language, else any written one (better than nothing here)."""
    language = language_for(issue, reader_locale) or next(code for code in LOCALES if has_language(issue, code))
    return await rendered(session, issue, language, reader_locale=reader_locale)


def unsubscribe_markup(locale: str) -> dict[str, Any]:
    """The one-tap "Unsubscribe" under every issue."""
    return keyboard([button(t(locale, "Se désabonner"), ReaderCb(action="unsub"))])


def _photo_caption(contribution: Contribution, reader_locale: str) -> str:
    if contribution.author:
        return t(reader_locale, "📷 Photo de {name}", name=escape(contribution.author))
    return t(reader_locale, "📷 Photo d'un lecteur")


async def _reader_parts(session: AsyncSession, issue: NewsletterIssue, language: str,
                        reader_locale: str) -> list[outbox.Part]:
    """What one reader gets: the issue's messages, then the contributions' photos, "Unsubscribe" under the last."""
    contributions = await contributions_for(session, issue.month, language)
    parts = [outbox.Part(text) for text in render(issue, language, reader_locale=reader_locale,
                                                  contributions=contributions)]
    parts += [outbox.Part(_photo_caption(contribution, reader_locale), photo=contribution.photo)
              for contribution in contributions if contribution.photo]
    last = parts[-1]
    parts[-1] = outbox.Part(last.text, unsubscribe_markup(reader_locale), last.photo)
    return parts


async def _outgoing_parts(session: AsyncSession, issue: NewsletterIssue,
                          reader_locale: str) -> list[outbox.Part] | None:
    language = language_for(issue, reader_locale)
    if language is None:
        return None
    return await _reader_parts(session, issue, language, reader_locale)


async def send_issue(session: AsyncSession, issue: NewsletterIssue, *, now: datetime,
                     report_chat_id: int | None = None, locale: str = "fr",
                     sent_by: int | None = None) -> tuple[Campaign, int]:
    """Enqueue the issue for every reachable subscriber, each in their language; idempotent.

    `sent_by` is the coordinator who sends it now (the writer when it goes out on schedule): the live
    progress and the report speak their language, as `locale` (the campaign's title) does.
    """
    check_ready(issue)
    campaign, _new = await outbox.create_campaign(
        session, kind=KIND, title=t(locale, "Lettre du Climat {month}", month=issue.month),
        source_key=f"newsletter:{issue.month}", created_by=sent_by or issue.created_by,
        report_chat_id=report_chat_id or issue.report_chat_id)
    parts_by_locale = {locale: await _outgoing_parts(session, issue, locale) for locale in LOCALES}
    readers = await session.execute(
        select(col(User.id), col(User.telegram_id), col(NewsletterSubscription.locale))
        .join(User, col(User.id) == col(NewsletterSubscription.user_id))
        .where(col(NewsletterSubscription.active), col(User.telegram_id).is_not(None), col(User.blocked_at).is_(None))
        .order_by(col(NewsletterSubscription.id)))
    messages = (outbox.Outgoing(chat_id, parts, user_id)
                for user_id, chat_id, locale in readers.all()
                if chat_id is not None and (parts := parts_by_locale.get(normalize_locale(locale))) is not None)
    enqueued = await outbox.enqueue(session, campaign, messages)
    if issue.sent_at is None:
        issue.sent_at = now
    issue.campaign_id = campaign.id
    await session.flush()
    return campaign, enqueued


async def send_now(session: AsyncSession, month: str, *, now: datetime, report_chat_id: int | None = None,
                   locale: str = "fr", sent_by: int | None = None) -> tuple[Campaign, int]:
    """The coordinator's "send now": the same checks as scheduling, then the same idempotent sending."""
    issue, _readers = await check_sendable(session, month)
    issue.send_at = now
    return await send_issue(session, issue, now=now, report_chat_id=report_chat_id, locale=locale, sent_by=sent_by)


async def send_due(session: AsyncSession, now: datetime) -> list[str]:
    """Send every scheduled issue whose time has come (at most CATCH_UP late); returns their months."""
    due = (await session.execute(
        select(NewsletterIssue).where(col(NewsletterIssue.sent_at).is_(None),
                                      col(NewsletterIssue.send_at) <= now,
                                      col(NewsletterIssue.send_at) >= now - CATCH_UP)
        # a concurrent run holding an issue skips it here; it re-checks sent_at once the holder commits
        .order_by(col(NewsletterIssue.send_at)).with_for_update(skip_locked=True))).scalars().all()
    sent = []
    for issue in due:
        await send_issue(session, issue, now=now)
        sent.append(issue.month)
    return sent


async def missed_issues(session: AsyncSession, now: datetime) -> list[NewsletterIssue]:
    """Scheduled issues that were not sent within CATCH_UP of their time (the bot was down too long)."""
    return list((await session.execute(
        select(NewsletterIssue).where(col(NewsletterIssue.sent_at).is_(None),
                                      col(NewsletterIssue.send_at) < now - CATCH_UP))).scalars())


async def send_test(session: AsyncSession, month: str, locale: str, *, chat_id: int,
                    user_id: int | None) -> Campaign:
    """The issue in one language to the coordinator alone, through the outbox exactly as readers get it."""
    issue = await require_issue(session, month)
    check_written(issue, locale)
    campaign, _new = await outbox.create_campaign(
        session, kind=TEST_KIND, title=t("fr", "Test de la Lettre du Climat {month}", month=month),
        created_by=user_id, report_chat_id=None)
    parts = await _reader_parts(session, issue, locale, locale)
    await outbox.enqueue(session, campaign, [outbox.Outgoing(chat_id, parts, user_id)])
    return campaign
