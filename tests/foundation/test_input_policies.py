"""Inputs parsed once, strictly: typed numbers, and the one CSV policy every import follows."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, field_validator

from services.errors import DomainError
from services.parsing import whole_number
from services.spreadsheets import MAX_BYTES, Invalid, SpreadsheetError, read_table


class SectorRow(BaseModel):
    code: str = Field(max_length=20)
    arrondissement: int = Field(ge=1, le=20)
    kind: Literal["street", "station", "car_park"] = "street"
    meeting_point: str

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if " " in value:
            raise Invalid("un code sans espace est attendu")
        return value


@pytest.mark.parametrize(("text", "expected"), [("12", 12), (" 7 ", 7), ("-3", -3), ("1 000", 1000)])
def test_whole_numbers(text: str, expected: int) -> None:
    assert whole_number(text, -10, 5000) == expected


@pytest.mark.parametrize("text", ["²", "12²", "١٢", "1.5", "", "douze", "99999999999999999999999"])
def test_not_whole_numbers(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        whole_number(text, 0, 5000)
    assert "entre 0 et 5000" in refused.value.render("fr")


def test_semicolons_bom_and_typographic_quotes_as_a_french_spreadsheet_saves_them() -> None:
    data = ("\ufeffCode;Arrondissement;meeting_point;notes\r\n"
            "18-A;18;“Mairie du 18e; entrée nord”;ignored\r\n"
            "\r\n"
            "11-B;11;Métro Oberkampf;\r\n").encode()
    rows = read_table(data, SectorRow, key=lambda row: row.code)
    assert [(line, row.code, row.meeting_point) for line, row in rows] == [
        (2, "18-A", "Mairie du 18e; entrée nord"), (4, "11-B", "Métro Oberkampf")]


def test_commas_and_decomposed_unicode() -> None:
    data = "code,arrondissement,meeting_point\nA,5,Place Jose\u0301 Marti\n".encode()
    [(_, row)] = read_table(data, SectorRow)
    assert row.meeting_point == "Place José Marti"


def test_every_problem_of_the_file_at_once_with_its_line_in_the_readers_language() -> None:
    data = ("code;arrondissement;meeting_point;kind\n"
            "A;21;Ici;street\n"
            "B C;²;Là;boat\n"
            "A;3;;street\n").encode()
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, SectorRow, key=lambda row: row.code)
    french = refused.value.render("fr")
    english = refused.value.render("en")
    assert french.startswith("Fichier non importé : 5 problèmes. Rien n'a été changé.")
    assert "ligne 2, arrondissement : doit valoir au plus 20" in french
    assert "ligne 3, code : un code sans espace est attendu" in french
    assert "ligne 3, arrondissement : un nombre entier est attendu" in french
    assert "ligne 3, kind : valeur inconnue" in french
    assert "ligne 4, meeting_point : valeur manquante" in french
    assert english.startswith("File not imported: 5 problems. Nothing was changed.")
    assert "line 2, arrondissement: must be at most 20" in english


def test_a_repeated_key_is_a_problem_not_a_silent_merge() -> None:
    data = b"code,arrondissement,meeting_point\nA,1,x\nA,2,y\n"
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, SectorRow, key=lambda row: row.code)
    assert "ligne 3 : déjà présent ligne 2" in refused.value.render("fr")


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "colonnes manquantes"),
    (b"code,meeting_point\nA,x\n", "colonnes manquantes : arrondissement"),
    ("code,arrondissement,meeting_point\nA,1,x\n".encode("latin-1") + b"\xe9\xff\n", "pas un CSV en UTF-8"),
    (b"code,arrondissement,meeting_point\nA,1," + b"x" * 128 * 1024 + b"\n", "ligne illisible"),
    (b"code,arrondissement,meeting_point\nA,1,\"never closed\n" + b"x" * 20_000, "ligne illisible"),
    (b"x" * (MAX_BYTES + 1), "Fichier trop gros"),
])
def test_hostile_files_are_refused_cleanly(data: bytes, expected: str) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, SectorRow)
    assert expected in refused.value.render("fr")
