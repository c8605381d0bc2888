"""Logging setup: readable text for a terminal, or one JSON object per line for a log collector.

Neither format adds personal data: the code logs update ids, counts and error classes, never texts,
names or Telegram user ids at INFO (docs/developing.md, Privacy).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "message", "process", "host"[, "exc"]} on one line."""

    def __init__(self) -> None:
        super().__init__()
        self._host = socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": os.getpid(),
            "host": self._host,
        }
        if record.exc_text or record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


# SQLAlchemy quotes the statement and its parameters in an error's text; drivers quote values too
_SQL_DETAIL = re.compile(r"\[(?:SQL|parameters|generated in)[^\]]*\]|\(Background on this error at:[^)]*\)", re.S)
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain[::-1]


def safe_traceback(exc_info: ExcInfo) -> str:
    """Where it failed (files, lines, code) and what class of error, never the error's text: an exception's
    message may hold SQL parameters, an update's payload, what a person typed."""
    lines: list[str] = []
    for error in _exception_chain(exc_info[1]):
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_list(traceback.extract_tb(error.__traceback__))
        lines.append(f"{type(error).__module__}.{type(error).__qualname__} (text withheld)\n")
    return "".join(lines).rstrip("\n")


def _safe_argument(value: object) -> object:
    if isinstance(value, BaseException):
        return type(value).__qualname__
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return f"<{type(value).__qualname__}>"  # an update, a payload, a row: not in a log line


class NoPersonalData(logging.Filter):
    """On the handler, so every record is cleaned, whichever library logs it and at whatever level:
    exception texts (SQL statements and parameters, payloads) become their class, objects their type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("sqlalchemy.engine") and record.levelno < logging.WARNING:
            return False  # echo: every statement with its parameters
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)  # type: ignore[arg-type]
        if record.args:
            arguments = record.args if isinstance(record.args, tuple) else (record.args,)
            try:
                record.msg = str(record.msg) % tuple(_safe_argument(value) for value in arguments)
            except (TypeError, ValueError):
                record.msg = str(record.msg)
            record.args = None
        record.msg = _SQL_DETAIL.sub("[…]", str(record.msg))
        return True


class CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to `sys.stderr` as it is when a record comes, not as it was when logging was configured: a
    command run inside another program that swaps stderr (a test runner, an embedding tool) must not leave
    a handler writing to a stream that has since been closed."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = CurrentStderr()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(NoPersonalData())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # aiogram logs each update's handling at INFO with user-linked ids; keep its event log at WARNING
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # /readyz reads versions often
    # APScheduler says "Running job …" and "… executed successfully" at INFO for every run (every 5 s for
    # the alerts' live views); jobs' own failures still log at WARNING and above
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
