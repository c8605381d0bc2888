"""Heat-wave alerts: launch to the right volunteers, record answers, remind, change level, close.

Every message to volunteers goes through the outbox, with the answer buttons of services/callbacks/heatwave.py
(`markup_for(alert_id, locale)`, replaceable in tests); texts are rendered here in each recipient's language.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t
from locales.formatting import format_arrondissement
from models.heatwave import (
    Alert,
    AlertAnswer,
    AlertAnswerEvent,
    AlertArea,
    AlertRecipient,
    AlertStatus,
    AnswerKind,
    Level,
)
from models.outbox import Campaign
from models.user import User
from services.callbacks.heatwave import answer_markup
from services.errors import DomainError, StaleButton
from services.outbox import Outgoing, Part, create_campaign, enqueue
from services.parsing import whole_number

ALL_PARIS: tuple[int, ...] = tuple(range(1, 21))
NETWORKS: dict[str, str] = {"climate": N_("Volontaires du Climat"), "solidarity": N_("Volontaires de la Solidarité")}
LEVEL_NAMES: dict[int, str] = {Level.YELLOW: N_("jaune"), Level.ORANGE: N_("orange"), Level.RED: N_("rouge")}
LEVEL_ICONS: dict[int, str] = {Level.YELLOW: "🟡", Level.ORANGE: "🟠", Level.RED: "🔴"}
NOTE_MAX = 1000
PEOPLE_CHECKED_MAX = 50  # a volunteer checks on a few neighbours; more is surely a typo
REMIND_DELAY_MAX = timedelta(hours=24)
EVENT_COUNT = "count"  # history event for "how many people I checked on" alone

MarkupFor = Callable[[int, str], dict[str, Any] | None]


@dataclass(frozen=True)
class AlertDraft:
    """What a coordinator chose before confirming."""

    level: int
    arrondissements: tuple[int, ...]
    networks: tuple[str, ...] = ("climate",)
    note_fr: str | None = None
    note_en: str | None = None


def check_draft(draft: AlertDraft) -> AlertDraft:
    """Validate and normalise a draft (sorted arrondissements and networks, trimmed notes)."""
    if draft.level not in LEVEL_NAMES:
        raise DomainError(N_("Niveau de vigilance inconnu : jaune, orange ou rouge."))
    areas = tuple(sorted(set(draft.arrondissements)))
    if not areas:
        raise DomainError(N_("Choisissez au moins un arrondissement."))
    if any(not 1 <= number <= 20 for number in areas):
        raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
    networks = tuple(name for name in NETWORKS if name in set(draft.networks))
    if not networks or len(networks) != len(set(draft.networks)):
        raise DomainError(N_("Choisissez au moins un réseau."))
    notes = []
    for note in (draft.note_fr, draft.note_en):
        note = (note or "").strip() or None
        if note is not None and len(note) > NOTE_MAX:
            raise DomainError(N_("La note est trop longue ({max} caractères au plus)."), max=NOTE_MAX)
        notes.append(note)
    return AlertDraft(draft.level, areas, networks, notes[0], notes[1])


def _eligible(arrondissements: Iterable[int], networks: Iterable[str]) -> Any:
    """Signed-up, reachable, not erased volunteers of these networks living in these arrondissements."""
    nets = set(networks)
    network_clause = or_(*[col(User.climate_volunteer) if name == "climate" else col(User.solidarity_volunteer)
                           for name in NETWORKS if name in nets])
    return and_(col(User.signed_up_at).is_not(None), col(User.erased_at).is_(None),
                col(User.blocked_at).is_(None), col(User.telegram_id).is_not(None),
                col(User.arrondissement).in_(list(arrondissements)), network_clause)


async def count_recipients(session: AsyncSession, draft: AlertDraft) -> int:
    draft = check_draft(draft)
    return (await session.execute(
        select(func.count()).select_from(User).where(_eligible(draft.arrondissements, draft.networks))
    )).scalar_one()


async def open_conflicts(session: AsyncSession, arrondissements: Iterable[int]) -> list[int]:
    """The arrondissements among these that an open alert already covers."""
    rows = await session.execute(select(col(AlertArea.arrondissement)).where(
        col(AlertArea.is_open), col(AlertArea.arrondissement).in_(list(arrondissements))))
    return sorted(rows.scalars())


_AREAS = re.compile(r"^[\d\s,;&-]+$")
_AND = re.compile(r"\b(?:et|and)\b")


def parse_areas(text: str) -> list[int]:
    """'tout', 'all', '11, 12 20', '11 et 12' or '1-4' typed by a coordinator."""
    cleaned = text.strip().lower()
    if cleaned in {"tout", "tout paris", "all", "all paris", "paris"}:
        return list(ALL_PARIS)
    cleaned = _AND.sub(",", cleaned)
    if not _AREAS.match(cleaned):
        raise DomainError(N_("Écrivez des numéros d'arrondissement (1 à 20), par exemple : 11, 12, 20."))
    numbers: set[int] = set()
    for start, end in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", cleaned):
        if len(start) > 2 or len(end) > 2:
            raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
        low, high = int(start), int(end or start)
        if not (1 <= low <= 20 and 1 <= high <= 20 and low <= high):
            raise DomainError(N_("Paris compte 20 arrondissements : choisissez un nombre de 1 à 20."))
        numbers.update(range(low, high + 1))
    return sorted(numbers)


async def get_alert(session: AsyncSession, alert_id: int) -> Alert:
    alert = await session.get(Alert, alert_id)
    if alert is None:
        raise DomainError(N_("Cette alerte n'existe pas."))
    return alert


async def alert_areas(session: AsyncSession, alert_id: int) -> list[int]:
    rows = await session.execute(select(col(AlertArea.arrondissement)).where(col(AlertArea.alert_id) == alert_id)
                                 .order_by(col(AlertArea.arrondissement)))
    return list(rows.scalars())


async def open_alerts(session: AsyncSession) -> list[Alert]:
    rows = await session.execute(select(Alert).where(col(Alert.status) == AlertStatus.OPEN).order_by(col(Alert.id)))
    return list(rows.scalars())


def areas_label(areas: Sequence[int], locale: str) -> str:
    if tuple(areas) == ALL_PARIS:
        return t(locale, "tout Paris")
    return ", ".join(format_arrondissement(number, locale) for number in areas)


def level_label(level: int, locale: str) -> str:
    return f"{LEVEL_ICONS[level]} {t(locale, LEVEL_NAMES[level])}"


def alert_text(alert: Alert, areas: Sequence[int], locale: str) -> str:
    """The alert as a volunteer reads it, in their language."""
    note = alert.note_en if locale == "en" and alert.note_en else alert.note_fr or alert.note_en
    parts = [t(locale, "🌡 <b>Alerte canicule : vigilance {level}</b>", level=level_label(alert.level, locale)),
             t(locale, "Arrondissements : {areas}.", areas=areas_label(areas, locale)),
             t(locale, "Appelez ou passez voir chaque jour vos voisins isolés : eau, volets fermés le jour, "
                       "ventilateur, médicaments, quelqu'un à appeler. Signes de coup de chaleur : appelez le 15. "
                       "Le kit : /kit")]
    if note:
        parts.append(t(locale, "<b>Note de la coordination</b> : {note}", note=html.escape(note)))
    parts.append(t(locale, "Pouvez-vous aider ? Répondez avec un bouton ; vous pourrez changer d'avis."))
    return "\n\n".join(parts)


async def _recipient_rows(session: AsyncSession, alert_id: int, *, unanswered_only: bool = False,
                          user_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
    """(user id, chat id, locale) of reachable recipients, optionally only those who have not answered."""
    query = (select(col(User.id), col(User.telegram_id), col(User.locale))
             .join(AlertRecipient, col(AlertRecipient.user_id) == col(User.id))
             .where(col(AlertRecipient.alert_id) == alert_id, col(User.blocked_at).is_(None),
                    col(User.telegram_id).is_not(None)))
    if unanswered_only:
        answered = select(col(AlertAnswer.user_id)).where(col(AlertAnswer.alert_id) == alert_id)
        query = query.where(col(User.id).not_in(answered))
    if user_ids is not None:
        query = query.where(col(User.id).in_(list(user_ids)))
    return [(row[0] or 0, row[1] or 0, row[2]) for row in (await session.execute(query.order_by(col(User.id)))).all()]


async def _send(session: AsyncSession, alert: Alert, *, kind: str, source_key: str, title: str,
                rows: list[tuple[int, int, str]], text_for: Callable[[str], str],
                markup_for: MarkupFor | None) -> int:
    """Enqueue one message per recipient, rendered once per language."""
    assert alert.id is not None
    campaign, _new = await create_campaign(session, kind=kind, title=title, source_key=source_key,
                                           created_by=alert.created_by)
    texts: dict[str, str] = {}
    markups: dict[str, dict[str, Any] | None] = {}
    for _user, _chat, locale in rows:
        if locale not in texts:
            texts[locale] = text_for(locale)
            markups[locale] = markup_for(alert.id, locale) if markup_for else None
    if kind == "alert":
        alert.campaign_id = campaign.id
    return await enqueue(session, campaign, (
        Outgoing(chat_id, [Part(texts[locale], markups[locale])], user_id) for user_id, chat_id, locale in rows))


async def launch_alert(session: AsyncSession, draft: AlertDraft, *, created_by: int | None, now: datetime,
                       markup_for: MarkupFor = answer_markup) -> tuple[Alert, int]:
    """Create the alert, fix its recipients and enqueue it; returns the alert and how many will get it."""
    draft = check_draft(draft)
    conflicts = await open_conflicts(session, draft.arrondissements)
    if conflicts:
        raise DomainError(N_("Une alerte est déjà ouverte pour : {areas}. Modifiez-la ou clôturez-la d'abord."),
                          areas=", ".join(str(number) for number in conflicts))
    if await count_recipients(session, draft) == 0:
        raise DomainError(N_("Aucun volontaire joignable ne correspond à ces arrondissements et réseaux : "
                             "rien n'a été envoyé."))
    try:
        # a savepoint: if another coordinator opened an alert on the same arrondissement meanwhile, the
        # partial unique index refuses it and nothing of this alert remains
        async with session.begin_nested():
            alert = Alert(level=draft.level, networks=list(draft.networks), note_fr=draft.note_fr,
                          note_en=draft.note_en, created_by=created_by, created_at=now)
            session.add(alert)
            await session.flush()
            assert alert.id is not None
            session.add_all([AlertArea(alert_id=alert.id, arrondissement=number) for number in draft.arrondissements])
            await session.flush()
    except IntegrityError:
        raise DomainError(N_("Une autre alerte vient d'être ouverte pour ces arrondissements : rien n'a été "
                             "envoyé.")) from None
    await _add_recipients(session, alert, draft.arrondissements)
    rows = await _recipient_rows(session, alert.id)
    count = await _send(session, alert, kind="alert", source_key=f"alert:{alert.id}",
                        title=f"alert {alert.id}", rows=rows,
                        text_for=lambda locale: alert_text(alert, draft.arrondissements, locale),
                        markup_for=markup_for)
    return alert, count


async def _add_recipients(session: AsyncSession, alert: Alert, areas: Sequence[int]) -> None:
    """Add every eligible volunteer not yet a recipient (at launch, and when the alert is extended)."""
    assert alert.id is not None
    already = select(col(AlertRecipient.user_id)).where(col(AlertRecipient.alert_id) == alert.id)
    eligible = (select(col(User.id), col(User.arrondissement))
                .where(_eligible(areas, alert.networks), col(User.id).not_in(already)))
    new = [{"alert_id": alert.id, "user_id": user_id, "arrondissement": area}
           for user_id, area in (await session.execute(eligible)).all()]
    for start in range(0, len(new), 1000):
        await session.execute(insert(AlertRecipient), new[start:start + 1000])


async def count_new_recipients(session: AsyncSession, alert_id: int) -> int:
    """How many volunteers an extension would reach now (joined or moved in since the launch)."""
    alert = await open_alert(session, alert_id)
    assert alert.id is not None
    already = select(col(AlertRecipient.user_id)).where(col(AlertRecipient.alert_id) == alert.id)
    return (await session.execute(select(func.count()).select_from(User).where(
        _eligible(await alert_areas(session, alert.id), alert.networks), col(User.id).not_in(already)))).scalar_one()


async def extend_alert(session: AsyncSession, alert_id: int, *, expected: int | None = None,
                       markup_for: MarkupFor = answer_markup) -> int:
    """Send an open alert to volunteers who joined since it was launched; returns how many.

    `expected` is the count the coordinator confirmed: if it changed meanwhile, nothing is sent and the
    new count is told, to be confirmed again.
    """
    alert = await open_alert(session, alert_id)
    assert alert.id is not None
    if expected is not None:
        now_count = await count_new_recipients(session, alert_id)
        if now_count != expected:
            raise DomainError(N_("Le nombre a changé : {n} nouveaux volontaires maintenant. Rien n'a été envoyé ; "
                                 "touchez « Étendre » à nouveau."), n=now_count)
    before = {row[0] for row in await _recipient_rows(session, alert.id)}
    areas = await alert_areas(session, alert.id)
    await _add_recipients(session, alert, areas)
    rows = [row for row in await _recipient_rows(session, alert.id) if row[0] not in before]
    if not rows:
        return 0
    return await _send(session, alert, kind="alert", source_key=f"alert:{alert.id}", title=f"alert {alert.id}",
                       rows=rows, text_for=lambda locale: alert_text(alert, areas, locale), markup_for=markup_for)


async def open_alert(session: AsyncSession, alert_id: int) -> Alert:
    alert = await get_alert(session, alert_id)
    if alert.status != AlertStatus.OPEN:
        raise DomainError(N_("Cette alerte est close."))
    return alert


# -- answers --------------------------------------------------------------------------------------------

# An answer is the hot path of an alert (15,000 taps in minutes): its statements are built once, on the
# tables (building them per tap, and the ORM's unit of work for the history row, cost ~a quarter of an
# answer's CPU, measured with py-spy on benchmarks/alert.py --only answers).
_CAN_ANSWER = (select(col(Alert.status), col(AlertRecipient.id))
               .outerjoin(AlertRecipient, and_(col(AlertRecipient.alert_id) == col(Alert.id),
                                               col(AlertRecipient.user_id) == bindparam("user_id")))
               .where(col(Alert.id) == bindparam("alert_id")))
_RECORD_EVENT = insert(AlertAnswerEvent.__table__).values(  # type: ignore[attr-defined]
    alert_id=bindparam("alert_id"), user_id=bindparam("user_id"), kind=bindparam("kind"),
    people_checked=bindparam("people_checked"), at=bindparam("at"))


@lru_cache(maxsize=8)
def _record_answer_statement(dialect: str, *, count: bool = False) -> Any:
    """INSERT … ON CONFLICT (alert, user) DO UPDATE: the last answer wins; a count keeps the answer."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
        AlertAnswer.__table__).values(  # type: ignore[attr-defined]
        alert_id=bindparam("alert_id"), user_id=bindparam("user_id"), kind=bindparam("kind"),
        people_checked=bindparam("people_checked"), answered_at=bindparam("at"))
    changed = ("people_checked", "answered_at") if count else ("kind", "answered_at")
    return statement.on_conflict_do_update(index_elements=["alert_id", "user_id"],
                                           set_={name: statement.excluded[name] for name in changed})


async def _check_can_answer(session: AsyncSession, alert_id: int, user_id: int) -> None:
    """One query: the alert exists, is open, and this user received it."""
    row = (await session.execute(_CAN_ANSWER, {"alert_id": alert_id, "user_id": user_id})).first()
    if row is None:
        raise DomainError(N_("Cette alerte n'existe pas."))
    if row[0] != AlertStatus.OPEN:
        raise DomainError(N_("Cette alerte est terminée : merci, il n'y a plus besoin de répondre."))
    if row[1] is None:
        raise DomainError(N_("Cette alerte ne vous a pas été envoyée."))


async def record_answer(session: AsyncSession, alert_id: int, user_id: int, kind: str, *, now: datetime) -> None:
    """A volunteer's answer; the last one wins and every one is kept in the history."""
    if kind not in set(AnswerKind):
        raise StaleButton
    await _check_can_answer(session, alert_id, user_id)
    values = {"alert_id": alert_id, "user_id": user_id, "kind": kind, "people_checked": None, "at": now}
    await session.execute(_record_answer_statement(session.get_bind().dialect.name), values)
    await session.execute(_RECORD_EVENT, values)


# number words, French and English, for "how many people": enough to write any count (and to recognise a
# count that is too large, which gets the same range answer as digits would)
_WORDS = {
    "zero": 0, "zéro": 0, "aucun": 0, "aucune": 0, "none": 0, "nobody": 0,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20,
    "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
    "mille": 1000, "million": 10**6, "millions": 10**6,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}
_MULTIPLIERS = {100, 1000, 10**6}
_NEGATIVE = {"moins", "minus", "-"}
_NOISE = {"et", "and", "personne", "personnes", "pers", "pers.", "people", "person", "persons", "voisin",
          "voisins", "voisine", "voisines", "neighbour", "neighbours", "neighbor", "neighbors", "environ", "about"}
_TOKENS = re.compile(r"[a-zà-ÿ.]+|[+-]?[0-9][0-9\s\u202f]*|-")


def parse_people_count(text: str) -> int:
    """How many people, typed in digits ("3", "3 personnes") or words ("trois", "vingt et un", "three"): a whole
    number from 0 to PEOPLE_CHECKED_MAX. Any other number, negative or however large, gets the same range
    answer; anything else is asked again as a number."""
    cleaned = unicodedata.normalize("NFC", text).strip().lower().replace("’", "'")
    spaced = cleaned.replace("-", " - ")
    tokens = [token.strip() for token in _TOKENS.findall(spaced)]
    if not tokens or _TOKENS.sub("", spaced).strip():  # something that is neither a number nor a word
        raise DomainError(N_("Écrivez seulement un nombre (par exemple 3), ou touchez un bouton."))
    sign, total, current, seen = 1, 0, 0, False
    for token in tokens:
        if token in _NOISE or (token == "-" and seen):
            continue
        if token in _NEGATIVE and not seen:
            sign = -1
            continue
        if token[:1].isascii() and (token[:1].isdigit() or token[:1] in "+-"):
            value = int(re.sub(r"[\s\u202f]", "", token))
        elif token in _WORDS:
            value = _WORDS[token]
        else:
            raise DomainError(N_("Écrivez seulement un nombre (par exemple 3), ou touchez un bouton."))
        seen = True
        if value in _MULTIPLIERS:
            current = max(current, 1) * value
            if value >= 1000:
                total, current = total + current, 0
        elif value == 20 and token.startswith("vingt") and 2 <= current <= 9:
            current *= 20  # quatre-vingts
        else:
            current += value
    if not seen:
        raise DomainError(N_("Écrivez seulement un nombre (par exemple 3), ou touchez un bouton."))
    return whole_number(str(sign * (total + current)), 0, PEOPLE_CHECKED_MAX)


async def record_people_checked(session: AsyncSession, alert_id: int, user_id: int, count: int, *,
                                now: datetime) -> None:
    """How many people the volunteer checked on: a number only, nothing about who they are."""
    if not 0 <= count <= PEOPLE_CHECKED_MAX:
        raise DomainError(N_("Indiquez un nombre entre 0 et {max}."), max=PEOPLE_CHECKED_MAX)
    await _check_can_answer(session, alert_id, user_id)
    values = {"alert_id": alert_id, "user_id": user_id, "people_checked": count, "at": now}
    await session.execute(_record_answer_statement(session.get_bind().dialect.name, count=True),
                          {**values, "kind": AnswerKind.CHECKED})
    await session.execute(_RECORD_EVENT, {**values, "kind": EVENT_COUNT})


async def answer_of(session: AsyncSession, alert_id: int, user_id: int) -> AlertAnswer | None:
    """The volunteer's current answer to an alert they received (None: not yet answered)."""
    row = (await session.execute(
        select(AlertRecipient, AlertAnswer)
        .outerjoin(AlertAnswer, and_(col(AlertAnswer.alert_id) == col(AlertRecipient.alert_id),
                                     col(AlertAnswer.user_id) == col(AlertRecipient.user_id)))
        .where(col(AlertRecipient.alert_id) == alert_id, col(AlertRecipient.user_id) == user_id))).first()
    if row is None:
        await _check_can_answer(session, alert_id, user_id)  # says why: no such alert, or not sent to them
        raise StaleButton
    return row[1]


# -- coordinator actions ----------------------------------------------------------------------------------

def can_remind(alert: Alert) -> bool:
    return alert.status == AlertStatus.OPEN and alert.remind_at is None and alert.reminded_at is None


def check_can_remind(alert: Alert) -> None:
    if not can_remind(alert):
        raise DomainError(N_("Un rappel est déjà prévu ou envoyé pour cette alerte (un seul rappel)."))


async def schedule_reminder(session: AsyncSession, alert_id: int, delay: timedelta, *, now: datetime) -> Alert:
    """Remind non-responders once, after `delay`; a second request is refused."""
    alert = await open_alert(session, alert_id)
    check_can_remind(alert)
    if not timedelta(0) <= delay <= REMIND_DELAY_MAX:
        raise DomainError(N_("Le délai d'un rappel va de 0 à 24 heures."))
    alert.remind_at = now + delay
    await session.flush()
    return alert


def reminder_text(alert: Alert, areas: Sequence[int], locale: str) -> str:
    return "\n\n".join([
        t(locale, "⏰ <b>Rappel : alerte canicule en cours (vigilance {level})</b>",
          level=level_label(alert.level, locale)),
        t(locale, "Vous n'avez pas encore répondu. Pouvez-vous passer voir vos voisins isolés aujourd'hui ?"),
        t(locale, "Arrondissements : {areas}.", areas=areas_label(areas, locale)),
    ])


async def send_due_reminders(session: AsyncSession, *, now: datetime,
                             markup_for: MarkupFor = answer_markup) -> dict[int, int]:
    """Enqueue the reminders that are due (idempotent: one campaign per alert); alert id → recipients."""
    due = (await session.execute(select(Alert).where(
        col(Alert.status) == AlertStatus.OPEN, col(Alert.remind_at) <= now, col(Alert.reminded_at).is_(None))
    )).scalars().all()
    sent: dict[int, int] = {}
    for alert in due:
        assert alert.id is not None
        areas = await alert_areas(session, alert.id)
        rows = await _recipient_rows(session, alert.id, unanswered_only=True)
        sent[alert.id] = await _send(
            session, alert, kind="alert_reminder", source_key=f"alert:{alert.id}:remind",
            title=f"alert {alert.id} reminder", rows=rows,
            text_for=lambda locale, a=alert, ar=areas: reminder_text(a, ar, locale),  # type: ignore[misc]
            markup_for=markup_for) if rows else 0
        alert.reminded_at = now
    await session.flush()
    return sent


async def change_level(session: AsyncSession, alert_id: int, level: int, *, now: datetime,
                       markup_for: MarkupFor = answer_markup) -> tuple[Alert, int]:
    """Raise or lower the vigilance level and tell every recipient; returns the alert and how many."""
    alert = await open_alert(session, alert_id)
    if level not in LEVEL_NAMES:
        raise DomainError(N_("Niveau de vigilance inconnu : jaune, orange ou rouge."))
    if level == alert.level:
        raise DomainError(N_("L'alerte est déjà à ce niveau."))
    raised = level > alert.level
    alert.level = level
    assert alert.id is not None
    areas = await alert_areas(session, alert.id)
    rows = await _recipient_rows(session, alert.id)

    def text_for(locale: str) -> str:
        head = (t(locale, "⬆️ <b>La vigilance canicule passe au {level}</b>", level=level_label(level, locale))
                if raised else
                t(locale, "⬇️ <b>La vigilance canicule baisse au {level}</b>", level=level_label(level, locale)))
        return "\n\n".join([head, t(locale, "Arrondissements : {areas}.", areas=areas_label(areas, locale)),
                            t(locale, "Vous pouvez mettre à jour votre réponse avec les boutons.")])

    # one campaign per change: the n-th change of this alert (a timestamp could collide within a second)
    changes = (await session.execute(select(func.count()).select_from(Campaign).where(
        col(Campaign.source_key).like(f"alert:{alert.id}:level:%")))).scalar_one()
    count = await _send(session, alert, kind="alert_level", source_key=f"alert:{alert.id}:level:{changes + 1}",
                        title=f"alert {alert.id} level {level}", rows=rows, text_for=text_for,
                        markup_for=markup_for)
    await session.flush()
    return alert, count


def closing_text(locale: str) -> str:
    return "\n\n".join([
        t(locale, "✅ <b>Fin de l'épisode de canicule</b>"),
        t(locale, "L'alerte est levée. Merci à vous pour vos appels et vos visites : ils comptent beaucoup pour "
                  "les personnes isolées. Le kit reste disponible avec /kit."),
    ])


async def close_alert(session: AsyncSession, alert_id: int, *, now: datetime) -> tuple[Alert, int]:
    """Close the alert, free its arrondissements, and thank every recipient."""
    alert = await open_alert(session, alert_id)
    assert alert.id is not None
    alert.status = AlertStatus.CLOSED
    alert.closed_at = now
    await session.execute(update(AlertArea).where(col(AlertArea.alert_id) == alert.id).values(is_open=False))
    rows = await _recipient_rows(session, alert.id)
    count = await _send(session, alert, kind="alert_close", source_key=f"alert:{alert.id}:close",
                        title=f"alert {alert.id} closed", rows=rows, text_for=closing_text,
                        markup_for=None) if rows else 0
    await session.flush()
    return alert, count


async def set_live_view(session: AsyncSession, alert_id: int, chat_id: int, message_id: int, locale: str) -> None:
    """Remember the coordinator message that the live-view job keeps up to date."""
    alert = await get_alert(session, alert_id)
    alert.live_chat_id, alert.live_message_id, alert.live_locale, alert.live_digest = chat_id, message_id, locale, None
    await session.flush()
