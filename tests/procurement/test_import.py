"""Real DECP and OCDS files: the facts from their README, idempotent re-import, and bad files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.db import create_engine, create_sessionmaker
from models.procurement import Notice
from services.procurement.formats import FormatError, parse_document
from services.procurement.importing import import_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def test_decp_v1_facts_and_idempotent_reimport(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        raw = _read("decp-v1-e-marchespublics-2019-04-03.json")
        first = await import_document(sessions, raw, NOW)
        # 470 records, 441 distinct (buyer, id): the last record of each uid is kept, earlier copies skipped
        assert first.as_json() == {"source_format": "decp-1", "records": 470, "imported": 441, "updated": 0,
                                   "skipped": 29, "errors": []}
        again = await import_document(sessions, raw, NOW)
        assert (again.imported, again.updated, again.skipped) == (0, 0, 470)
        async with sessions() as session:
            notices = list((await session.execute(select(Notice))).scalars())
            assert len(notices) == 441
            by_id = {n.source_id: n for n in notices}
            first_record = by_id["288500010000132018MA181101"]
            assert (first_record.buyer, first_record.amount, first_record.cpv_codes) == (
                "SDIS de la Vendée", 80000.0, ["45314000"])
            assert first_record.awarded_at == datetime(2018, 12, 3, tzinfo=UTC)
            paris = next(n for n in notices if n.source_id.endswith("201860053701"))
            assert (paris.buyer, paris.department, paris.amount, paris.cpv_codes) == (
                "France Galop", "75", 134000.0, ["60172000"])
            assert "77566343801906" in (paris.winner or "") or "RATP" in (paris.winner or "").upper()
            largest = max(notices, key=lambda n: n.amount or 0)
            assert (largest.amount, largest.cpv_codes) == (116400000.0, ["09123000"])
            assert largest.source_id.endswith("201960713400")
            # the 17 pre-2019 "Marché négocié sans publicité…" labels are read, not rejected
            assert sum(1 for n in notices if n.procedure == "no_competition") >= 1
    finally:
        await engine.dispose()


async def test_decp_v2_and_ocds_facts(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        v2 = await import_document(sessions, _read("decp-v2-megalis-59920013600241-2024-07-09.json"), NOW)
        assert (v2.source_format, v2.records, v2.imported, v2.errors) == ("decp-2", 5, 5, [])
        fr = await import_document(sessions, _read("ocds-fr-decp2ocds-etalab-001_marche_simple.json"), NOW)
        assert (fr.source_format, fr.imported) == ("ocds-release-package", 1)
        mx = await import_document(sessions, _read("ocds-mx-cdmx-release-package-1.json"), NOW)
        assert (mx.records, mx.imported, mx.skipped) == (2, 1, 1)  # two releases of one process: one notice
        async with sessions() as session:
            notices = {n.source_id: n for n in (await session.execute(select(Notice))).scalars()}
        megalis = [n for n in notices.values() if n.source_id.startswith("59920013600241")]
        assert round(sum(n.amount or 0 for n in megalis), 2) == 247122.22
        assert {n.department for n in megalis} == {"22"}
        assert notices["59920013600241H9O2024T0000356"].cpv_codes == ["45261100"]
        assert notices["59920013600241H9O2024T0000256"].winner == "32933888305269"
        lasat = notices["ocds-78apv2-200013183000212018MAPA20180500"]
        assert (lasat.kind, lasat.amount, lasat.currency, lasat.cpv_codes) == ("award", 80000.0, "EUR", ["38950000"])
        assert (lasat.buyer, lasat.winner) == ("LASAT", "TECAN FRANCE SASU")
        cdmx = notices["OCDS-87SD3T-AD-SF-DRM-063-2015"]
        assert (cdmx.title, cdmx.amount, cdmx.currency, cdmx.cpv_codes, cdmx.country) == (
            "ARRENDAMIENTO DE BIENES INFORMÁTICOS", 1311264.0, "MXN", [], "MX")
    finally:
        await engine.dispose()


async def test_an_ocds_amendment_updates_the_notice(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        package = json.loads(_read("ocds-fr-decp2ocds-etalab-001_marche_simple.json"))
        await import_document(sessions, json.dumps(package), NOW)
        release = package["releases"][0]
        amendment = {"ocid": release["ocid"], "id": release["id"] + "-01", "date": "2019-06-01T00:00:00Z",
                     "tag": ["awardUpdate"], "awards": [{"id": release["awards"][0]["id"],
                                                         "value": {"amount": 95000, "currency": "EUR"}}]}
        summary = await import_document(sessions, json.dumps({**package, "releases": [amendment]}), NOW)
        assert (summary.imported, summary.updated) == (0, 1)
        async with sessions() as session:
            [notice] = (await session.execute(select(Notice))).scalars()
        assert notice.amount == 95000.0 and notice.winner == "TECAN FRANCE SASU"  # the rest is kept
    finally:
        await engine.dispose()


async def test_bad_records_are_skipped_with_reasons_and_the_rest_kept(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        good = json.loads(_read("decp-v1-source-of-ocds-001_marche_simple.json"))["marches"][0]
        document = {"marches": [good, "not a record", {**good, "id": None}, {**good, "id": "X2", "objet": ""},
                                {**good, "uid": None, "id": "X3", "montant": "12 500,50", "codeCPV": "4526110",
                                 "dureeMois": "?"}]}
        summary = await import_document(sessions, json.dumps(document), NOW)
        assert (summary.records, summary.imported, summary.skipped) == (5, 2, 3)
        assert summary.errors == [{"record": "1", "reason": "not an object"},
                                  {"record": "2", "reason": "missing id"},
                                  {"record": "X2", "reason": "missing objet"}]
        async with sessions() as session:
            lenient = (await session.execute(select(Notice).where(Notice.source_id.endswith("X3")))).scalar_one()
        assert (lenient.amount, lenient.cpv_codes, lenient.term_end) == (12500.5, ["04526110"], None)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("raw", [b'{"marches": [{"id": "1"', b"[1, 2, 3]", b'{"data": []}', b"\xff\xfe"])
def test_malformed_files_are_refused_whole(raw: bytes) -> None:
    with pytest.raises(FormatError) as error:
        parse_document(raw)
    assert error.value.render("en").startswith(("Unreadable file", "Unknown format"))
    assert error.value.render("fr").startswith(("Fichier illisible", "Format inconnu"))


def test_cli_prints_one_json_summary_and_clear_errors(sqlite_url: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        path = FIXTURES / "decp-v2-megalis-59920013600241-2024-07-09.json"
        result = runner.invoke(cli, ["procurement", "import", str(path), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == {"source_format": "decp-2", "records": 5, "imported": 5, "updated": 0,
                                             "skipped": 0, "errors": []}
        plain = runner.invoke(cli, ["procurement", "import", str(path)])
        assert plain.exit_code == 0 and "5 records, 0 imported, 0 updated, 5 skipped" in plain.output
        truncated = tmp_path / "truncated.json"
        truncated.write_bytes(path.read_bytes()[:500])
        failed = runner.invoke(cli, ["procurement", "import", str(truncated), "--json"])
        assert failed.exit_code == 1 and "truncated JSON" in json.loads(failed.output)["error"]
        missing = runner.invoke(cli, ["procurement", "import", str(tmp_path / "nope.json")])
        assert missing.exit_code == 1
    finally:
        get_settings.cache_clear()
