"""Measure how many sendMessage calls per second an emulator serves.

python -m emulator.loadtest --url http://127.0.0.1:8081 --token 123:ABC --seconds 5 --concurrency 64
(start the server with --any-chat or --users so the chat ids exist).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp


async def run(url: str, token: str, seconds: float, concurrency: int, chats: int, body: str) -> dict[str, float]:
    """Send as fast as possible from `concurrency` workers; returns counts and the rate."""
    endpoint = f"{url.rstrip('/')}/bot{token}/sendMessage"
    done = 0
    errors = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker(index: int) -> None:
            nonlocal done, errors
            chat_id = 1_000_000 + index % chats
            while time.monotonic() < deadline:
                if body == "json":
                    request = http.post(endpoint, json={"chat_id": chat_id, "text": "Bonjour, ceci est un test"})
                else:
                    request = http.post(endpoint, data={"chat_id": str(chat_id), "text": "Bonjour, ceci est un test"})
                async with request as response:
                    await response.read()
                    if response.status == 200:
                        done += 1
                    else:
                        errors += 1

        started = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.monotonic() - started
    return {"ok": done, "errors": errors, "seconds": round(elapsed, 2), "per_second": round(done / elapsed, 1)}


def main() -> None:
    """Command-line entry point; prints one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m emulator.loadtest")
    parser.add_argument("--url", default="http://127.0.0.1:8081")
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--body", choices=("form", "json"), default="form")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.token, args.seconds, args.concurrency, args.chats, args.body))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
