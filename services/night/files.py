"""CSV files for coordinators who work in spreadsheets: `night solve` instances and plans, sector and leader imports.

`night solve` files: the first columns are fixed, in order; extra columns after them are allowed and ignored.
Sector and leader imports go through the shared CSV policy (`services.spreadsheets.read_table`: `,` or `;`,
a BOM, typographic quotes, all or nothing, every problem at once in the reader's language).
A file with any bad row is refused as a whole, so nothing half-imported stays.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import time

from pydantic import BaseModel, Field, field_validator, model_validator

from locales import N_
from services.night.assignment import Placement, Team, Volunteer
from services.night.rules import SECTOR_KINDS, SectorInput
from services.spreadsheets import Invalid, read_table

VOLUNTEER_COLUMNS = ("volunteer_id", "arrondissement_prefs", "experienced", "group", "can_lead")
TEAM_COLUMNS = ("team_id", "arrondissement", "min_volunteers", "max_volunteers", "leader_id")
ASSIGNMENT_COLUMNS = ("volunteer_id", "team_id", "role")


class CsvError(ValueError):
    """A file that cannot be used; `problems` says where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _rows(text: str, columns: Sequence[str]) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))  # spreadsheets often save a BOM
    header = next(reader, None)
    if header is None:
        raise CsvError(["empty file"])
    found = [name.strip().lower() for name in header[:len(columns)]]
    if found != list(columns):
        raise CsvError([f"line 1: the first columns must be {','.join(columns)} (found {','.join(found)})"])
    return [(number, [cell.strip() for cell in row]) for number, row in enumerate(reader, start=2)
            if any(cell.strip() for cell in row)]


def _flag(value: str, line: int, column: str, problems: list[str]) -> bool:
    if value not in ("0", "1"):
        problems.append(f"line {line}: {column} must be 0 or 1, not {value!r}")
    return value == "1"


def _int(value: str, line: int, column: str, problems: list[str], low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        problems.append(f"line {line}: {column} must be a whole number from {low} to {high}, not {value!r}")
        return low
    return int(value)


def read_volunteers(text: str) -> list[Volunteer]:
    problems: list[str] = []
    volunteers: list[Volunteer] = []
    seen: set[str] = set()
    for line, row in _rows(text, VOLUNTEER_COLUMNS):
        if len(row) < len(VOLUNTEER_COLUMNS):
            problems.append(f"line {line}: {len(VOLUNTEER_COLUMNS)} columns needed, found {len(row)}")
            continue
        volunteer_id, prefs_text, experienced, group, can_lead = row[:5]
        if not volunteer_id or volunteer_id in seen:
            problems.append(f"line {line}: volunteer_id {volunteer_id!r} is empty or repeated")
        seen.add(volunteer_id)
        prefs = []
        for part in (p for p in prefs_text.split(";") if p.strip()):
            prefs.append(_int(part.strip(), line, "arrondissement_prefs", problems, 1, 20))
        if not prefs or len(set(prefs)) != len(prefs) or len(prefs) > 3:
            problems.append(f"line {line}: arrondissement_prefs needs 1 to 3 distinct arrondissements like 18;19;10")
        volunteers.append(Volunteer(volunteer_id, tuple(prefs), _flag(experienced, line, "experienced", problems),
                                    group or None, _flag(can_lead, line, "can_lead", problems)))
    if problems:
        raise CsvError(problems)
    return volunteers


def read_teams(text: str) -> list[Team]:
    problems: list[str] = []
    teams: list[Team] = []
    seen: set[str] = set()
    for line, row in _rows(text, TEAM_COLUMNS):
        if len(row) < len(TEAM_COLUMNS):
            problems.append(f"line {line}: {len(TEAM_COLUMNS)} columns needed, found {len(row)}")
            continue
        team_id, arrondissement, low, high, leader = row[:5]
        if not team_id or team_id in seen:
            problems.append(f"line {line}: team_id {team_id!r} is empty or repeated")
        seen.add(team_id)
        minimum = _int(low, line, "min_volunteers", problems, 1, 10)
        maximum = _int(high, line, "max_volunteers", problems, 1, 10)
        if maximum < minimum:
            problems.append(f"line {line}: max_volunteers is below min_volunteers")
        teams.append(Team(team_id, _int(arrondissement, line, "arrondissement", problems, 1, 20), minimum, maximum,
                          leader or None))
    if problems:
        raise CsvError(problems)
    return teams


def write_assignment(volunteers: Sequence[Volunteer], placements: Mapping[str, Placement]) -> str:
    """One row per volunteer, input order; team_id and role are empty when unassigned."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ASSIGNMENT_COLUMNS)
    for volunteer in volunteers:
        placement = placements.get(volunteer.id)
        writer.writerow([volunteer.id, placement.team_id if placement else "", placement.role if placement else ""])
    return out.getvalue()


def read_assignment(text: str) -> list[tuple[str, str | None, str | None]]:
    """An A.csv back as (volunteer_id, team_id or None, role or None) rows, for checking it."""
    return [(row[0], row[1] or None if len(row) > 1 else None, row[2] or None if len(row) > 2 else None)
            for _line, row in _rows(text, ASSIGNMENT_COLUMNS)]


class SectorRow(BaseModel):
    """One line of a sectors file (`volunteer-bot night import-sectors`), read by the shared CSV policy."""

    code: str = Field(min_length=1, max_length=40)
    arrondissement: int = Field(ge=1, le=20)
    kind: str
    meeting_point: str = Field(min_length=1, max_length=120)
    meeting_address: str = Field(min_length=1, max_length=200)
    meeting_time: str
    min_volunteers: int = Field(default=3, ge=1, le=10)
    max_volunteers: int = Field(default=4, ge=1, le=10)
    leader_code: str | None = Field(default=None, max_length=40)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in SECTOR_KINDS:
            raise Invalid(N_("type de secteur inconnu : {kind} (possibles : {kinds})"), kind=value,
                          kinds=", ".join(SECTOR_KINDS))
        return value

    @field_validator("meeting_time")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise Invalid(N_("une heure comme 19:00 est attendue, pas {value}"), value=value) from None
        return value

    @model_validator(mode="after")
    def _sizes(self) -> SectorRow:
        if self.max_volunteers < self.min_volunteers:
            raise Invalid(N_("max_volunteers est plus petit que min_volunteers"))
        return self


class LeaderRow(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    first_name: str = Field(min_length=1, max_length=64)
    organisation: str | None = Field(default=None, max_length=80)
    telegram_id: int | None = None


def read_sectors(data: bytes | str) -> list[tuple[int, SectorInput]]:
    """Every sector of the file with its line, or `SpreadsheetError` with every problem (`,` or `;`)."""
    return [(line, SectorInput(row.code, row.arrondissement, row.kind, row.meeting_point, row.meeting_address,
                               time.fromisoformat(row.meeting_time), row.min_volunteers, row.max_volunteers,
                               row.leader_code or None))
            for line, row in read_table(data, SectorRow, key=lambda row: row.code)]


def read_leaders(data: bytes | str) -> list[LeaderRow]:
    return [row for _line, row in read_table(data, LeaderRow, key=lambda row: row.code)]
