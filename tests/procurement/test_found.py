"""Issue 18's findings, each one a test that failed before: feeds, hostile files, memory, backfill, OCDS contracts."""

from __future__ import annotations

import asyncio
import io
import json
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.db import create_engine, create_sessionmaker
from models.procurement import Notice, NoticeDelivery
from services.procurement.feeds import FeedError, import_feeds, import_source
from services.procurement.formats import DECP_1, envelope_records, parse_document
from services.procurement.importing import import_document
from services.procurement.streaming import FormatError, JsonRecords
from tests.factories import sme_subscription

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
DECP_V1 = FIXTURES / "decp-v1-e-marchespublics-2019-04-03.json"
DECP_V2 = FIXTURES / "decp-v2-megalis-59920013600241-2024-07-09.json"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
async def feed_server() -> AsyncIterator[str]:
    """A server answering 500, 503, 404, a redirect loop, and one good DECP file."""
    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]))

    async def loop(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def good(_request: web.Request) -> web.Response:
        return web.Response(body=DECP_V2.read_bytes(), content_type="application/json")

    application = web.Application()
    application.add_routes([web.get("/status/{code}", status), web.get("/loop", loop), web.get("/good", good)])
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_one_failing_feed_does_not_stop_the_others(feed_server: str, sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        feeds = [f"{feed_server}/status/500", f"{feed_server}/status/503", f"{feed_server}/status/404",
                 f"{feed_server}/loop", f"{feed_server}/good"]
        results = await import_feeds(create_sessionmaker(engine), feeds, NOW)
        assert [r.error for r in results[:4]] == [
            "Unreadable source: the server answers 500.", "Unreadable source: the server answers 503.",
            "Unreadable source: the server answers 404.", "Unreadable source: too many redirects (a loop?)."]
        assert results[4].error is None and results[4].summary is not None and results[4].summary.imported == 5
    finally:
        await engine.dispose()


async def test_the_cli_says_why_a_source_failed_without_a_traceback(feed_server: str, sqlite_url: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NOTICE_FEEDS", f"{feed_server}/status/503,{feed_server}/good")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        # the CLI runs its own event loop: in a thread, while this loop serves the feeds
        result = await asyncio.to_thread(runner.invoke, cli, ["procurement", "import", f"{feed_server}/status/500"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "the server answers 500" in result.output
        feeds = await asyncio.to_thread(runner.invoke, cli, ["procurement", "feeds"])
        assert feeds.exit_code == 1 and "Traceback" not in feeds.output
        assert "failed: Unreadable source: the server answers 503." in feeds.output
        assert "/good: 5 imported" in feeds.output
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(("document", "french", "english"), [
    (b'{"marches": {"marche": 5}}', "doit être une liste de marchés", "must be a list of contracts"),
    (b'{"marches": 5}', "doit être une liste d'enregistrements", "must be a list of records"),
    (b'{"marches": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "imbriquée sur plus de 64 niveaux",
     "nested more than 64 levels deep"),
    (b'{"marches": [' + b"[" * 100 + b"]" * 100 + b"]}", "imbriquée", "nested"),  # under Python's own limit
])
def test_hostile_documents_get_a_clear_answer(document: bytes, french: str, english: str) -> None:
    with pytest.raises(FormatError) as error:
        parse_document(document)
    assert french in error.value.render("fr") and english in error.value.render("en")


def test_a_record_past_the_size_cap_is_refused() -> None:
    huge = b'{"marches": [{"id": "1", "objet": "' + b"x" * 3_000_000 + b'"}]}'
    cursor = JsonRecords(io.BytesIO(huge), max_record=1024 * 1024)
    with pytest.raises(FormatError) as error:
        list(envelope_records(cursor))
    assert "1 Mo" in error.value.render("fr") and "1 MB" in error.value.render("en")


async def test_a_file_past_the_size_cap_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        with pytest.raises(FeedError) as error:
            await import_source(create_sessionmaker(engine), str(DECP_V2), NOW, max_bytes=1024)
        assert "more than 0 MB" in error.value.render("en")
    finally:
        await engine.dispose()


def _big_decp(records: int) -> bytes:
    template = json.loads(DECP_V1.read_bytes())["marches"][0]
    items = ",".join(json.dumps({**template, "id": f"ID{i}", "uid": f"UID{i}"}) for i in range(records))
    return ('{"marches": [' + items + "]}").encode()


def test_the_reader_streams_in_bounded_memory() -> None:
    """Python's own allocations while reading a 12 MB file record by record stay far below the file's size."""
    data = _big_decp(12_000)
    assert len(data) > 9_000_000
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for _ in envelope_records(JsonRecords(stream)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000 and peak < 2_000_000, peak  # the whole-file parser holds > 40 MB of objects here
    assert parse_document(data).source_format == DECP_1


async def test_history_is_stored_as_backfill_and_never_sent_as_new(any_db_url: str) -> None:
    """Awards of 2018-2019 imported in 2026 are stored, marked as backfill, and nobody is told of them."""
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            await sme_subscription(session, 401, cpv_prefixes=["45"], kinds=["call", "award"])
        summary = await import_document(sessions, DECP_V1.read_bytes(), NOW)
        assert (summary.imported, summary.matched) == (441, 0)
        async with sessions() as session:
            assert all(n.backfill for n in (await session.execute(select(Notice))).scalars())
            assert (await session.execute(select(NoticeDelivery))).first() is None
    finally:
        await engine.dispose()


async def test_an_ocds_release_with_only_a_contract_is_imported(sqlite_url: str) -> None:
    release = {"ocid": "ocds-abc-123", "id": "r1", "date": "2026-11-01T00:00:00Z", "tag": ["contract"],
               "buyer": {"name": "Ville de Paris"},
               "contracts": [{"id": "c1", "awardID": "a1", "title": "Entretien des espaces verts",
                              "value": {"amount": 120000, "currency": "EUR"}, "dateSigned": "2026-10-20T00:00:00Z",
                              "period": {"startDate": "2026-11-01T00:00:00Z", "endDate": "2028-10-31T00:00:00Z"},
                              "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "77310000"}}]}]}
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        summary = await import_document(sessions, json.dumps({"releases": [release]}), NOW)
        assert (summary.imported, summary.errors) == (1, [])
        async with sessions() as session:
            notice = (await session.execute(select(Notice))).scalar_one()
        assert (notice.kind, notice.title, notice.amount, notice.cpv_codes, notice.buyer) == (
            "award", "Entretien des espaces verts", 120000.0, ["77310000"], "Ville de Paris")
        assert notice.term_end == datetime(2028, 10, 31, tzinfo=UTC)
    finally:
        await engine.dispose()


def test_the_import_command_never_loads_aiogram() -> None:
    """A CLI import is its own process: without aiogram (~130 MB) it stays small whatever the file."""
    import subprocess
    import sys

    code = ("import sys, bot.cli, bot.db, services.procurement.feeds, bot.cli.procurement; "
            "print('aiogram' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
