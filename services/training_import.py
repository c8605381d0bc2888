"""Announce many trainings at once from a CSV file (the quarter's programme), skipping bad rows with reasons.

One bad row never drops the file: each row is created in its own savepoint, and every skipped row is
reported with its line number and why.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from locales import N_, t
from services import training as trainings
from services import training_input
from services.errors import DomainError

COLUMNS = ("networks", "theme", "title_fr", "title_en", "description_fr", "description_en", "start", "duration",
           "location", "capacity")
REQUIRED = ("networks", "theme", "title_fr", "title_en", "start", "duration", "location", "capacity")


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason in the reader's language)


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from UTF-8 CSV bytes (comma or semicolon, as spreadsheets export)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(N_("Ce fichier n'est pas un CSV en UTF-8.")) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DomainError(N_("Colonnes manquantes dans le fichier : {columns}."), columns=", ".join(missing))
    reader.fieldnames = header
    return [(reader.line_num, {key: (value or "").strip() for key, value in row.items() if key})
            for row in reader]


async def import_trainings(session: AsyncSession, data: bytes, now: datetime, locale: str = "fr",
                           created_by: int | None = None) -> ImportReport:
    """Create every valid row; report the others."""
    report = ImportReport()
    for line, row in read_rows(data):
        try:
            async with session.begin_nested():
                place, url = training_input.parse_location(row.get("location", ""))
                training = await trainings.create_training(
                    session, networks=[part.strip() for part in row["networks"].replace("+", ",").split(",")
                                       if part.strip()],
                    theme=row["theme"], title_fr=row["title_fr"], title_en=row["title_en"],
                    description_fr=row.get("description_fr", ""), description_en=row.get("description_en", ""),
                    starts_at=training_input.parse_start(row["start"], now),
                    duration_minutes=training_input.parse_duration(row["duration"]), place=place, online_url=url,
                    capacity=training_input.parse_capacity(row["capacity"]), now=now, created_by=created_by)
        except DomainError as error:
            report.skipped.append((line, error.render(locale)))
            continue
        except (KeyError, AttributeError):
            report.skipped.append((line, t(locale, "Ligne incomplète.")))
            continue
        assert training.id is not None
        report.created.append(training.id)
    return report
