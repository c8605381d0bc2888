"""A volunteer's right to see and erase their data (GDPR articles 15 and 17), for every feature at once.

Every table with a foreign key to `users.id` is part of a person's data. Export dumps all such rows.
Erasure blanks the user row (it stays, anonymous, so counts hold) and deletes the rows of tables
marked `__table_args__ = {"info": {"erase": "delete"}}`; other rows stay, pointing at an anonymous user.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, Table, cast, delete, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from locales import N_, normalize_locale, t
from locales.formatting import PARIS, format_when
from models.base import utcnow
from models.fsm import FsmRecord
from models.user import User
from services import missions
from services.training import sessions as training

_PERSONAL_USER_COLUMNS = ("telegram_id", "full_name", "postal_code", "languages", "skills",
                          "consent_at", "blocked_at")


def _user_tables() -> list[tuple[Table, str]]:
    """(table, column) pairs whose column references users.id."""
    from bot.features import import_all_tables

    import_all_tables()  # a CLI process may not have imported every feature's tables yet
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


async def export_user_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything the bot keeps about this person, as raw rows (what `readable_export` translates)."""
    assert user.id is not None
    profile = {column: getattr(user, column) for column in User.model_fields}
    sections: dict[str, list[dict[str, Any]]] = {}
    for table, column in _user_tables():
        rows = (await session.execute(select(table).where(table.c[column] == user.id))).mappings()
        found = [dict(row) for row in rows]
        if found:
            sections.setdefault(table.name, []).extend(found)
    conversation = await conversation_in_progress(session, user.telegram_id)
    return {"profile": profile, "records": sections, "conversation": conversation}


def _conversation_keys(telegram_id: int) -> Any:
    # aiogram's DefaultKeyBuilder: "fsm:<bot>:<chat>:<user>"; a private chat's id is the user's
    return col(FsmRecord.key).like(f"%:{telegram_id}:{telegram_id}")


async def conversation_in_progress(session: AsyncSession, telegram_id: int | None) -> list[dict[str, Any]]:
    """What a form in progress holds (the name typed during signup, a draft…), from the database storage."""
    if telegram_id is None:
        return []
    records = (await session.execute(select(FsmRecord).where(_conversation_keys(telegram_id)))).scalars()
    return [{"state": record.state, "data": record.data, "updated_at": record.updated_at}
            for record in records if record.state is not None or record.data]


async def forget_conversation(session: AsyncSession, telegram_id: int) -> None:
    """Erase a conversation in progress from the database storage (the CLI's erasure; the bot also asks its
    storage, which may be Redis)."""
    await session.execute(delete(FsmRecord).where(_conversation_keys(telegram_id)))


async def erase_user(session: AsyncSession, user: User, root_ids: frozenset[int] = frozenset()) -> None:
    """Delete personal data; keep an anonymous row (arrondissement, networks) for the City's counts."""
    from services.night import publication as night

    assert user.id is not None
    night_departures = await night.take_out(session, user)  # a published Night team is kept whole
    for table, column in _user_tables():
        if table.info.get("erase") == "delete":
            await session.execute(delete(table).where(table.c[column] == user.id))
    for column in _PERSONAL_USER_COLUMNS:
        setattr(user, column, [] if column in ("languages", "skills") else None)
    user.is_coordinator = False
    user.erased_at = user.updated_at = utcnow()
    await session.flush()
    # a seat they held goes to the next person waiting now, not when the periodic job runs
    await training.release_erased(session, user.erased_at)
    await night.repair(session, night_departures, user.erased_at, root_ids)
    await missions.release_erased(session, user.erased_at)


# -- /mydata as people read it -------------------------------------------------------------------------------

_SECTIONS = {
    "training_bookings": N_("Inscriptions aux formations"),
    "alert_recipients": N_("Alertes reçues"),
    "alert_answers": N_("Réponses aux alertes"),
    "alert_answer_events": N_("Historique des réponses aux alertes"),
    "night_registrations": N_("Inscriptions à la Nuit de la Solidarité"),
    "night_assignments": N_("Équipes de la Nuit de la Solidarité"),
    "night_leaders": N_("Chef d'équipe de la Nuit de la Solidarité"),
    "newsletter_subscriptions": N_("Abonnement à la lettre d'information"),
    "tender_consents": N_("Accord pour les marchés publics"),
    "tender_subscriptions": N_("Abonnements aux marchés publics"),
    "notice_deliveries": N_("Avis de marchés reçus"),
    "tender_digests": N_("Résumés de marchés reçus"),
    "outbox": N_("Messages que le bot vous a envoyés"),
    "campaigns": N_("Envois que vous avez lancés"),
    "trainings": N_("Formations que vous avez créées"),
    "alerts": N_("Alertes que vous avez lancées"),
    "audit_entries": N_("Journal des coordinateurs"),
}
_COLUMNS = {
    "telegram_id": N_("Identifiant Telegram"), "locale": N_("Langue du bot"), "full_name": N_("Nom"),
    "arrondissement": N_("Arrondissement"), "postal_code": N_("Code postal"),
    "climate_volunteer": N_("Volontaires du Climat"), "solidarity_volunteer": N_("Volontaires de la Solidarité"),
    "languages": N_("Langues parlées"), "skills": N_("Compétences"), "is_coordinator": N_("Coordinateur"),
    "consent_at": N_("Accord donné le"), "signed_up_at": N_("Inscrit le"), "blocked_at": N_("Bot bloqué le"),
    "created_at": N_("Créé le"), "updated_at": N_("Modifié le"), "status": N_("État"), "attended": N_("Présent"),
    "kind": N_("Type"), "answered_at": N_("Répondu le"), "at": N_("Le"), "people_checked": N_("Personnes vérifiées"),
    "first_time": N_("Première fois"), "can_lead": N_("Peut mener une équipe"), "group_code": N_("Code de groupe"),
    "access_constraint": N_("Contrainte d'accès"), "withdrawn_at": N_("Désisté le"), "role": N_("Rôle"),
    "present_at": N_("Présent à"), "active": N_("Actif"), "given_at": N_("Donné le"), "sent_at": N_("Envoyé le"),
    "parts": N_("Textes"), "last_error": N_("Erreur"), "frequency": N_("Fréquence"), "paused": N_("En pause"),
    "keywords": N_("Mots-clés"), "places": N_("Lieux"), "cpv_prefixes": N_("Métiers (codes CPV)"),
    "kinds": N_("Types d'avis"), "title": N_("Titre"), "action": N_("Action"), "count": N_("Personnes"),
    "first_name": N_("Prénom"), "organisation": N_("Organisation"), "matched_as": N_("Trouvé comme"),
    "day": N_("Jour"), "state": N_("Étape"), "data": N_("Réponses déjà données"),
}
_VALUES = {
    "booked": N_("place réservée"), "waitlisted": N_("liste d'attente"), "cancelled": N_("annulé"),
    "help": N_("peut aider"), "checked": N_("a vérifié ses voisins"), "unavailable": N_("indisponible"),
    "leader": N_("chef d'équipe"), "member": N_("équipier"), "sent": N_("envoyé"), "pending": N_("en attente"),
    "sending": N_("en attente"), "unreachable": N_("injoignable"), "failed": N_("échec"),
    "instant": N_("aussitôt"), "daily": N_("chaque jour"),
}
# bookkeeping that says nothing about the person: leases, counters, internal references
_HIDDEN = {"id", "seq", "attempts", "lease_until", "next_attempt_at", "parts_sent", "telegram_message_id",
           "erased_at", "chat_id", "notice_ids", "source_key", "report_chat_id", "progress_message_id",
           "report_sent_at", "paid", "notified_sector_id"}


def _label(locale: str, name: str) -> str:
    return t(locale, _COLUMNS[name]) if name in _COLUMNS else name.replace("_", " ")


def _readable(name: str, value: Any, locale: str, tz: ZoneInfo) -> Any:
    from services import segments, users

    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return t(locale, "oui") if value else t(locale, "non")
    if isinstance(value, datetime):
        return format_when(value, locale, tz)
    if isinstance(value, date | Decimal):
        return str(value)
    if name == "skills" and isinstance(value, list):
        return [t(locale, users.SKILLS[code]) if code in users.SKILLS else code for code in value]
    if name == "languages" and isinstance(value, list):
        return [segments.language_name(code, locale) for code in value]
    if name == "locale" and isinstance(value, str):
        return segments.language_name(value, locale)
    if name == "parts" and isinstance(value, list):
        return [part.get("text") for part in value if isinstance(part, dict)]
    if isinstance(value, str) and value in _VALUES:
        return t(locale, _VALUES[value])
    return value


def _row(row: dict[str, Any], locale: str, tz: ZoneInfo) -> dict[str, Any]:
    return {_label(locale, name): _readable(name, value, locale, tz) for name, value in row.items()
            if name == "telegram_id" or (name not in _HIDDEN and not name.endswith("_id"))}


def readable_export(data: dict[str, Any], locale: str, tz: ZoneInfo = PARIS, *, now: datetime) -> dict[str, Any]:
    """The export with keys and values in the reader's language (Paris time, names instead of codes)."""
    locale = normalize_locale(locale)
    document: dict[str, Any] = {t(locale, "Exporté le"): format_when(now, locale, tz),
                                t(locale, "Profil"): _row(data["profile"], locale, tz)}
    if data["conversation"]:
        document[t(locale, "Conversation en cours")] = [_row(row, locale, tz) for row in data["conversation"]]
    for table, rows in data["records"].items():
        title = t(locale, _SECTIONS[table]) if table in _SECTIONS else table.replace("_", " ")
        document[title] = [_row(row, locale, tz) for row in rows]
    return document


def summary(data: dict[str, Any], locale: str) -> str:
    """A few lines saying what is kept, before the full file."""
    locale = normalize_locale(locale)
    lines = [t(locale, "<b>Ce que le bot garde sur vous</b>"),
             t(locale, "• Votre profil (langue, nom, lieu, réseaux, langues, compétences)")]
    for table, rows in data["records"].items():
        title = t(locale, _SECTIONS[table]) if table in _SECTIONS else table.replace("_", " ")
        lines.append(f"• {title} : {len(rows)}")
    if data["conversation"]:
        lines.append(t(locale, "• Une conversation en cours (vos réponses pas encore validées)"))
    lines.append(t(locale, "Le fichier joint contient tout, en détail. /delete efface tout."))
    return "\n".join(lines)


def export_filename(locale: str) -> str:
    return t(normalize_locale(locale), "mes-donnees") + ".json"


def export_document(data: dict[str, Any], locale: str, *, now: datetime) -> bytes:
    return json.dumps(readable_export(data, locale, now=now), ensure_ascii=False, indent=2).encode("utf-8")


# -- data minimisation ----------------------------------------------------------------------------------------

_DONE = ("sent", "unreachable", "failed", "cancelled")


async def drop_old_texts(session: AsyncSession, *, now: datetime, days: int) -> tuple[int, int]:
    """Blank the texts of delivered outbox messages and the payloads of handled updates older than `days`.

    Rows stay (campaign outcomes and update counts hold); what people were sent or typed goes. Returns how
    many outbox rows and updates were blanked now (a second run finds nothing left to blank).
    """
    from models.inbox import ReceivedUpdate
    from models.outbox import Campaign, OutboxMessage

    cutoff = now - timedelta(days=days)
    old_campaigns = select(col(Campaign.id)).where(col(Campaign.created_at) < cutoff)
    texts = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.campaign_id).in_(old_campaigns), col(OutboxMessage.status).in_(_DONE),
               cast(OutboxMessage.parts, String) != "[]")
        .values(parts=[]).execution_options(synchronize_session=False))
    texts_dropped = int(texts.rowcount or 0)  # type: ignore[attr-defined]  # read before the next statement
    payloads = await session.execute(
        update(ReceivedUpdate)
        .where(col(ReceivedUpdate.received_at) < cutoff, col(ReceivedUpdate.payload).is_not(None),
               cast(ReceivedUpdate.payload, String) != "null", col(ReceivedUpdate.status) != "handling")
        .values(payload=null()).execution_options(synchronize_session=False))
    payloads_dropped = int(payloads.rowcount or 0)  # type: ignore[attr-defined]
    return texts_dropped, payloads_dropped
