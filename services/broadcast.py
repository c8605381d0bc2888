"""Coordinator broadcasts: who is in a segment, how a long text is split, and enqueueing the campaign."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import LOCALES, N_, t
from models.outbox import Campaign, CampaignStatus
from models.user import User
from services import outbox
from services.errors import DomainError
from services.markdown_telegram import html_blocks, split_html

NETWORKS = ("climate", "solidarity")
MAX_PARTS = 5  # a broadcast longer than 5 messages is refused: nobody reads it on a phone
_NETWORK_LABELS = {"climate": N_("Volontaires du Climat"), "solidarity": N_("Volontaires de la Solidarité")}
_LANGUAGE_LABELS = {"fr": N_("francophones"), "en": N_("anglophones")}


@dataclass(frozen=True)
class Segment:
    """Who receives a broadcast; an empty segment is everyone reachable (signed up, not erased, not blocked)."""

    network: str | None = None
    arrondissements: tuple[int, ...] = field(default=())
    language: str | None = None

    def __post_init__(self) -> None:
        if self.network is not None and self.network not in NETWORKS:
            raise DomainError(N_("Réseau inconnu : {network}."), network=self.network)
        if self.language is not None and self.language not in LOCALES:
            raise DomainError(N_("Langue inconnue : {language}."), language=self.language)
        for number in self.arrondissements:
            if not 1 <= number <= 20:
                raise DomainError(N_("Paris compte 20 arrondissements (1 à 20)."))

    def describe(self, locale: str) -> str:
        parts: list[str] = []
        if self.network:
            parts.append(t(locale, _NETWORK_LABELS[self.network]))
        if self.arrondissements:
            numbers = ", ".join(str(n) for n in sorted(self.arrondissements))
            parts.append(t(locale, "arrondissements {numbers}", numbers=numbers))
        if self.language:
            parts.append(t(locale, _LANGUAGE_LABELS[self.language]))
        return " · ".join(parts) if parts else t(locale, "tous les inscrits joignables")


def _reachable(segment: Segment) -> Any:
    query = select(col(User.id), col(User.telegram_id), col(User.locale)).where(
        col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None), col(User.blocked_at).is_(None),
        col(User.telegram_id).is_not(None))
    if segment.network == "climate":
        query = query.where(col(User.climate_volunteer))
    elif segment.network == "solidarity":
        query = query.where(col(User.solidarity_volunteer))
    if segment.arrondissements:
        query = query.where(col(User.arrondissement).in_(segment.arrondissements))
    if segment.language:
        query = query.where(col(User.locale) == segment.language)
    return query


async def count_recipients(session: AsyncSession, segment: Segment) -> int:
    """The exact number of people the broadcast would reach now."""
    inner = _reachable(segment).subquery()
    return int((await session.execute(select(func.count()).select_from(inner))).scalar_one())


def split_text(text: str, limit: int = outbox.TEXT_LIMIT) -> list[str]:
    """Cut a long Telegram-HTML text into messages Telegram accepts (services.markdown_telegram.split_html:
    paragraphs first, tags balanced in every part, links whole); refuse empty or huge."""
    text = text.strip()
    if not text:
        raise DomainError(N_("Un message ne peut pas être vide."))
    parts = split_html(html_blocks(text), limit)
    if len(parts) > MAX_PARTS:
        raise DomainError(N_("Ce texte ferait {count} messages ({max} au plus) : raccourcissez-le."),
                          count=len(parts), max=MAX_PARTS)
    return parts


def parse_arrondissements(text: str) -> tuple[int, ...]:
    """"11 18, 20" → (11, 18, 20); words that are not whole numbers, or numbers outside 1-20, are refused."""
    words = text.replace(",", " ").replace(";", " ").split()
    if not words or not all(word.isascii() and word.isdecimal() and len(word) <= 3 for word in words):
        raise DomainError(N_("Écrivez des numéros entre 1 et 20, par exemple : 11 18 20"))
    numbers = tuple(sorted({int(word) for word in words}))
    Segment(arrondissements=numbers)  # 1 to 20
    return numbers


def check_text(text: str) -> str:
    """A broadcast text as typed (Telegram HTML): refused when empty or too long to send."""
    split_text(text)
    return text


def rendered_texts(texts: Mapping[str, str | None]) -> tuple[dict[str, list[str]], list[str]]:
    """Each language's messages exactly as recipients get them (the same HTML, the same split into parts),
    and those of anyone whose language has no text of its own (French, else the one given)."""
    rendered = {locale: split_text(text) for locale, text in texts.items() if text is not None}
    if not rendered:
        raise DomainError(N_("Un message ne peut pas être vide."))
    return rendered, rendered.get("fr") or next(iter(rendered.values()))


@dataclass(frozen=True)
class Preview:
    """What one group of recipients will get: their languages, how many they are, the messages."""

    languages: tuple[str, ...]
    count: int
    parts: list[str]


async def preview(session: AsyncSession, segment: Segment, texts: Mapping[str, str | None]) -> list[Preview]:
    """The broadcast as it will be sent, grouped by the messages people get; empty when nobody matches."""
    rendered, fallback = rendered_texts(texts)
    inner = _reachable(segment).subquery()
    rows = (await session.execute(select(inner.c.locale, func.count()).group_by(inner.c.locale))).all()
    groups: dict[tuple[str, ...], tuple[set[str], int]] = {}
    for locale, count in rows:
        parts = tuple(rendered.get(locale, fallback))
        languages, total = groups.get(parts, (set(), 0))
        groups[parts] = ({*languages, locale if locale in LOCALES else "fr"}, total + count)
    return [Preview(tuple(sorted(languages, key=LOCALES.index)), count, list(parts))
            for parts, (languages, count) in sorted(groups.items(), key=lambda item: min(
                LOCALES.index(language) for language in item[1][0]))]


async def start_broadcast(
    session: AsyncSession,
    *,
    segment: Segment,
    texts: Mapping[str, str | None],
    title: str,
    created_by: int | None = None,
    report_chat_id: int | None = None,
    paid: bool = False,
    source_key: str | None = None,
    expected: int | None = None,
) -> tuple[Campaign, int]:
    """Create the campaign and enqueue one message per recipient in their language (French when missing).

    `expected` is the count the coordinator confirmed: if the segment changed since, nothing is sent.
    """
    rendered, fallback = rendered_texts(texts)
    recipients = (await session.execute(_reachable(segment))).all()
    if not recipients:
        raise DomainError(N_("Personne ne correspond à ce public : rien n'a été envoyé."))
    if expected is not None and len(recipients) != expected:
        raise DomainError(N_("Le public a changé depuis l'aperçu : {count} destinataires maintenant. Rien n'a été "
                             "envoyé ; modifiez une ligne pour revoir l'aperçu."), count=len(recipients))
    campaign, _ = await outbox.create_campaign(session, kind="broadcast", title=title, created_by=created_by,
                                               report_chat_id=report_chat_id, paid=paid, source_key=source_key)
    messages = (
        outbox.Outgoing(telegram_id, [outbox.Part(part) for part in rendered.get(locale, fallback)], user_id)
        for user_id, telegram_id, locale in recipients
    )
    count = await outbox.enqueue(session, campaign, messages)
    return campaign, count


# Campaigns a coordinator may pause, resume and cancel from their live progress message.
STEERABLE_KINDS = ("broadcast", "newsletter")


async def access_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    """The campaign a progress message's button steers; one a coordinator may not steer is not found."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind not in STEERABLE_KINDS:  # forged, deleted, or not a mass send of ours
        raise DomainError(N_("Campagne introuvable."))
    return campaign


_STEERING = {"pause": CampaignStatus.PAUSED, "resume": CampaignStatus.RUNNING, "cancel": CampaignStatus.CANCELLED}


async def steer_campaign(session: AsyncSession, campaign_id: int, action: str) -> Campaign:
    """Pause, resume or cancel a campaign from its progress message; a finished one can only be cancelled
    (which drops its late retries)."""
    campaign = await access_campaign(session, campaign_id)
    status = _STEERING[action]
    if campaign.finished_at is not None and status != CampaignStatus.CANCELLED:
        raise DomainError(N_("Cette campagne est terminée."))
    await outbox.set_campaign_status(session, campaign_id, status)
    return campaign


async def follow_progress(session: AsyncSession, campaign_id: int, message_id: int) -> None:
    """The live progress message of a campaign (in its report chat): the sender's reporter edits it, then
    posts the final report under it (bot/delivery/progress.py)."""
    campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None
    campaign.progress_message_id = message_id
    await session.flush()
