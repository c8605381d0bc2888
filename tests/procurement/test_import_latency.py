"""A large import never starves the bot: people are answered while 20,000 notices are written (SQLite)."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime

from services.procurement.importing import import_document
from tests.factories import sme_subscription
from tests.harness import BotHarness
from tests.procurement.test_found import _big_decp

NOW = datetime(2019, 4, 5, 7, 0, tzinfo=UTC)


async def test_replies_stay_fast_during_a_20000_notice_import(harness: BotHarness) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 451, cpv_prefixes=["9091"], kinds=["award"])  # matching runs, finds nothing
        await session.commit()
    data = _big_decp(20_000)
    person = harness.user(452, "Ana", "en")
    await person.send("/privacy")
    await person.expect_message()  # the first reply builds the bot's caches: measured below without the import
    importing = asyncio.create_task(import_document(harness.app.sessions, data, NOW))
    latencies: list[float] = []
    while not importing.done() or len(latencies) < 10:
        started = time.perf_counter()
        await person.send("/privacy")
        await person.expect_message()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.1)  # a person reads before writing again
    summary = await importing
    assert summary.imported == 20_000
    latencies.sort()
    p99 = latencies[math.ceil(0.99 * len(latencies)) - 1]
    assert len(latencies) >= 10 and p99 < 0.3, (p99, len(latencies), latencies[-5:])
    print(f"p99 {p99 * 1000:.0f} ms over {len(latencies)} replies")
