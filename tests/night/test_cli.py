"""`volunteer-bot night …` from a terminal: solve from CSV files, imports, assign; malformed files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.night import instance
from bot.cli import app
from bot.config import get_settings
from services.night.assignment import check
from services.night.files import read_assignment, read_teams, read_volunteers

runner = CliRunner()


def _write_instance(tmp_path: Path) -> tuple[Path, Path]:
    volunteers, teams = instance(300, 30, seed=3)
    v_csv, t_csv = tmp_path / "V.csv", tmp_path / "T.csv"
    v_csv.write_text("volunteer_id,arrondissement_prefs,experienced,group,can_lead,name\n" + "".join(
        f"{v.id},{';'.join(map(str, v.prefs))},{int(v.experienced)},{v.group or ''},{int(v.can_lead)},Someone\n"
        for v in volunteers), encoding="utf-8")
    t_csv.write_text("team_id,arrondissement,min_volunteers,max_volunteers,leader_id\n" + "".join(
        f"{t.id},{t.arrondissement},{t.min_volunteers},{t.max_volunteers},{t.leader_id or ''}\n" for t in teams),
        encoding="utf-8")
    return v_csv, t_csv


def test_solve_from_files_prints_one_json_line_and_a_valid_plan(tmp_path: Path) -> None:
    v_csv, t_csv = _write_instance(tmp_path)
    out = tmp_path / "A.csv"
    result = runner.invoke(app, ["night", "solve", "--volunteers", str(v_csv), "--teams", str(t_csv),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["violations"] == 0 and report["assigned"] + report["unassigned"] == 300
    assert report["bound"] <= report["objective"] and report["teams_filled"] <= 30
    volunteers = read_volunteers(v_csv.read_text(encoding="utf-8"))
    teams = read_teams(t_csv.read_text(encoding="utf-8"))
    rows = read_assignment(out.read_text(encoding="utf-8"))
    assert len(rows) == 300 and check(volunteers, teams, rows) == []
    assert sum(1 for _v, team, _r in rows if team) == report["assigned"]


@pytest.mark.parametrize(("content", "message"), [
    ("volunteer,prefs\nV1,18\n", "first columns must be"),
    ("volunteer_id,arrondissement_prefs,experienced,group,can_lead\nV1,18;42,1,,0\n", "line 2: arrondissement_prefs"),
    ("volunteer_id,arrondissement_prefs,experienced,group,can_lead\nV1,18,yes,,0\n", "line 2: experienced must be"),
    ("volunteer_id,arrondissement_prefs,experienced,group,can_lead\nV1,18,1,,0\nV1,19,1,,0\n", "line 3: volunteer_id"),
    ("volunteer_id,arrondissement_prefs,experienced,group,can_lead\nV1,18\n", "line 2: 5 columns needed"),
    ("", "empty file"),
])
def test_malformed_volunteer_files_are_refused_with_the_line(tmp_path: Path, content: str, message: str) -> None:
    _v_csv, t_csv = _write_instance(tmp_path)
    bad, out = tmp_path / "bad.csv", tmp_path / "A.csv"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["night", "solve", "--volunteers", str(bad), "--teams", str(t_csv), "--out", str(out)])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_malformed_team_file_and_missing_file(tmp_path: Path) -> None:
    v_csv, _t_csv = _write_instance(tmp_path)
    bad, out = tmp_path / "T.csv", tmp_path / "A.csv"
    bad.write_text("team_id,arrondissement,min_volunteers,max_volunteers,leader_id\nT1,18,4,3,\n", encoding="utf-8")
    result = runner.invoke(app, ["night", "solve", "--volunteers", str(v_csv), "--teams", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "max_volunteers is below min_volunteers" in result.output
    result = runner.invoke(app, ["night", "solve", "--volunteers", str(tmp_path / "none.csv"), "--teams", str(bad),
                                 "--out", str(out)])
    assert result.exit_code == 2 and "none.csv" in result.output


def test_create_import_and_assign_an_edition(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        created = runner.invoke(app, ["night", "create", "2099-01-28", "2099-01-20"])
        assert created.exit_code == 0, created.output
        edition = created.output.strip()
        leaders = tmp_path / "leaders.csv"
        leaders.write_text("code,first_name,organisation,telegram_id\nL1,Karim,Emmaüs,\nL2,Sophie,,\n",
                           encoding="utf-8")
        assert runner.invoke(app, ["night", "import-leaders", edition, str(leaders)]).exit_code == 0
        sectors = tmp_path / "sectors.csv"
        header = "code,arrondissement,kind,meeting_point,meeting_address,meeting_time,min_volunteers,max_volunteers," \
                 "leader_code\n"
        sectors.write_text(header + "18-A,18,street,Mairie du 18e,1 place Jules Joffrin,19:00,3,4,L1\n"
                           "18-B,18,gare,Gare du Nord,18 rue de Dunkerque,19:00,3,4,\n", encoding="utf-8")
        refused = runner.invoke(app, ["night", "import-sectors", edition, str(sectors)])
        assert refused.exit_code == 2 and "line 3" in refused.output and "gare" in refused.output
        sectors.write_text(header + "18-A,18,street,Mairie du 18e,1 place Jules Joffrin,19:00,3,4,L1\n"
                           "18-B,18,station,Gare du Nord,18 rue de Dunkerque,7pm,3,4,\n", encoding="utf-8")
        refused = runner.invoke(app, ["night", "import-sectors", edition, str(sectors)])
        assert refused.exit_code == 2 and "line 3, meeting_time" in refused.output
        assigned = runner.invoke(app, ["night", "assign", edition])
        assert assigned.exit_code == 2 and "Aucun secteur" in assigned.output  # nothing of the bad files stayed
        sectors.write_text(header + "18-A,18,street,Mairie du 18e,1 place Jules Joffrin,19:00,3,4,L1\n"
                           "18-B,18,station,Gare du Nord,18 rue de Dunkerque,19:30,3,4,L2\n", encoding="utf-8")
        imported = runner.invoke(app, ["night", "import-sectors", edition, str(sectors)])
        assert imported.exit_code == 0 and "2 sectors imported" in imported.output
        assigned = runner.invoke(app, ["night", "assign", edition])
        assert assigned.exit_code == 0, assigned.output
        summary = json.loads(assigned.output.strip())
        assert summary["sectors"] == 2 and summary["teams_formed"] == 0 and summary["uncovered"] == ["18-A", "18-B"]
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_imports_take_semicolons_and_report_every_problem_at_once_in_the_language(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        edition = runner.invoke(app, ["night", "create", "2099-01-28", "2099-01-20"]).output.strip()
        leaders = tmp_path / "leaders.csv"  # what French Excel saves: `;`, a BOM, typographic quotes
        leaders.write_bytes("\ufeffcode;first_name;organisation;telegram_id\nL1;Karim;“Emmaüs”;\n".encode())
        assert runner.invoke(app, ["night", "import-leaders", edition, str(leaders), "--locale", locale]).exit_code == 0
        sectors = tmp_path / "sectors.csv"
        header = "code;arrondissement;kind;meeting_point;meeting_address;meeting_time;min_volunteers;" \
                 "max_volunteers;leader_code\n"
        sectors.write_text(header + "18-A;18;gare;Mairie du 18e;1 place Jules Joffrin;19:00;3;4;L1\n"
                           "18-B;42;station;Gare du Nord;18 rue de Dunkerque;7pm;3;4;\n", encoding="utf-8")
        refused = runner.invoke(app, ["night", "import-sectors", edition, str(sectors), "--locale", locale])
        assert refused.exit_code == 2
        # one pass: the three problems of both lines, in the reader's language
        line = "ligne" if locale == "fr" else "line"
        assert f"{line} 2, kind" in refused.output and "gare" in refused.output
        assert f"{line} 3, arrondissement" in refused.output and f"{line} 3, meeting_time" in refused.output
        assert ("Fichier non importé" if locale == "fr" else "File not imported") in refused.output
        sectors.write_text(header + "18-A;18;street;Mairie du 18e;1 place Jules Joffrin;19:00;3;4;L1\n"
                           "18-B;18;station;Gare du Nord;18 rue de Dunkerque;19:30;3;4;\n", encoding="utf-8")
        imported = runner.invoke(app, ["night", "import-sectors", edition, str(sectors), "--locale", locale])
        assert imported.exit_code == 0 and "2 sectors imported" in imported.output
    finally:
        get_settings.cache_clear()
