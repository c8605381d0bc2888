"""The kit library's rules: a kit is a Markdown document per language, cut into short screens; coordinators
publish it and may announce it to a network through the outbox; readers see the published ones, newest first,
the summer kit (the heat wave) pinned first from June to September.

A document: its first line is the title ("# " allowed), then an optional introduction (the kit's card), then
one "## Heading" section per screen, the last one "## Sources" with links. Both languages must have the same
screens, so the pager and the buttons read the same in French and English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import LOCALES, N_, t
from models.kits import Kit
from models.outbox import Campaign
from services import outbox, segments
from services.callbacks import button, keyboard
from services.callbacks.kits import KitReadCb
from services.errors import DomainError, StaleButton
from services.markdown_telegram import markdown_to_html, telegram_length
from services.timing import to_paris

HEAT_WAVE = "canicule"  # the first kit's slug: the heat-wave alert's button opens it
KIND = "kit"
TITLE_MAX = 120
HEADING_MAX = 40  # a screen's heading is its button's label
SCREENS_MAX = 10
SCREEN_MAX = 1500  # visible characters: a screen reads on a phone without scrolling much
SUMMER_MONTHS = range(6, 10)  # June to September, Paris time
ANNOUNCE_TO = ("climate", "solidarity", "all")
_SECTION = re.compile(r"^##(?!#)\s*(.*)$")
_LINK = re.compile(r'<a href="https?://')


@dataclass(frozen=True)
class Screen:
    heading: str
    html: str  # the whole screen, its heading in bold first


@dataclass(frozen=True)
class KitText:
    title: str
    intro: str  # Telegram HTML, may be empty
    screens: tuple[Screen, ...]


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _checked_html(markdown: str, name: str) -> str:
    html = markdown_to_html(markdown)
    if telegram_length(html) > SCREEN_MAX:
        raise DomainError(N_("« {name} » est trop long ({length} caractères, {max} au plus) : coupez-le en deux "
                             "écrans."), name=name, length=telegram_length(html), max=SCREEN_MAX)
    return html


@lru_cache(maxsize=64)
def parse_kit(source: str) -> KitText:
    """A kit document, checked: a title, short screens, sources with links. Refuses with the reason."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise DomainError(N_("Le texte est vide : la première ligne est le titre du kit."))
    title = lines[0].strip().lstrip("#").strip()
    if not title or _SECTION.match(lines[0].strip()):
        raise DomainError(N_("Il manque le titre : la première ligne du texte, par exemple « # Le Volontaire et "
                             "les déchets »."))
    if len(title) > TITLE_MAX:
        raise DomainError(N_("Le titre est trop long ({max} caractères au plus)."), max=TITLE_MAX)
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        match = _SECTION.match(line.strip())
        if match:
            sections.append((match.group(1).strip().rstrip("#").strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    if not sections:
        raise DomainError(N_("Aucun écran : commencez chaque écran par une ligne « ## Titre de l'écran »."))
    if len(sections) > SCREENS_MAX:
        raise DomainError(N_("Trop d'écrans ({count}) : {max} au plus, courts."), count=len(sections),
                          max=SCREENS_MAX)
    screens = []
    for heading, body in sections:
        if not heading:
            raise DomainError(N_("Un écran n'a pas de titre : écrivez-le après « ## »."))
        if len(heading) > HEADING_MAX:
            raise DomainError(N_("Le titre d'écran « {heading} » est trop long ({max} caractères au plus : il "
                                 "sert de bouton)."), heading=heading[:HEADING_MAX] + "…", max=HEADING_MAX)
        html = _checked_html("\n".join(body), heading)
        if not html.strip():
            raise DomainError(N_("L'écran « {heading} » est vide."), heading=heading)
        screens.append(Screen(heading, f"<b>{escape(heading, quote=False)}</b>\n{html}"))
    if "source" not in _folded(screens[-1].heading) or not _LINK.search(screens[-1].html):
        raise DomainError(N_("Il manque les sources : terminez par un écran « ## Sources » avec au moins un lien "
                             "[nom](https://…)."))
    return KitText(title, _checked_html("\n".join(intro), title), tuple(screens))


# -- kits ----------------------------------------------------------------------------------------------

def has_language(kit: Kit, locale: str) -> bool:
    return bool(getattr(kit, f"source_{locale}", ""))


def text_of(kit: Kit, locale: str) -> KitText:
    """The kit in `locale`, or in the other language while a draft lacks it."""
    for code in (locale, *LOCALES):
        if has_language(kit, code):
            return parse_kit(getattr(kit, f"source_{code}"))
    raise StaleButton


def title_of(kit: Kit, locale: str) -> str:
    return getattr(kit, f"title_{locale}", "") or kit.title_fr or kit.title_en


async def get_kit(session: AsyncSession, kit_id: int) -> Kit:
    """A kit a coordinator may work on; an id that is not there (forged, deleted) is a stale button."""
    kit = await session.get(Kit, kit_id) if kit_id else None
    if kit is None:
        raise StaleButton
    return kit


async def access_published(session: AsyncSession, kit_id: int) -> Kit:
    """A kit a reader may open: published only (a draft's id in a forged button is stale)."""
    kit = await get_kit(session, kit_id)
    if kit.published_at is None:
        raise StaleButton
    return kit


async def by_slug(session: AsyncSession, slug: str) -> Kit:
    kit = (await session.execute(select(Kit).where(col(Kit.slug) == slug))).scalar_one_or_none()
    if kit is None or kit.published_at is None:
        raise StaleButton
    return kit


def pinned(kit: Kit, now: datetime) -> bool:
    """The summer kit (the heat wave) comes first from June to September."""
    return kit.season == "summer" and to_paris(now).month in SUMMER_MONTHS


async def library(session: AsyncSession, now: datetime) -> list[Kit]:
    """Published kits, newest first, a pinned kit before the others."""
    kits = list((await session.execute(select(Kit).where(col(Kit.published_at).is_not(None))
                                       .order_by(col(Kit.published_at).desc(), col(Kit.id).desc()))).scalars())
    kits.sort(key=lambda kit: not pinned(kit, now))  # stable: newest first within each group
    return kits


async def desk_kits(session: AsyncSession) -> list[Kit]:
    """Every kit for the coordinators' desk: drafts first, then the published ones, newest first."""
    return list((await session.execute(select(Kit).order_by(
        col(Kit.published_at).is_not(None), col(Kit.published_at).desc(), col(Kit.id).desc()))).scalars())


def _check_same_screens(kit: Kit) -> None:
    counts = {code: len(parse_kit(getattr(kit, f"source_{code}")).screens) for code in LOCALES}
    if len(set(counts.values())) > 1:
        raise DomainError(N_("Les deux langues n'ont pas le même nombre d'écrans (français : {fr}, anglais : {en}) : "
                             "ils doivent se correspondre."), **counts)


async def save_text(session: AsyncSession, kit_id: int, locale: str, source: str, *, now: datetime,
                    created_by: int | None) -> Kit:
    """Write one language of a kit (a new draft when `kit_id` is 0); a published kit stays publishable."""
    if locale not in LOCALES:
        raise StaleButton
    text = parse_kit(source)
    kit = Kit(created_by=created_by, created_at=now) if not kit_id else await get_kit(session, kit_id)
    setattr(kit, f"source_{locale}", source)
    setattr(kit, f"title_{locale}", text.title)
    kit.updated_at = now
    if kit.published_at is not None:
        _check_same_screens(kit)
    session.add(kit)
    await session.flush()
    return kit


def missing_languages(kit: Kit) -> list[str]:
    return [code for code in LOCALES if not has_language(kit, code)]


async def publish(session: AsyncSession, kit_id: int, *, now: datetime) -> Kit:
    """Readers see the kit from now on (once: publishing again changes nothing)."""
    kit = await get_kit(session, kit_id)
    if missing := missing_languages(kit):
        raise DomainError(N_("Il manque une langue ({languages}) : un kit paraît en français et en anglais."),
                          languages=", ".join(missing))
    _check_same_screens(kit)
    if kit.published_at is None:
        kit.published_at = now
        await session.flush()
    return kit


async def withdraw(session: AsyncSession, kit_id: int) -> Kit:
    """Back to draft: readers no longer see it (its buttons become stale)."""
    kit = await get_kit(session, kit_id)
    if kit.slug == HEAT_WAVE:
        raise DomainError(N_("Le kit canicule reste publié : les alertes canicule y renvoient."))
    kit.published_at = None
    await session.flush()
    return kit


# -- announcing and sharing ----------------------------------------------------------------------------

def audience(network: str) -> segments.Segment:
    if network not in ANNOUNCE_TO:
        raise StaleButton
    return segments.Segment(networks=frozenset() if network == "all" else frozenset({network}))


def _announce_key(kit_id: int, network: str) -> str:
    return f"kit:{kit_id}:{network}"


async def already_announced(session: AsyncSession, kit_id: int, network: str) -> bool:
    return (await session.execute(select(Campaign.id).where(
        col(Campaign.source_key) == _announce_key(kit_id, network)))).first() is not None


async def check_announceable(session: AsyncSession, kit_id: int, network: str) -> tuple[Kit, int]:
    """The published kit and the exact number of people an announcement to `network` would reach now."""
    kit = await access_published(session, kit_id)
    if await already_announced(session, kit_id, network):
        raise DomainError(N_("Ce kit a déjà été annoncé à ce réseau."))
    return kit, await segments.count(session, audience(network))


def announcement(kit: Kit, locale: str) -> outbox.Part:
    text = text_of(kit, locale)
    lines = [t(locale, "📘 <b>Nouveau kit : {title}</b>", title=escape(text.title, quote=False))]
    if text.intro:
        lines.append(text.intro)
    markup = keyboard([button(t(locale, "📘 Lire le kit"), KitReadCb(action="open", kit=kit.id or 0))])
    return outbox.Part("\n\n".join(lines), markup)


async def announce(session: AsyncSession, kit_id: int, network: str, *, created_by: int | None,
                   report_chat_id: int | None, locale: str) -> tuple[Campaign, int]:
    """One message per reachable volunteer of the network, in their language, with a button to read it."""
    kit, _count = await check_announceable(session, kit_id, network)
    campaign, _new = await outbox.create_campaign(
        session, kind=KIND, title=t(locale, "Kit « {title} »", title=title_of(kit, locale)),
        source_key=_announce_key(kit_id, network), created_by=created_by, report_chat_id=report_chat_id)
    people = await segments.members(session, audience(network))
    parts = {code: announcement(kit, code) for code in LOCALES}
    enqueued = await outbox.enqueue(session, campaign, [
        outbox.Outgoing(person.telegram_id, [parts.get(person.locale, parts["fr"])], person.id)
        for person in people if person.telegram_id is not None])
    return campaign, enqueued


def share_url(kit: Kit, locale: str, bot_username: str) -> str:
    """Telegram's share link (https://core.telegram.org/widgets/share): the friend chosen gets the kit's card
    as a message, with the bot's address to read it all."""
    text = text_of(kit, locale)
    message = t(locale, "📘 {title} : le kit des Volontaires de Paris, à lire dans le bot (/kit).",
                title=text.title)
    link = f"https://t.me/{bot_username}"
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(message, safe='')}"

