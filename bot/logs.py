"""Logging setup: readable text for a terminal, or one JSON object per line for a log collector.

Neither format adds personal data: the code logs update ids, counts and error classes, never texts,
names or Telegram user ids at INFO (docs/developing.md, Privacy).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime

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
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # aiogram logs each update's handling at INFO with user-linked ids; keep its event log at WARNING
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # /readyz reads versions often
    # APScheduler says "Running job …" and "… executed successfully" at INFO for every run (every 5 s for
    # the alerts' live views); jobs' own failures still log at WARNING and above
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
