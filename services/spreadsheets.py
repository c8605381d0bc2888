"""One policy for every CSV file a coordinator gives the bot or the CLI (trainings, Night sectors and leaders,
`night solve`, and any import to come).

- UTF-8, with or without the BOM spreadsheets write; `,` or `;` (French Excel saves `;`), found from the
  header line; typographic quotes from a phone (“…”, ‘…’) read as plain ones.
- The columns are named by a header line (any order, any case; unknown columns are ignored) and each row is
  validated by one declarative model (a pydantic model: types, ranges, validators).
- **All or nothing**: a file with any problem imports nothing, and every problem of the file is reported at
  once, with its line number and column, in the reader's language. A half-imported programme is worse than
  none: the coordinator fixes the file and imports it again.
- Hostile files are refused cleanly: over `MAX_BYTES`, a field over `MAX_FIELD` characters, not UTF-8.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from locales import N_, t, tn
from services.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_FIELD = 10_000
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})

Row = TypeVar("Row", bound=BaseModel)


class Invalid(ValueError):
    """Raised by a row model's validator: a French msgid and its parameters, shown in the reader's language."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Problem:
    line: int  # 1 is the header; 0 is the file as a whole
    message: str  # French msgid
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, locale: str) -> str:
        text = t(locale, self.message, **self.params)
        if self.line == 0:
            return text
        if self.column:
            return t(locale, "ligne {line}, {column} : {problem}", line=self.line, column=self.column, problem=text)
        return t(locale, "ligne {line} : {problem}", line=self.line, problem=text)


class SpreadsheetError(DomainError):
    """The file was not imported; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(N_("Fichier non importé."))
        self.problems = problems

    def render(self, locale: str) -> str:
        head = tn(locale, "Fichier non importé : {n} problème. Rien n'a été changé.",
                  "Fichier non importé : {n} problèmes. Rien n'a été changé.", len(self.problems))
        lines = [problem.render(locale) for problem in self.problems[:30]]
        if len(self.problems) > 30:
            lines.append(t(locale, "… et {n} autres.", n=len(self.problems) - 30))
        return "\n".join([head, *lines])


_PYDANTIC_MESSAGES = {
    "missing": N_("valeur manquante"),
    "int_parsing": N_("un nombre entier est attendu"),
    "int_type": N_("un nombre entier est attendu"),
    "int_from_float": N_("un nombre entier est attendu"),
    "float_parsing": N_("un nombre est attendu"),
    "bool_parsing": N_("« oui » ou « non » est attendu"),
    "greater_than_equal": N_("doit valoir au moins {limit}"),
    "greater_than": N_("doit valoir plus de {limit}"),
    "less_than_equal": N_("doit valoir au plus {limit}"),
    "less_than": N_("doit valoir moins de {limit}"),
    "string_too_long": N_("trop long ({limit} caractères au plus)"),
    "string_too_short": N_("ne peut pas être vide"),
    "literal_error": N_("valeur inconnue (possibles : {expected})"),
}


def _problem(line: int, error: Any) -> Problem:
    column = str(error["loc"][0]) if error["loc"] else None
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, Invalid):
        return Problem(line, cause.message, column, cause.params)
    message = _PYDANTIC_MESSAGES.get(error["type"], N_("valeur invalide"))
    limit = next((context[key] for key in ("ge", "gt", "le", "lt", "max_length", "min_length") if key in context), "")
    return Problem(line, message, column, {"limit": limit, "expected": context.get("expected", "")})


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise SpreadsheetError([Problem(0, N_("Fichier trop gros ({limit} Mo au plus)."),
                                            params={"limit": MAX_BYTES // (1024 * 1024)})])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            not_utf8 = N_("Ce fichier n'est pas un CSV en UTF-8 (enregistrez-le en « CSV UTF-8 »).")
            raise SpreadsheetError([Problem(0, not_utf8)]) from None
    return unicodedata.normalize("NFC", data.lstrip("\ufeff")).translate(_QUOTES)


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_table(data: bytes | str, model: type[Row], *,
               key: Callable[[Row], Hashable] | None = None) -> list[tuple[int, Row]]:
    """Every row of the file as (line number, validated row), or `SpreadsheetError` with every problem.

    `key` names what must be unique in the file (a sector's code…): a repeat is a problem of its own.
    """
    text = _text(data)
    lines = io.StringIO(text)
    header_line = lines.readline()
    lines.seek(0)
    reader = csv.reader(lines, delimiter=_delimiter(header_line))
    problems: list[Problem] = []
    rows: list[tuple[int, Row]] = []
    seen: dict[Hashable, int] = {}
    previous_field_limit = csv.field_size_limit(MAX_FIELD)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        expected = [name for name, info in model.model_fields.items() if info.is_required()]
        missing = [name for name in expected if name not in header]
        if not header or missing:
            raise SpreadsheetError([Problem(1, N_("colonnes manquantes : {columns} (attendues : {expected})"),
                                            params={"columns": ", ".join(missing or expected),
                                                    "expected": ", ".join(model.model_fields)})])
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error:
                unreadable = N_("ligne illisible (champ trop long ou guillemet non fermé)")
                problems.append(Problem(reader.line_num, unreadable))
                continue
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)
                      if name in model.model_fields and cell.strip()}
            try:
                row = model.model_validate(values)
            except ValidationError as error:
                problems.extend(_problem(reader.line_num, detail) for detail in error.errors())
                continue
            if key is not None:
                first = seen.setdefault(key(row), reader.line_num)
                if first != reader.line_num:
                    problems.append(Problem(reader.line_num, N_("déjà présent ligne {first}"), params={"first": first}))
                    continue
            rows.append((reader.line_num, row))
    finally:
        csv.field_size_limit(previous_field_limit)
    if problems:
        raise SpreadsheetError(problems)
    return rows
