"""CSV files for coordinators who work in spreadsheets: `night solve` instances and plans, sector and leader imports.

The first columns are fixed, in order; extra columns after them are allowed and ignored (notes, names…).
A file with any bad row is refused as a whole, with one line per problem, so nothing half-imported stays.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import time

from services.night.assignment import Placement, Team, Volunteer
from services.night.rules import SectorInput

VOLUNTEER_COLUMNS = ("volunteer_id", "arrondissement_prefs", "experienced", "group", "can_lead")
TEAM_COLUMNS = ("team_id", "arrondissement", "min_volunteers", "max_volunteers", "leader_id")
ASSIGNMENT_COLUMNS = ("volunteer_id", "team_id", "role")
SECTOR_COLUMNS = ("code", "arrondissement", "kind", "meeting_point", "meeting_address", "meeting_time",
                  "min_volunteers", "max_volunteers", "leader_code")
LEADER_COLUMNS = ("code", "first_name", "organisation", "telegram_id")


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


def read_sectors(text: str) -> list[SectorInput]:
    problems: list[str] = []
    sectors: list[SectorInput] = []
    for line, row in _rows(text, SECTOR_COLUMNS):
        if len(row) < len(SECTOR_COLUMNS) - 1:
            problems.append(f"line {line}: {len(SECTOR_COLUMNS) - 1} columns needed, found {len(row)}")
            continue
        code, arrondissement, kind, point, address, clock, low, high = row[:8]
        try:
            meeting = time.fromisoformat(clock)
        except ValueError:
            problems.append(f"line {line}: meeting_time must look like 19:00, not {clock!r}")
            meeting = time(19, 0)
        sectors.append(SectorInput(code, _int(arrondissement, line, "arrondissement", problems, 1, 20), kind, point,
                                   address, meeting, _int(low, line, "min_volunteers", problems, 1, 10),
                                   _int(high, line, "max_volunteers", problems, 1, 10),
                                   (row[8] if len(row) > 8 else "") or None))
    if problems:
        raise CsvError(problems)
    return sectors


def read_leaders(text: str) -> list[tuple[str, str, str | None, int | None]]:
    problems: list[str] = []
    leaders: list[tuple[str, str, str | None, int | None]] = []
    for line, row in _rows(text, LEADER_COLUMNS):
        row = row + [""] * (len(LEADER_COLUMNS) - len(row))
        code, first_name, organisation, telegram = row[:4]
        if not code or not first_name:
            problems.append(f"line {line}: code and first_name are required")
        if telegram and not telegram.isdigit():
            problems.append(f"line {line}: telegram_id must be a number, not {telegram!r}")
        leaders.append((code, first_name, organisation or None, int(telegram) if telegram.isdigit() else None))
    if problems:
        raise CsvError(problems)
    return leaders
