"""Run the emulator as its own process: python -m emulator --port 8081 --token 123:ABC."""

from __future__ import annotations

import argparse
import asyncio
import logging

from aiohttp import web

from emulator.server import create_app
from emulator.state import BotState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--rate", type=float, default=None, help="global sends per second (429 beyond)")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--per-chat", type=float, default=None, help="sends per second to one chat")
    parser.add_argument("--paid-rate", type=float, default=1000.0, help="rate with allow_paid_broadcast")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--users", type=int, default=0, help="create N users with ids from --start-id")
    parser.add_argument("--start-id", type=int, default=1_000_000)
    parser.add_argument("--any-chat", action="store_true", help="treat any positive chat_id as a user")
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


def build_state(args: argparse.Namespace) -> BotState:
    """A BotState configured from the options."""
    state = BotState(args.token)
    state.limits.configure(args.rate, args.retry_after, args.per_chat)
    state.limits.set_paid_rate(args.paid_rate)
    state.faults.latency = args.latency
    state.faults.jitter = args.jitter
    state.auto_create_chats = args.any_chat
    for user_id in range(args.start_id, args.start_id + args.users):
        state.add_user(user_id, f"User {user_id}")
    return state


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    try:
        import uvloop  # optional speed-up when installed

        uvloop.install()
    except ImportError:
        pass
    state = build_state(args)
    app = create_app(state)
    print(f"emulator listening on http://{args.host}:{args.port} token={args.token}", flush=True)
    web.run_app(
        app, host=args.host, port=args.port, access_log=None, print=None, shutdown_timeout=1.0,
        handler_cancellation=True,
    )  # fmt: skip


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
