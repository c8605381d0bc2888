"""Bot process memory with 20,000 users: each writes /start once, then we read the bot's RSS.

Same two-process setup as benchmarks/updates.py (the crowd and emulator in one process, the bot in
another). The baseline is the same bot process's RSS when started and polling, before any user.
Prints one JSON line.

    python -m benchmarks.memory [--users 20000]
"""

from __future__ import annotations

import argparse
import json

import psutil

from benchmarks.updates import measure

TARGET_MB = 200


def main(users: int) -> dict[str, object]:
    readings: dict[str, float] = {}

    def rss(name: str):  # type: ignore[no-untyped-def]
        def read(pid: int) -> None:
            readings[name] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
        return read

    figures = measure("signup", users, None, script="start", on_bot_idle=rss("idle_rss_mb"),
                      on_done=rss("rss_mb"), wave=1000)
    return {"benchmark": "memory", "users": users, **readings,
            "per_1000_users_mb": round((readings["rss_mb"] - readings["idle_rss_mb"]) * 1000 / users, 2),
            "updates_per_s": figures["updates_per_s"], "target_mb": TARGET_MB,
            "meets_target": readings["rss_mb"] < TARGET_MB}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20_000)
    print(json.dumps(main(parser.parse_args().users)))
