"""Counters the benchmarks and tests read: requests, deliveries, and error answers."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Everything counted since the last reset."""

    total_requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    delivered_per_chat: Counter[int] = field(default_factory=Counter)
    # Wall-clock (time.time()) of each accepted send, to compute the achieved rate.
    send_timestamps: list[float] = field(default_factory=list)
    errors_by_code: Counter[int] = field(default_factory=Counter)
    too_many_requests: int = 0
    forbidden: int = 0
    server_errors: int = 0
    timeouts: int = 0
    started_at: float = field(default_factory=time.time)

    @property
    def delivered(self) -> int:
        """Accepted sends (messages that exist in chats now)."""
        return len(self.send_timestamps)

    def record_error(self, code: int) -> None:
        """Count an error answer by its class."""
        self.errors_by_code[code] += 1
        if code == 429:
            self.too_many_requests += 1
        elif code == 403:
            self.forbidden += 1
        elif code >= 500:
            self.server_errors += 1

    def achieved_rate(self) -> float:
        """Accepted sends per second between the first and the last one."""
        stamps = self.send_timestamps
        if len(stamps) < 2 or stamps[-1] == stamps[0]:
            return float(len(stamps))
        return (len(stamps) - 1) / (stamps[-1] - stamps[0])

    def peak_per_second(self) -> int:
        """Most accepted sends inside any one-second window (what Telegram's limit constrains)."""
        stamps = self.send_timestamps
        best = start = 0
        for end, stamp in enumerate(stamps):
            while stamps[start] <= stamp - 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def to_dict(self, timestamps: bool = False) -> dict[str, Any]:
        """JSON-ready view (chat ids become strings, as JSON keys must)."""
        data: dict[str, Any] = {
            "total_requests": self.total_requests,
            "by_method": dict(self.by_method),
            "delivered": self.delivered,
            "delivered_per_chat": {str(k): v for k, v in self.delivered_per_chat.items()},
            "errors_by_code": {str(k): v for k, v in self.errors_by_code.items()},
            "too_many_requests": self.too_many_requests,
            "forbidden": self.forbidden,
            "server_errors": self.server_errors,
            "timeouts": self.timeouts,
            "achieved_rate": self.achieved_rate(),
            "peak_per_second": self.peak_per_second(),
            "started_at": self.started_at,
        }
        if timestamps:
            data["send_timestamps"] = self.send_timestamps
        return data
