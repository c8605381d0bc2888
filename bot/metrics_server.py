"""/healthz and /metrics for the processes that serve no webhook: the scheduler and the sender (METRICS_PORT).

/healthz answers 200 while the process does its work (the caller says how to tell) and 503 otherwise,
so an orchestrator restarts a process that is alive but stuck. /metrics refreshes the database-wide
gauges first, like a worker's, so every role reports the outbox and the unreachable users.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics


async def start_metrics_server(host: str, port: int, *, role: str, sessions: async_sessionmaker[AsyncSession],
                               working: Callable[[], bool]) -> web.AppRunner:
    """Serve until `await runner.cleanup()`; `working()` is the role's own liveness test."""

    async def healthz(_request: web.Request) -> web.Response:
        ok = working()
        return web.json_response({"status": "ok" if ok else "stalled", "role": role}, status=200 if ok else 503)

    async def metrics_page(_request: web.Request) -> web.Response:
        with contextlib.suppress(Exception):  # a scrape still shows the process counters without a database
            async with sessions() as session:
                await metrics.refresh_database_gauges(session)
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
