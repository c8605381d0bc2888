"""SME subscriptions to procurement notices: consent, subscriptions, matching deliveries, digests, search."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t, tn
from locales.formatting import format_day, format_money, format_when
from models.base import utcnow
from models.procurement import Notice, NoticeDelivery, Subscription, TenderConsent, TenderDigest
from models.user import User
from services import outbox
from services.errors import DomainError
from services.procurement import cpv
from services.procurement.formats import PROCEDURES
from services.procurement.matching import KINDS, PLACES, NoticeFacts, SubscriptionIndex, SubscriptionRule, stems
from services.timing import to_paris

MAX_SUBSCRIPTIONS = 20
MAX_KEYWORDS = 10
MAX_CPV = 20
KEYWORD_MAX_LENGTH = 40
PAGE_LIMIT = 3500  # room under Telegram's 4096 for the page header
# More instant matches than this for one person in one import become one paginated message: Telegram
# lets a bot send about one message per second to a chat, and nobody wants fifty in a row.
BURST_LIMIT = 3

# A record published longer ago than this when it is imported is history (backfill): stored, never sent as new.
NEWS_WINDOW = timedelta(days=60)
CLOSING_SOON = timedelta(days=7)

PLACE_LABELS = {
    "75": N_("Paris"), "92": N_("Hauts-de-Seine (92)"), "93": N_("Seine-Saint-Denis (93)"),
    "94": N_("Val-de-Marne (94)"), "idf": N_("Île-de-France"), "fr": N_("Toute la France"),
}
KIND_LABELS = {
    "call": N_("Appels d'offres ouverts"), "award": N_("Marchés attribués"),
    "renewal": N_("Marchés à renouveler"),
}
# What a subscriber gets by default: all three, because today's data is mostly award data (DECP) and calls
# for tender come from eForms and BOAMP: a default that only wanted calls would receive nothing from DECP.
DEFAULT_KINDS = ["call", "award", "renewal"]
FREQUENCY_LABELS = {"instant": N_("Aussitôt"), "daily": N_("Un résumé par jour à 8 h")}


# -- consent -------------------------------------------------------------------------------------------

async def has_consent(session: AsyncSession, user: User) -> bool:
    return await session.get(TenderConsent, user.id) is not None


async def give_consent(session: AsyncSession, user: User) -> None:
    if not await has_consent(session, user):
        assert user.id is not None
        session.add(TenderConsent(user_id=user.id))
        await session.flush()


# -- subscriptions -------------------------------------------------------------------------------------

@dataclass
class Draft:
    """A subscription being written, as the conversation keeps it."""

    cpv_prefixes: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    amount_min: float | None = None
    amount_max: float | None = None
    kinds: list[str] = field(default_factory=lambda: list(DEFAULT_KINDS))
    frequency: str = "instant"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}

    @classmethod
    def of(cls, subscription: Subscription) -> Draft:
        return cls(list(subscription.cpv_prefixes), list(subscription.keywords), list(subscription.places),
                   subscription.amount_min, subscription.amount_max, list(subscription.kinds),
                   subscription.frequency)


def check_draft(draft: Draft) -> Draft:
    """Refuse what cannot be a subscription; return it cleaned (known values only, sorted)."""
    prefixes = sorted({p for p in draft.cpv_prefixes if cpv.get(p.ljust(8, "0")) is not None})
    if not prefixes and not draft.keywords:
        raise DomainError(N_("Choisissez au moins un métier (code CPV) ou un mot-clé."))
    if not draft.kinds or not set(draft.kinds) <= set(KINDS):
        raise DomainError(N_("Choisissez au moins un type d'avis."))
    if draft.frequency not in FREQUENCY_LABELS:
        raise DomainError(N_("Choisissez quand recevoir les avis."))
    if draft.amount_min is not None and draft.amount_max is not None and draft.amount_min > draft.amount_max:
        raise DomainError(N_("Le montant minimum dépasse le maximum."))
    return Draft(prefixes[:MAX_CPV], draft.keywords[:MAX_KEYWORDS], sorted(set(draft.places) & set(PLACES)),
                 draft.amount_min, draft.amount_max, [k for k in KINDS if k in draft.kinds], draft.frequency)


def parse_keywords(text: str) -> list[str]:
    """Keywords typed as "nettoyage, espaces verts": each a word or phrase, searched stemmed and accent-free."""
    keywords = [" ".join(part.split()) for part in re.split(r"[,;\n]", text)]
    keywords = [keyword for keyword in keywords if keyword]
    if not keywords or not all(stems(keyword) for keyword in keywords):
        raise DomainError(N_("Écrivez un ou plusieurs mots-clés séparés par des virgules, par exemple : "
                             "nettoyage, voirie."))
    if len(keywords) > MAX_KEYWORDS:
        raise DomainError(N_("{max} mots-clés au plus."), max=MAX_KEYWORDS)
    if any(len(keyword) > KEYWORD_MAX_LENGTH for keyword in keywords):
        raise DomainError(N_("Un mot-clé a {max} caractères au plus."), max=KEYWORD_MAX_LENGTH)
    return list(dict.fromkeys(keywords))


_AMOUNT_RE = re.compile(r"(\d[\d\s.,\u202f\xa0]*)\s*(k|m|€|eur)?", re.IGNORECASE)


def _number(text: str, suffix: str | None) -> float:
    digits = re.sub(r"[\s\u202f\xa0]", "", text)
    if "," in digits and "." not in digits and len(digits.split(",")[-1]) != 3:
        digits = digits.replace(",", ".")
    digits = digits.replace(",", "") if digits.count(".") <= 1 else digits.replace(".", "").replace(",", "")
    value = float(digits)
    factor = {"k": 1_000, "m": 1_000_000}.get((suffix or "").lower(), 1)
    return value * factor


def parse_amount_range(text: str) -> tuple[float | None, float | None]:
    """"10000-200000", "50 k à 1 M", "> 40000", "max 90000", "0" for any amount: (min, max) in euros."""
    folded = text.strip().lower()
    if folded in ("0", "-", "tous", "all", "any"):
        return None, None
    numbers = [_number(number, suffix) for number, suffix in _AMOUNT_RE.findall(folded)
               if re.search(r"\d", number)]
    if not numbers or len(numbers) > 2:
        raise DomainError(N_("Écrivez un montant ou une fourchette en euros, par exemple 40000-200000, "
                             "« > 90000 » ou « max 40000 »."))
    if len(numbers) == 2:
        low, high = sorted(numbers)
        return low, high
    if folded.startswith(("<", "max", "jusqu", "up to", "under", "moins")):
        return None, numbers[0]
    return numbers[0], None


async def list_subscriptions(session: AsyncSession, user: User) -> list[Subscription]:
    return list((await session.execute(
        select(Subscription).where(col(Subscription.user_id) == user.id).order_by(col(Subscription.id))
    )).scalars())


async def get_own_subscription(session: AsyncSession, user: User, subscription_id: int) -> Subscription:
    """The subscription if it is this user's; anyone else's (or a deleted one) is refused alike."""
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise DomainError(N_("Cet abonnement n'existe plus."))
    return subscription


async def save_subscription(session: AsyncSession, user: User, draft: Draft,
                            subscription_id: int | None = None) -> Subscription:
    """Create a subscription, or replace the criteria of one of this user's."""
    clean = check_draft(draft)
    if not await has_consent(session, user):
        raise DomainError(N_("Il faut d'abord accepter que nous gardions vos abonnements."))
    if subscription_id is None:
        count = (await session.execute(select(func.count()).where(col(Subscription.user_id) == user.id))).scalar_one()
        if count >= MAX_SUBSCRIPTIONS:
            raise DomainError(N_("Vous avez déjà {max} abonnements : supprimez-en un d'abord."),
                              max=MAX_SUBSCRIPTIONS)
        assert user.id is not None
        subscription = Subscription(user_id=user.id)
        session.add(subscription)
    else:
        subscription = await get_own_subscription(session, user, subscription_id)
    for key, value in clean.as_dict().items():
        setattr(subscription, key, value)
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def set_paused(session: AsyncSession, user: User, subscription_id: int, paused: bool) -> Subscription:
    subscription = await get_own_subscription(session, user, subscription_id)
    subscription.paused = paused
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def delete_subscription(session: AsyncSession, user: User, subscription_id: int) -> None:
    subscription = await get_own_subscription(session, user, subscription_id)
    await session.delete(subscription)
    await session.flush()


def describe(draft: Draft, locale: str) -> str:
    """The criteria in a few lines, in the reader's language."""
    trades = "\n".join(f"  • {p} {escape(cpv.label_for_prefix(p, locale))}" for p in draft.cpv_prefixes)
    lines = [
        t(locale, "<b>Métiers (CPV)</b> :") + ("\n" + trades if trades else " " + t(locale, "tous")),
        t(locale, "<b>Mots-clés</b> : {value}", value=escape(", ".join(draft.keywords)) or t(locale, "aucun")),
        t(locale, "<b>Lieux</b> : {value}",
          value=", ".join(t(locale, PLACE_LABELS[p]) for p in draft.places) or t(locale, "partout")),
        t(locale, "<b>Montant</b> : {value}", value=amount_label(draft.amount_min, draft.amount_max, locale)),
        t(locale, "<b>Avis</b> : {value}", value=", ".join(t(locale, KIND_LABELS[k]) for k in draft.kinds) or "—"),
        t(locale, "<b>Envoi</b> : {value}", value=t(locale, FREQUENCY_LABELS.get(draft.frequency, "—"))),
    ]
    return "\n".join(lines)


def amount_label(low: float | None, high: float | None, locale: str) -> str:
    if low is None and high is None:
        return t(locale, "tous montants")
    if low is None:
        return t(locale, "jusqu'à {high}", high=format_money(high or 0, locale))
    if high is None:
        return t(locale, "à partir de {low}", low=format_money(low, locale))
    return t(locale, "de {low} à {high}", low=format_money(low, locale), high=format_money(high, locale))


# -- notices as people read them -----------------------------------------------------------------------

def place_label(notice: Notice, locale: str) -> str:
    if notice.department == "75":
        return t(locale, "Paris")
    if notice.department:
        return t(locale, "département {code}", code=notice.department)
    if notice.region == "11":
        return t(locale, "Île-de-France")
    if notice.country and notice.country != "FR":
        return notice.country
    return t(locale, "non précisé")


def deadline_label(notice: Notice, locale: str, now: datetime | None = None) -> str:
    """"lundi 4 février 2020, 10:00 (heure de Paris) — plus que 5 jours", or "closed"; "non précisée" if none."""
    if notice.deadline is None:
        return t(locale, "non précisée")
    when = t(locale, "{when} (heure de Paris)", when=format_when(notice.deadline, locale))
    if now is None:
        return when
    if notice.deadline <= now:
        return t(locale, "{when} — clos", when=when)
    days = (to_paris(notice.deadline).date() - to_paris(now).date()).days
    if days == 0:
        return t(locale, "{when} — c'est aujourd'hui", when=when)
    return when + " — " + tn(locale, "plus que {n} jour", "plus que {n} jours", days)


def render_notice(notice: Notice, locale: str, matched_as: str | None = None, now: datetime | None = None) -> str:
    """A notice with what a bidder needs first; HTML, everything from the data escaped."""
    kind = matched_as or notice.kind
    header = {"call": t(locale, "📢 <b>Appel d'offres</b>"), "award": t(locale, "🏆 <b>Marché attribué</b>"),
              "renewal": t(locale, "🔁 <b>Marché bientôt à renouveler</b>")}[kind]
    title = ((notice.details or {}).get("titles") or {}).get(locale) or notice.title  # multilingual notices
    lines = [header, f"<b>{escape(title[:600])}</b>"]
    if notice.cpv_codes:
        lines.append(t(locale, "Achat : {value}", value=escape(
            "; ".join(f"{code} {cpv.label(code, locale)}" for code in notice.cpv_codes[:3]))))
    lines.append(t(locale, "Acheteur : {value}", value=escape(notice.buyer or "—")))
    lines.append(t(locale, "Lieu : {value}", value=escape(place_label(notice, locale))))
    if notice.amount is not None:
        lines.append(t(locale, "Montant : {value}", value=format_money(notice.amount, locale,
                                                                      notice.currency or "EUR")))
    if notice.status == "cancelled":
        lines.insert(1, t(locale, "❌ <b>Annulé par l'acheteur</b>"))
    if notice.kind == "call":
        lines.append(t(locale, "⏳ Date limite : {value}", value=deadline_label(notice, locale, now)))
        lots = (notice.details or {}).get("lots") or []
        if len(lots) > 1:
            lines.append(tn(locale, "{n} lot", "{n} lots", len(lots)))
    else:
        lines.append(t(locale, "Titulaire : {value}", value=escape(notice.winner or "—")))
        if notice.awarded_at:
            lines.append(t(locale, "Attribué le : {value}", value=format_day(notice.awarded_at, locale)))
        if notice.term_end:
            lines.append(t(locale, "Fin du marché : {value}", value=format_day(notice.term_end, locale)))
    if notice.procedure:
        lines.append(t(locale, "Procédure : {value}", value=t(locale, PROCEDURES.get(notice.procedure,
                                                                                      PROCEDURES["other"]))))
    if notice.url:
        lines.append(f'🔗 <a href="{escape(notice.url, quote=True)}">{t(locale, "Voir la source")}</a>')
    else:
        lines.append(t(locale, "Source : données essentielles (DECP), réf. {ref}",
                       ref=escape(notice.source_id)))
    return "\n".join(lines)


def notice_markup(notice: Notice, subscription_id: int, locale: str) -> dict[str, Any]:
    """Under a delivered notice: ⭐ follow it (an open call with a deadline), and unsubscribe in one tap."""
    from services.callbacks import button, keyboard  # aiogram's CallbackData: loaded only when sending
    from services.callbacks.procurement import FollowCb, UnsubscribeCb

    rows = []
    if notice.kind == "call" and notice.deadline is not None:
        rows.append([button(t(locale, "⭐ Suivre (rappels avant la date limite)"),
                            FollowCb(action="on", notice=notice.id or 0))])
    rows.append([button(t(locale, "🔕 Se désabonner"), UnsubscribeCb(subscription_id=subscription_id))])
    return keyboard(*rows)


def paginate(blocks: Sequence[str], limit: int = PAGE_LIMIT) -> list[str]:
    """Group blocks into pages under `limit` characters; no block is ever cut."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if current and size + len(block) + 2 > limit:
            pages.append("\n\n".join(current))
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
    if current:
        pages.append("\n\n".join(current))
    return pages


# -- matching and delivery -----------------------------------------------------------------------------

def facts(notice: Notice) -> NoticeFacts:
    assert notice.id is not None
    return NoticeFacts(notice.id, notice.kind, tuple(notice.cpv_codes), f"{notice.title} {notice.buyer or ''}",
                       notice.country, notice.department, notice.region, notice.amount, notice.term_end)


async def load_index(session: AsyncSession) -> SubscriptionIndex:
    """Active subscriptions of people the bot can reach (not paused, not blocked, not erased)."""
    rows = (await session.execute(
        select(Subscription).join(User, col(User.id) == col(Subscription.user_id))
        .where(col(Subscription.paused).is_(False), col(User.blocked_at).is_(None),
               col(User.telegram_id).is_not(None)))).scalars()
    return SubscriptionIndex.build(
        SubscriptionRule.build(id=s.id or 0, user_id=s.user_id, cpv_prefixes=s.cpv_prefixes, keywords=s.keywords,
                               places=s.places, amount_min=s.amount_min, amount_max=s.amount_max, kinds=s.kinds,
                               frequency=s.frequency)
        for s in rows)


def _insert_ignore(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(NoticeDelivery).on_conflict_do_nothing(
            index_elements=["subscription_id", "notice_id"])
    return sqlite.insert(NoticeDelivery).on_conflict_do_nothing(index_elements=["subscription_id", "notice_id"])


Match = tuple[SubscriptionRule, int, str]  # (subscription, notice id, matched as)


async def deliver_matches(session: AsyncSession, index: SubscriptionIndex, notices: Iterable[Notice],
                          now: datetime, pending: list[Match] | None = None) -> int:
    """Record each new (subscription, notice) match once; send instant ones through the outbox now, or
    add them to `pending` (an import sends all of its instant matches at its end, one message per person).

    Daily ones wait for the 08:00 digest. Returns how many matches were new.
    """
    by_id = {notice.id or 0: notice for notice in notices if notice.status != "cancelled"}
    # history is never sent as new; an old award whose contract ends soon is still a renewal lead
    matches = [(rule, notice_id, kind) for notice_id, notice in by_id.items()
               for rule, kind in index.match(facts(notice), now) if kind == "renewal" or is_news(notice, now)]
    if not matches:
        return 0
    existing = {(row[0], row[1]) for row in (await session.execute(
        select(col(NoticeDelivery.subscription_id), col(NoticeDelivery.notice_id))
        .where(col(NoticeDelivery.notice_id).in_(list(by_id)))))}
    new = [(rule, notice_id, kind) for rule, notice_id, kind in matches if (rule.id, notice_id) not in existing]
    if not new:
        return 0
    await session.execute(_insert_ignore(session), [
        {"subscription_id": rule.id, "notice_id": notice_id, "user_id": rule.user_id, "frequency": rule.frequency,
         "matched_as": kind, "created_at": now} for rule, notice_id, kind in new])
    instant = [(rule, notice_id, kind) for rule, notice_id, kind in new if rule.frequency == "instant"]
    if pending is not None:
        pending += instant
    elif instant:
        await send_instant(session, instant, now)
    return len(new)


async def send_instant(session: AsyncSession, instant: list[Match], now: datetime) -> None:
    """Instant matches to their people: up to BURST_LIMIT notices as messages, more as one paginated one."""
    if not instant:
        return
    notices = {n.id: n for n in (await session.execute(
        select(Notice).where(col(Notice.id).in_({notice_id for _, notice_id, _ in instant})))).scalars()}
    people = {user.id: user for user in (await session.execute(
        select(User).where(col(User.id).in_({rule.user_id for rule, _, _ in instant})))).scalars()}
    per_user: dict[int, list[Match]] = {}
    seen: set[tuple[int, int]] = set()
    for rule, notice_id, kind in instant:
        if (rule.user_id, notice_id) not in seen and notice_id in notices:  # two subscriptions, one notice: once
            seen.add((rule.user_id, notice_id))
            per_user.setdefault(rule.user_id, []).append((rule, notice_id, kind))
    outgoing = []
    for user_id, found in per_user.items():
        person = people.get(user_id)
        if person is None or person.telegram_id is None:
            continue
        if len(found) <= BURST_LIMIT:
            parts = [outbox.Part(render_notice(notices[notice_id], person.locale, kind, now),
                                 notice_markup(notices[notice_id], rule.id, person.locale))
                     for rule, notice_id, kind in found]
        else:
            digest = await _new_digest(session, user_id, "burst", now, [n for _, n, _ in found],
                                       [(rule.id, notice_id) for rule, notice_id, _ in found])
            text, markup = await digest_page(session, digest, 0, person.locale, now)
            parts = [outbox.Part(text, markup)]
        outgoing.append(outbox.Outgoing(person.telegram_id, parts, user_id))
    campaign, _ = await outbox.create_campaign(session, kind="tenders", title="Procurement notices (instant)")
    await outbox.enqueue(session, campaign, outgoing)


async def tell_changes(session: AsyncSession, changed: list[tuple[int, datetime | None, str]], now: datetime) -> int:
    """People who were sent a notice, or follow it, are told what a change notice changed: withdrawn, or a new
    deadline. Once per change (the campaign's key is the notice and its new state). Returns the messages queued."""
    from models.procurement import NoticeFollow

    notices = {n.id: n for n in (await session.execute(
        select(Notice).where(col(Notice.id).in_([notice_id for notice_id, _, _ in changed])))).scalars()}
    outgoing = []
    for notice_id, deadline_before, status_before in changed:
        notice = notices.get(notice_id)
        if notice is None or (notice.status == status_before and notice.deadline == deadline_before):
            continue
        told = set((await session.execute(select(col(NoticeDelivery.user_id)).where(
            col(NoticeDelivery.notice_id) == notice_id))).scalars())
        told |= set((await session.execute(select(col(NoticeFollow.user_id)).where(
            col(NoticeFollow.notice_id) == notice_id))).scalars())
        people = (await session.execute(select(User).where(
            col(User.id).in_(told), col(User.blocked_at).is_(None), col(User.telegram_id).is_not(None)))).scalars()
        for person in people:
            assert person.telegram_id is not None
            if notice.status == "cancelled":
                text = t(person.locale, "❌ <b>Avis annulé</b> par l'acheteur : {title}",
                         title=escape(notice.title[:300]))
            else:
                text = t(person.locale, "✏️ <b>Avis modifié</b> : {title}\nNouvelle date limite : {deadline}",
                         title=escape(notice.title[:300]), deadline=deadline_label(notice, person.locale, now))
            outgoing.append(outbox.Outgoing(person.telegram_id, [outbox.Part(text, None)], person.id))
    if outgoing:
        state = ",".join(f"{n}:{notices[n].status}:{notices[n].deadline}" for n, _, _ in changed if n in notices)
        key = "tenders:change:" + hashlib.sha256(state.encode()).hexdigest()[:40]
        campaign, created = await outbox.create_campaign(session, kind="tenders-change", title="Notice changed",
                                                         source_key=key)
        if created:
            await outbox.enqueue(session, campaign, outgoing)
    return len(outgoing)


def is_backfill(notice: Any, now: datetime) -> bool:
    """History, not news: published long before `now`, or a call whose deadline has passed."""
    if notice.kind == "call" and notice.deadline is not None and notice.deadline <= now:
        return True
    published = notice.published_at or notice.awarded_at
    return published is not None and published < now - NEWS_WINDOW


def is_news(notice: Notice, now: datetime) -> bool:
    """May be sent as new: not backfill, not cancelled, and not a call already closed."""
    if notice.backfill or notice.status == "cancelled":
        return False
    return not (notice.kind == "call" and notice.deadline is not None and notice.deadline <= now)


async def _new_digest(session: AsyncSession, user_id: int, kind: str, now: datetime, notice_ids: list[int],
                      pairs: list[tuple[int, int]]) -> TenderDigest:
    """Store a digest and point its deliveries (subscription, notice) at it."""
    digest = TenderDigest(user_id=user_id, kind=kind, day=to_paris(now).date().isoformat(),
                          notice_ids=list(dict.fromkeys(notice_ids)))
    session.add(digest)
    await session.flush()
    for subscription_id, notice_id in pairs:
        await session.execute(update(NoticeDelivery).where(
            col(NoticeDelivery.subscription_id) == subscription_id, col(NoticeDelivery.notice_id) == notice_id)
            .values(digest_id=digest.id))
    return digest


async def match_due_renewals(session: AsyncSession, now: datetime) -> int:
    """Awards whose term has entered the renewal window since they were imported: match them again."""
    from services.procurement.matching import RENEWAL_WINDOW

    notices = list((await session.execute(select(Notice).where(
        col(Notice.kind) == "award", col(Notice.term_end) >= now, col(Notice.term_end) <= now + RENEWAL_WINDOW,
    ))).scalars())
    if not notices:
        return 0
    return await deliver_matches(session, await load_index(session), notices, now)


async def send_daily_digests(session: AsyncSession, now: datetime) -> int:
    """One digest per person with waiting daily matches: first page through the outbox, the rest on buttons."""
    day = to_paris(now).date().isoformat()
    waiting = (await session.execute(
        select(NoticeDelivery).where(col(NoticeDelivery.frequency) == "daily", col(NoticeDelivery.digest_id).is_(None))
        .order_by(col(NoticeDelivery.user_id), col(NoticeDelivery.id)))).scalars().all()
    by_user: dict[int, list[NoticeDelivery]] = {}
    for delivery in waiting:
        by_user.setdefault(delivery.user_id, []).append(delivery)
    if not by_user:
        return 0
    done_today = set((await session.execute(select(col(TenderDigest.user_id)).where(
        col(TenderDigest.day) == day, col(TenderDigest.kind) == "daily",
        col(TenderDigest.user_id).in_(list(by_user))))).scalars())
    people = {user.id: user for user in (await session.execute(
        select(User).where(col(User.id).in_(list(by_user))))).scalars()}
    campaign, _ = await outbox.create_campaign(session, kind="tenders-digest", title=f"Procurement digest {day}",
                                               source_key=f"tenders:digest:{day}")
    outgoing = []
    for user_id, deliveries in by_user.items():
        person = people.get(user_id)
        if user_id in done_today or person is None or person.telegram_id is None:
            continue  # a second run the same day leaves later matches for tomorrow
        digest = TenderDigest(user_id=user_id, kind="daily", day=day,
                              notice_ids=list(dict.fromkeys(d.notice_id for d in deliveries)))
        session.add(digest)
        await session.flush()
        await session.execute(update(NoticeDelivery).where(
            col(NoticeDelivery.id).in_([d.id for d in deliveries])).values(digest_id=digest.id))
        text, markup = await digest_page(session, digest, 0, person.locale, now)
        outgoing.append(outbox.Outgoing(person.telegram_id, [outbox.Part(text, markup)], user_id))
    await outbox.enqueue(session, campaign, outgoing)
    return len(outgoing)


async def digest_page(session: AsyncSession, digest: TenderDigest, page: int, locale: str,
                      now: datetime | None = None) -> tuple[str, dict[str, Any] | None]:
    """Page `page` of a digest with its ‹ › buttons; every notice appears whole on exactly one page."""
    from services.callbacks import button
    from services.callbacks.procurement import DigestPageCb, UnsubscribeCb

    notices = {n.id: n for n in (await session.execute(
        select(Notice).where(col(Notice.id).in_(digest.notice_ids)))).scalars()}
    deliveries = (await session.execute(
        select(NoticeDelivery).where(col(NoticeDelivery.digest_id) == digest.id))).scalars().all()
    kinds = {d.notice_id: d.matched_as for d in deliveries}
    if digest.kind == "renewals":
        kinds = dict.fromkeys(digest.notice_ids, "renewal")
    ordered = [notices[i] for i in digest.notice_ids if i in notices]
    soon: list[Notice] = []
    if now is not None:  # the digest opens with the calls closing within a week, soonest first
        soon = sorted((n for n in ordered if n.kind == "call" and n.deadline is not None
                       and now < n.deadline <= now + CLOSING_SOON and n.status != "cancelled"),
                      key=lambda n: n.deadline or now)
        ordered = soon + [n for n in ordered if n not in soon]
    blocks = [render_notice(n, locale, kinds.get(n.id or 0), now) for n in ordered]
    if soon:
        blocks[0] = tn(locale, "⏰ <b>{n} avis se clôture dans les 7 jours</b>",
                       "⏰ <b>{n} avis se clôturent dans les 7 jours</b>", len(soon)) + "\n\n" + blocks[0]
    pages = paginate(blocks) or [t(locale, "Ces avis ne sont plus disponibles.")]
    page = max(0, min(page, len(pages) - 1))
    if digest.kind == "renewals":
        header = t(locale, "🔁 <b>Pistes de renouvellement</b> : {count} marchés de vos métiers se terminent dans 6 "
                   "à 18 mois (titulaire et montant) — page {page}/{pages}", count=len(blocks), page=page + 1,
                   pages=len(pages))
    elif digest.kind == "daily":
        day = datetime.fromisoformat(digest.day)
        header = t(locale, "📬 <b>Vos avis de marchés du {day}</b> — {count} avis, page {page}/{pages}",
                   day=format_day(day, locale), count=len(blocks), page=page + 1, pages=len(pages))
    else:
        header = t(locale, "📬 <b>{count} nouveaux avis pour vous</b> — page {page}/{pages}",
                   count=len(blocks), page=page + 1, pages=len(pages))
    buttons = []
    if page > 0:
        buttons.append(button(t(locale, "‹ Page précédente"), DigestPageCb(digest_id=digest.id or 0, page=page - 1)))
    if page < len(pages) - 1:
        buttons.append(button(t(locale, "Page suivante ›"), DigestPageCb(digest_id=digest.id or 0, page=page + 1)))
    rows = [buttons] if buttons else []
    # one-tap unsubscribe under every delivered notice, here under the page for each subscription in it
    subscription_ids = sorted({d.subscription_id for d in deliveries})
    for subscription_id in subscription_ids[:5]:
        label = t(locale, "🔕 Se désabonner")
        if len(subscription_ids) > 1:
            label += f" (n° {subscription_id})"
        rows.append([button(label, UnsubscribeCb(subscription_id=subscription_id))])
    return f"{header}\n\n{pages[page]}", {"inline_keyboard": rows} if rows else None


async def get_own_digest(session: AsyncSession, user: User, digest_id: int) -> TenderDigest:
    digest = await session.get(TenderDigest, digest_id)
    if digest is None or digest.user_id != user.id:
        raise DomainError(N_("Ce résumé n'existe plus."))
    return digest


# -- search --------------------------------------------------------------------------------------------

def search_text(title: str, buyer: str | None, cpv_codes: Iterable[str], details: dict[str, Any] | None = None) -> str:
    """" stem stem … cpv cpv ": what /search looks in (title, buyer, description and lots, CPV codes)."""
    extra = ""
    if details:
        extra = " ".join([str(details.get("description") or "")[:2000],
                          *(str(lot.get("title") or "") for lot in details.get("lots") or [])])
    return " " + " ".join([*dict.fromkeys(stems(f"{title} {buyer or ''} {extra}")), *cpv_codes]) + " "


SEARCH_PAGE = 5


@dataclass
class SearchResult:
    total: int
    notices: list[Notice]
    # the query did not match the (French) texts: it was searched as this CPV category instead
    as_category: cpv.CpvCode | None = None


def _newest_first(where: Any, offset: int, limit: int) -> Any:
    newest = (col(Notice.published_at).desc().nulls_last(), col(Notice.id).desc())
    return where.order_by(*newest).offset(offset).limit(limit)


async def search_notices(session: AsyncSession, query: str, offset: int = 0,
                         limit: int = SEARCH_PAGE) -> SearchResult:
    """Past notices with every word of the query (stemmed, accent-free) or a CPV code prefix; newest first.

    Notices are written in French: a query that finds nothing as words (often English, "cleaning") is
    tried as the CPV category it names ("Cleaning services", 9091…), and the result says so.
    """
    terms = stems(query)
    if not terms:
        raise DomainError(N_("Écrivez ce que vous cherchez, par exemple : /search nettoyage Paris"))
    # a term matches the start of a stored stem or CPV code ("4526" finds 45261100)
    where = select(Notice).where(*(col(Notice.search_text).contains(f" {term}") for term in terms))
    total = (await session.execute(select(func.count()).select_from(where.subquery()))).scalar_one()
    category = None
    if total == 0:
        # off the event loop: the first search builds the stemmed vocabulary (about a second)
        category = next(iter(await asyncio.to_thread(cpv.search, query, 1)), None)
        if category is None:
            return SearchResult(0, [])
        where = select(Notice).where(col(Notice.search_text).contains(f" {category.prefix}"))
        total = (await session.execute(select(func.count()).select_from(where.subquery()))).scalar_one()
    found = (await session.execute(_newest_first(where, offset, limit))).scalars().all()
    return SearchResult(total, list(found), category)


async def overview(session: AsyncSession) -> dict[str, Any]:
    """What coordinators see first: notices stored, subscriptions, and when notices last changed."""
    return {
        "notices": (await session.execute(select(func.count()).select_from(Notice))).scalar_one(),
        "subscriptions": (await session.execute(select(func.count()).select_from(Subscription))).scalar_one(),
        "last": (await session.execute(select(func.max(Notice.updated_at)))).scalar_one(),
    }
