"""Where notices come from: a local file or a URL, streamed to disk with a size cap, each feed on its own.

A download never holds a file in memory: it is copied chunk by chunk to a temporary file (refused past
MAX_FILE_BYTES), then imported as it streams. Every feed is tried whatever happened to the ones before it;
what failed is reported with a reason and tried again at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locales import N_
from services.errors import DomainError
from services.procurement.importing import ImportSummary, import_stream

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 4 * 1024**3  # a national DECP file is about 1 GB; anything past 4 GB is refused
CONNECT_TIMEOUT = 30.0
READ_TIMEOUT = 120.0  # between two chunks: a slow but living server is waited for, a dead one is not
MAX_REDIRECTS = 5
CHUNK = 256 * 1024


class FeedError(DomainError):
    """A source that cannot be read: unreachable, an HTTP error, a redirect loop, too large, missing."""


@dataclass
class FeedResult:
    source: str
    summary: ImportSummary | None = None
    error: str | None = None  # in English, for logs and the CLI (no personal data: it is about a file)


async def _download(url: str, into: IO[bytes], max_bytes: int) -> None:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as client, \
                client.get(url, max_redirects=MAX_REDIRECTS) as response:
            if response.status >= 400:
                raise FeedError(N_("Source illisible : le serveur répond {status}."), status=response.status)
            size = 0
            async for chunk in response.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(N_("Fichier refusé : plus de {size} Mo."), size=max_bytes // 1024**2)
                into.write(chunk)
    except aiohttp.TooManyRedirects:
        raise FeedError(N_("Source illisible : trop de redirections (une boucle ?).")) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise FeedError(N_("Source injoignable : {reason}."), reason=type(error).__name__) from None


@contextlib.asynccontextmanager
async def opened(source: str, max_bytes: int = MAX_FILE_BYTES) -> AsyncIterator[IO[bytes]]:
    """A local file, or a URL downloaded to a temporary file first: a binary stream to import from."""
    if source.startswith(("http://", "https://")):
        with tempfile.TemporaryFile() as spool:
            await _download(source, spool, max_bytes)
            spool.seek(0)
            yield spool
        return
    try:
        stream = await asyncio.to_thread(Path(source).open, "rb")
        size = os.fstat(stream.fileno()).st_size
    except OSError as error:
        raise FeedError(N_("Fichier introuvable ou illisible : {reason}."), reason=error.strerror or "?") from None
    if size > max_bytes:
        stream.close()
        raise FeedError(N_("Fichier refusé : plus de {size} Mo."), size=max_bytes // 1024**2)
    with stream:
        yield stream


async def import_source(sessions: async_sessionmaker[AsyncSession], source: str, now: datetime, *,
                        notify: bool = True, progress: Callable[[int], None] | None = None,
                        max_bytes: int = MAX_FILE_BYTES, step_aside: float | None = None) -> ImportSummary:
    """Import one file or URL (FeedError or FormatError when it cannot be read)."""
    async with opened(source, max_bytes) as stream:
        return await import_stream(sessions, stream, now, notify=notify, progress=progress, step_aside=step_aside)


async def import_feeds(sessions: async_sessionmaker[AsyncSession], sources: tuple[str, ...] | list[str],
                       now: datetime) -> list[FeedResult]:
    """Each feed on its own: one that fails is reported and the next one is read all the same."""
    results = []
    for source in sources:
        try:
            results.append(FeedResult(source, await import_source(sessions, source, now)))
        except DomainError as error:
            results.append(FeedResult(source, error=error.render("en")))
        except Exception as error:
            log.exception("notice feed failed unexpectedly")
            results.append(FeedResult(source, error=f"unexpected {type(error).__name__}"))
    return results
