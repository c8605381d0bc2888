"""Bot process memory with 20,000 users: each writes /start once, in waves of 1,000; we read the bot's RSS.

Same two-process setup as benchmarks/updates.py (the crowd and emulator in one process, the bot in
another). The baseline is the same bot process's RSS when started and polling, before any user. The
growth per 1,000 users is measured over the second half of the run, once the first waves have warmed the
process up (code paths run once, allocator arenas, SQLite's page cache); the warm-up is reported apart.
Prints one JSON line.

    python -m benchmarks.memory [--users 20000]
    BENCH_TRACEMALLOC=grown.snap python -m benchmarks.memory   # also: what the bot allocated after the
                                                                # first wave and still holds (tracemalloc)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys

import psutil

from benchmarks.updates import measure

TARGET_MB = 200
TARGET_PER_1000_MB = 1
WAVE = 1000


# What importing the bot costs, with aiogram's models built on first use (as the bot runs) and, as the
# same-run baseline, all built at import (aiogram imported before `bot` can defer them).
_IMPORT = "import psutil, {first}bot.app; print(psutil.Process().memory_info().rss / 2**20)"


def import_rss_mb() -> dict[str, float]:
    def rss(first: str) -> float:
        code = _IMPORT.format(first=first)
        return round(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                          check=True).stdout), 1)
    return {"models_on_first_use": rss(""), "models_at_import": rss("aiogram.types, ")}


def main(users: int) -> dict[str, object]:
    readings: dict[str, float] = {}

    def rss(name: str):  # type: ignore[no-untyped-def]
        def read(pid: int) -> None:
            readings[name] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
        return read

    waves: dict[int, float] = {}

    def wave(pid: int, done: int) -> None:
        waves[done] = psutil.Process(pid).memory_info().rss / 2**20
        if done == WAVE and os.environ.get("BENCH_TRACEMALLOC"):  # trace what the bot keeps from now on
            os.kill(pid, signal.SIGUSR1)

    figures = measure("signup", users, None, script="start", on_bot_idle=rss("idle_rss_mb"),
                      on_done=rss("rss_mb"), wave=WAVE, on_wave=wave)
    half = min(waves, key=lambda done: abs(done - users // 2))
    return {"benchmark": "memory", "users": users, "import_rss_mb": import_rss_mb(), **readings,
            "after_first_wave_mb": round(waves[min(waves)], 1), f"at_{half}_users_mb": round(waves[half], 1),
            "per_1000_users_mb": round((readings["rss_mb"] - waves[half]) * 1000 / (users - half), 2),
            "per_1000_users_whole_run_mb": round((readings["rss_mb"] - readings["idle_rss_mb"]) * 1000 / users, 2),
            "updates_per_s": figures["updates_per_s"], "target_mb": TARGET_MB,
            "target_per_1000_users_mb": TARGET_PER_1000_MB, "meets_target": readings["rss_mb"] < TARGET_MB}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20_000)
    print(json.dumps(main(parser.parse_args().users)))
