"""`volunteer-bot trainings …` on a real database: create, list, import (with bad rows), export, cancel."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.db import create_engine, create_sessionmaker
from models.base import utcnow
from models.outbox import Campaign, OutboxMessage
from models.training import Training, TrainingStatus
from services.training import sessions as trainings
from tests import factories

runner = CliRunner()


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _stored(url: str) -> list[Training]:
    async def read() -> list[Training]:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return list((await session.execute(select(Training).order_by(Training.id))).scalars())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_create_list_export_and_cancel(database: str, tmp_path: Path) -> None:
    created = runner.invoke(app, [
        "training", "create", "-n", "climate", "-n", "solidarity", "--theme", "Canicule",
        "--title-fr", "Le Volontaire et la canicule", "--title-en", "The volunteer and the heat wave",
        "--start", "12/12/2030 18:30", "--duration", "1h30", "--place", "Hôtel de Ville", "--capacity", "2"])
    assert created.exit_code == 0, created.output
    [training] = _stored(database)
    assert (training.for_climate, training.for_solidarity, training.duration_minutes) == (True, True, 90)

    async def book() -> None:
        engine = create_engine(database)
        try:
            async with create_sessionmaker(engine).begin() as session:
                for n, name in enumerate(("Camille Martin", "Sam Jones", "Lou Bernard")):
                    person = await factories.volunteer(session, 600 + n, name=name)
                    await trainings.book_seat(session, training.id, person, utcnow())  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    asyncio.run(book())
    listing = runner.invoke(app, ["training", "list"])
    assert listing.exit_code == 0 and "Le Volontaire et la canicule" in listing.output
    assert "2/2" in listing.output and "12/12/2030 18:30" in listing.output

    # the export people open: French headers and values, `;`, a BOM, Paris time (English with --locale en)
    out = tmp_path / "formation.csv"
    exported = runner.invoke(app, ["training", "export", str(training.id), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").startswith("Nom;Statut;Position en attente")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [(row["Nom"], row["Statut"], row["Position en attente"]) for row in rows] == [
        ("Camille Martin", "inscrit", ""), ("Sam Jones", "inscrit", ""), ("Lou Bernard", "en attente", "1")]
    english = runner.invoke(app, ["training", "export", str(training.id), "--locale", "en"])
    rows = list(csv.DictReader(io.StringIO(english.output)))
    assert [(row["Name"], row["Status"], row["Wait-list position"]) for row in rows] == [
        ("Camille Martin", "booked", ""), ("Sam Jones", "booked", ""), ("Lou Bernard", "waiting", "1")]
    assert all(len(row["Booked on (Paris time)"]) == 16 for row in rows)  # 29/11/2026 22:58
    unwritable = runner.invoke(app, ["training", "export", str(training.id), "-o", str(tmp_path / "no" / "x.csv")])
    assert unwritable.exit_code == 1 and "Cannot write" in unwritable.output and "Traceback" not in unwritable.output

    declined = runner.invoke(app, ["training", "cancel", str(training.id)], input="n\n")
    assert declined.exit_code == 1 and "3 person(s) booked or waiting will be told" in declined.output
    assert _stored(database)[0].status == TrainingStatus.SCHEDULED  # asked first: nothing happened
    cancelled = runner.invoke(app, ["training", "cancel", str(training.id)], input="y\n")
    assert cancelled.exit_code == 0 and "3 people will be told" in cancelled.output
    assert _stored(database)[0].status == TrainingStatus.CANCELLED
    again = runner.invoke(app, ["training", "cancel", str(training.id), "--yes"])
    assert again.exit_code == 1 and "already cancelled" in again.output


def test_refusals_change_nothing(database: str) -> None:
    for arguments, reason in (
        (["--capacity", "0", "--start", "12/12/2030 18:30"], "seats goes from 1"),
        (["--capacity", "5", "--start", "28/03/2027 02:15"], "daylight saving"),
        (["--capacity", "5", "--start", "demain"], "did not understand this date"),
    ):
        result = runner.invoke(app, ["training", "create", "-n", "climate", "--theme", "T", "--title-fr", "T",
                                     "--title-en", "T", "--place", "Ici", *arguments])
        assert result.exit_code == 1 and reason in result.output, result.output
    missing = runner.invoke(app, ["training", "export", "4242"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert _stored(database) == []


def test_an_import_with_bad_rows_imports_nothing_and_lists_every_problem(database: str, tmp_path: Path) -> None:
    programme = tmp_path / "programme.csv"
    programme.write_text(
        "networks;theme;title_fr;title_en;description_fr;description_en;start;duration;location;capacity\n"
        "climate;Canicule;Canicule;Heat wave;;;10/01/2031 18:30;2h;Hôtel de Ville;20\n"
        "solidarity;Aller vers;Aller vers;Reaching out;;;31/02/2031 18:30;2h;Fabrique;15\n"
        "climate+solidarity;Déchets;Déchets;Waste;;;12/01/2031 18:30;90;https://visio.paris.fr/dechets;abc\n"
        "lune;Mobilité;Mobilité;Mobility;;;13/01/2031 18:30;90;Ici;10\n"
        "solidarity;Femmes;Femmes sans abri;Homeless women;;;14/01/2031 10:00;3h;https://visio.paris.fr/f;²\n",
        encoding="utf-8")
    result = runner.invoke(app, ["training", "import", str(programme)])
    assert result.exit_code == 1, result.output
    assert "File not imported: 4 problems. Nothing was changed." in result.output
    assert "line 3, start: I did not understand this date" in result.output
    assert "line 4, capacity: Give a number of seats" in result.output
    assert "line 5, networks: Choose at least one network" in result.output
    assert "line 6, capacity: Give a number of seats" in result.output  # "²" is not a number
    assert "Traceback" not in result.output
    assert _stored(database) == []


def test_a_malformed_file_is_refused_whole(database: str, tmp_path: Path) -> None:
    wrong_columns = tmp_path / "wrong.csv"
    wrong_columns.write_text("name,date\nCanicule,12/12/2030\n", encoding="utf-8")
    result = runner.invoke(app, ["training", "import", str(wrong_columns)])
    assert result.exit_code == 1 and "missing columns: networks, theme" in result.output
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not a csv \x00\x81")
    result = runner.invoke(app, ["training", "import", str(binary)])
    assert result.exit_code == 1 and "not a UTF-8 CSV" in result.output
    assert _stored(database) == []


def _outbox(url: str) -> list[tuple[str, int, str]]:
    async def read() -> list[tuple[str, int, str]]:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                rows = (await session.execute(select(Campaign.source_key, OutboxMessage.chat_id, OutboxMessage.parts)
                                              .join(OutboxMessage))).all()
                return [(key or "", chat_id, parts[0]["text"]) for key, chat_id, parts in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_reimport_updates_instead_of_duplicating_and_announces_once(database: str, tmp_path: Path) -> None:
    async def people() -> None:
        engine = create_engine(database)
        try:
            async with create_sessionmaker(engine).begin() as session:
                await factories.volunteer(session, 661, locale="fr", climate=True)
                await factories.volunteer(session, 662, locale="en", climate=False, solidarity=True)
        finally:
            await engine.dispose()

    asyncio.run(people())
    header = "networks;theme;title_fr;title_en;start;duration;location;capacity\n"
    rows = ["climate;Canicule;Canicule;Heat wave;10/01/2031 18:30;2h;Hôtel de Ville;20\n",
            "climate+solidarity;Déchets;Déchets;Waste;2031-01-12 18:30;90;https://visio.paris.fr/d;15\n",
            "solidarity;Femmes;Femmes sans abri;Homeless women;14/01/2031 10h00;3h;Fabrique;30\n"]
    programme = tmp_path / "programme.csv"
    programme.write_text(header + "".join(rows), encoding="utf-8")
    first = runner.invoke(app, ["training", "import", str(programme)])
    assert first.exit_code == 0, first.output
    assert "Created: 3 · updated: 0 · unchanged: 0 · skipped: 0." in first.output
    assert "announced to 2 volunteer(s), one message each" in first.output
    announced = [(chat, text) for key, chat, text in _outbox(database) if key.startswith("training:announce:")]
    assert sorted(chat for chat, _text in announced) == [661, 662]  # one message per volunteer, not per session
    french = next(text for chat, text in announced if chat == 661)
    english = next(text for chat, text in announced if chat == 662)
    assert "Nouvelles formations pour vous" in french and "Canicule" in french and "Femmes" not in french
    assert "New trainings for you" in english and "Homeless women" in english and "Heat wave" not in english

    again = runner.invoke(app, ["training", "import", str(programme)])  # the same file: nothing changes
    assert again.exit_code == 0 and "Created: 0 · updated: 0 · unchanged: 3 · skipped: 0." in again.output
    assert len(_stored(database)) == 3

    first_id = _stored(database)[0].id
    rows[0] = "climate;Canicule;Canicule;Heat wave;10/01/2031 18:30;2h;Hôtel de Ville;25\n"
    rows[2] = rows[2].replace(";30\n", ";35\n")
    programme.write_text(header.replace("networks", "id;networks") + f"{first_id};{rows[0]}" + ";" + rows[1] + ";"
                         + rows[2], encoding="utf-8")
    updated = runner.invoke(app, ["training", "import", str(programme)])
    assert updated.exit_code == 0 and "Created: 0 · updated: 2 · unchanged: 1 · skipped: 0." in updated.output
    assert [t.capacity for t in _stored(database)] == [25, 15, 35]

    programme.write_text(header + "".join(rows) + "climate;Passé;Passé;Past;10/01/2020 18:30;2h;Ici;5\n",
                         encoding="utf-8")
    skipped = runner.invoke(app, ["training", "import", str(programme)])
    assert skipped.exit_code == 1 and "1 row cannot be applied" in skipped.output
    assert "line 5: This date has already gone by" in skipped.output
    allowed = runner.invoke(app, ["training", "import", str(programme), "--allow-skips"])
    assert allowed.exit_code == 0 and "unchanged: 3 · skipped: 1." in allowed.output
    assert len(_stored(database)) == 3
    assert len([key for key, _chat, _text in _outbox(database) if key.startswith("training:announce:")]) == 2


def test_move_says_how_many_are_told_and_asks_first(database: str) -> None:
    created = runner.invoke(app, ["training", "create", "-n", "climate", "--theme", "T", "--title-fr", "Titre",
                                  "--title-en", "Title", "--place", "Ici", "--capacity", "5",
                                  "--start", "12/12/2030 18:30"])
    assert created.exit_code == 0, created.output
    [training] = _stored(database)

    async def book() -> None:
        engine = create_engine(database)
        try:
            async with create_sessionmaker(engine).begin() as session:
                for n in range(2):
                    person = await factories.volunteer(session, 670 + n, locale="fr" if n else "en")
                    await trainings.book_seat(session, training.id, person, utcnow())  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    asyncio.run(book())
    declined = runner.invoke(app, ["training", "move", str(training.id), "--start", "13/12 18h30"], input="n\n")
    assert declined.exit_code == 1 and "2 person(s) booked or waiting will be told" in declined.output
    assert _stored(database)[0].starts_at == training.starts_at
    moved = runner.invoke(app, ["training", "move", str(training.id), "--start", "2030-12-13 18:30", "--yes"])
    assert moved.exit_code == 0 and "2 people will be told" in moved.output, moved.output
    stored = _stored(database)[0]
    assert stored.starts_at == training.starts_at + timedelta(days=1) and stored.sequence == 1
    bad = runner.invoke(app, ["training", "move", str(training.id), "--start", "²", "--yes"])
    assert bad.exit_code == 1 and "did not understand this date" in bad.output and "Traceback" not in bad.output
