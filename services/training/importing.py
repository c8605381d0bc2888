"""The quarter's programme from a CSV file, and the same file again after corrections.

The file is read by services/spreadsheets.py (UTF-8 ± BOM, `,` or `;`, every problem at once with its line:
a file with any malformed row imports nothing). Each row then finds its session by a stable key, so a
re-run updates rather than duplicates: the `id` column when there is one (a session of this bot), else
title (French) + start + place. A row is created, updated, unchanged, or skipped with its reason (a start
already past, seats below the bookings, a session that has started…). Skipped rows make the whole import
refused unless the caller allows skips (`--allow-skips`): then the other rows are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from locales import N_, t, tn
from models.base import utcnow
from models.training import Training, TrainingStatus
from services.errors import DomainError
from services.parsing import parse_moment, whole_number
from services.spreadsheets import Invalid, read_table
from services.training import inputs
from services.training import sessions as trainings


class TrainingRow(BaseModel):
    """One line of the programme; the columns are these names (any order, any case)."""

    id: int | None = None
    networks: list[str]
    theme: str
    title_fr: str
    title_en: str
    description_fr: str = ""
    description_en: str = ""
    start: str
    duration: int
    location: tuple[str | None, str | None]  # (place, online link)
    capacity: int

    @field_validator("*", mode="before")
    @classmethod
    def _parsed(cls, value: Any, info: ValidationInfo) -> Any:
        """Each cell read by the same parser as the bot's form, its refusal told with the line number."""
        try:
            return _PARSERS[info.field_name or ""](str(value))
        except DomainError as error:
            raise Invalid(error.message, **error.params) from None


def _networks(text: str) -> list[str]:
    return sorted(inputs.check_networks(part.strip().lower() for part in text.replace("+", ",").split(",")
                                        if part.strip()))


def _start(text: str) -> str:
    parse_moment(text, utcnow())  # the form only; the import reads it with its own clock
    return text


_PARSERS: dict[str, Callable[[str], Any]] = {
    "id": lambda text: whole_number(text, 1, 2**63 - 1),
    "networks": _networks,
    "theme": lambda text: inputs.clean_text(text, inputs.THEME_MAX),
    "title_fr": lambda text: inputs.clean_text(text, inputs.TITLE_MAX),
    "title_en": lambda text: inputs.clean_text(text, inputs.TITLE_MAX),
    "description_fr": lambda text: inputs.clean_text(text, inputs.DESCRIPTION_MAX, required=False),
    "description_en": lambda text: inputs.clean_text(text, inputs.DESCRIPTION_MAX, required=False),
    "start": _start,
    "duration": inputs.parse_duration,
    "location": inputs.parse_location,
    "capacity": inputs.parse_capacity,
}


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: list[tuple[int, DomainError]] = field(default_factory=list)  # (line number, why)
    new_sessions: list[Training] = field(default_factory=list)  # to announce together

    def render(self, locale: str) -> str:
        lines = [t(locale, "Créées : {created} · mises à jour : {updated} · inchangées : {unchanged} · "
                           "ignorées : {skipped}.", created=len(self.created), updated=len(self.updated),
                   unchanged=len(self.unchanged), skipped=len(self.skipped))]
        lines += [t(locale, "ligne {line} : {problem}", line=line, problem=error.render(locale))
                  for line, error in self.skipped]
        return "\n".join(lines)


class RowsSkipped(DomainError):
    """Some rows could not be applied and skips were not allowed: nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(N_("Fichier non importé."))
        self.report = report

    def render(self, locale: str) -> str:
        head = tn(locale, "Fichier non importé : {n} ligne ne peut pas être appliquée. Rien n'a été changé "
                          "(corrigez-la, ou acceptez de l'ignorer : --allow-skips).",
                  "Fichier non importé : {n} lignes ne peuvent pas être appliquées. Rien n'a été changé "
                  "(corrigez-les, ou acceptez de les ignorer : --allow-skips).", len(self.report.skipped))
        return head + "\n" + self.report.render(locale)


def row_key(row: TrainingRow) -> Any:
    """What must be unique within a file: the id, else title + start + place."""
    return ("id", row.id) if row.id is not None else (row.title_fr.casefold(), " ".join(row.start.split()),
                                                       row.location)


async def _existing(session: AsyncSession, row: TrainingRow, starts_at: datetime) -> Training | None:
    if row.id is not None:
        found = await trainings.get_training(session, row.id)
        if found is None:
            raise DomainError(N_("Aucune formation n'a l'identifiant {id}."), id=row.id)
        return found
    place, url = row.location
    return (await session.execute(select(Training).where(
        func.lower(col(Training.title_fr)) == row.title_fr.lower(), col(Training.starts_at) == starts_at,
        col(Training.place).is_(None) if place is None else col(Training.place) == place,
        col(Training.online_url).is_(None) if url is None else col(Training.online_url) == url,
        col(Training.status) == TrainingStatus.SCHEDULED).limit(1))).scalar_one_or_none()


def _values(row: TrainingRow, starts_at: datetime) -> dict[str, Any]:
    place, url = row.location
    return dict(networks=row.networks, theme=row.theme, title_fr=row.title_fr, title_en=row.title_en,
                description_fr=row.description_fr, description_en=row.description_en, starts_at=starts_at,
                duration_minutes=row.duration, place=place, online_url=url, capacity=row.capacity)


def _differences(training: Training, values: dict[str, Any]) -> dict[str, Any]:
    current = dict(networks=sorted(training.networks), theme=training.theme, title_fr=training.title_fr,
                   title_en=training.title_en, description_fr=training.description_fr,
                   description_en=training.description_en, starts_at=training.starts_at,
                   duration_minutes=training.duration_minutes, place=training.place,
                   online_url=training.online_url, capacity=training.capacity)
    return {name: value for name, value in values.items() if current[name] != value}


async def import_trainings(session: AsyncSession, data: bytes, now: datetime, *, created_by: int | None = None,
                           allow_skips: bool = False) -> ImportReport:
    """Create, update or leave each row's session; `RowsSkipped` (nothing kept) if a row cannot be applied and
    skips are not allowed. The caller announces `new_sessions` together (one message per volunteer)."""
    report = ImportReport()
    for line, row in read_table(data, TrainingRow, key=row_key):
        try:
            async with session.begin_nested():
                starts_at = inputs.parse_start(row.start, now)
                values = _values(row, starts_at)
                found = await _existing(session, row, starts_at)
                if found is None:
                    training = await trainings.create_training(session, **values, now=now, created_by=created_by)
                    report.new_sessions.append(training)
                    report.created.append(training.id or 0)
                    continue
                changes = _differences(found, values)
                if not changes:
                    report.unchanged.append(found.id or 0)
                    continue
                await trainings.update_training(session, found.id or 0, changes, now)
                report.updated.append(found.id or 0)
        except DomainError as error:
            report.skipped.append((line, error))
    if report.skipped and not allow_skips:
        raise RowsSkipped(report)
    return report
