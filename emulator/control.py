"""The control API under /_emulator/ (JSON), and EmulatorControl, its small async client."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from emulator.state import BotState
from emulator.updates import set_blocked, user_message


def add_control_routes(app: web.Application, state: BotState) -> None:
    """Mount the control endpoints on the emulator app."""
    routes = ControlRoutes(state)
    app.router.add_get("/_emulator/health", routes.health)
    app.router.add_post("/_emulator/users", routes.users)
    app.router.add_post("/_emulator/config", routes.config)
    app.router.add_post("/_emulator/faults", routes.faults)
    app.router.add_post("/_emulator/blocked", routes.blocked)
    app.router.add_get("/_emulator/stats", routes.stats)
    app.router.add_post("/_emulator/reset", routes.reset)
    app.router.add_post("/_emulator/updates", routes.updates)
    app.router.add_get("/_emulator/messages", routes.messages)


def _ok(result: Any = True) -> web.Response:
    return web.json_response({"ok": True, "result": result})


class ControlRoutes:
    """Handlers of the control API; every body and answer is JSON."""

    def __init__(self, state: BotState) -> None:
        self.state = state

    async def health(self, request: web.Request) -> web.Response:
        """Liveness probe."""
        return _ok({"token_id": self.state.bot_id})

    async def users(self, request: web.Request) -> web.Response:
        """{"users": [{"id", "first_name", "language_code"}...]} or {"count": N, "start_id": M}."""
        body = await request.json()
        created = 0
        for user in body.get("users", []):
            self.state.add_user(
                int(user["id"]), user.get("first_name", "User"),
                last_name=user.get("last_name"), username=user.get("username"),
                language_code=user.get("language_code"),
            )  # fmt: skip
            created += 1
        start = int(body.get("start_id", 1_000_000))
        for user_id in range(start, start + int(body.get("count", 0))):
            self.state.add_user(user_id, f"User {user_id}", language_code=body.get("language_code"))
            created += 1
        return _ok({"created": created, "total": len(self.state.chats)})

    async def config(self, request: web.Request) -> web.Response:
        """Set any of rate, retry_after, per_chat, per_chat_burst, paid_rate, latency, jitter, auto_create_chats."""
        body = await request.json()
        limits = self.state.limits
        if any(key in body for key in ("rate", "retry_after", "per_chat", "per_chat_burst")):
            limits.configure(
                body.get("rate", limits.per_second),
                int(body.get("retry_after", limits.retry_after)),
                body.get("per_chat", limits.per_chat),
                float(body.get("per_chat_burst", limits.per_chat_burst)),
            )
        if "paid_rate" in body:
            limits.set_paid_rate(float(body["paid_rate"]))
        if "latency" in body:
            self.state.faults.latency = float(body["latency"])
        if "jitter" in body:
            self.state.faults.jitter = float(body["jitter"])
        if "auto_create_chats" in body:
            self.state.auto_create_chats = bool(body["auto_create_chats"])
        return _ok(self._config())

    def _config(self) -> dict[str, Any]:
        limits, faults = self.state.limits, self.state.faults
        return {
            "rate": limits.per_second, "retry_after": limits.retry_after, "per_chat": limits.per_chat,
            "per_chat_burst": limits.per_chat_burst, "paid_rate": limits.paid_per_second,
            "latency": faults.latency, "jitter": faults.jitter, "auto_create_chats": self.state.auto_create_chats,
        }  # fmt: skip

    async def faults(self, request: web.Request) -> web.Response:
        """{"fail_next", "status", "methods", "probability", "probability_status", "timeout_next", "timeout_delay"}."""
        body = await request.json()
        faults = self.state.faults
        if "fail_next" in body:
            faults.fail_remaining = int(body["fail_next"])
            faults.fail_status = int(body.get("status", 502))
            methods = body.get("methods")
            faults.fail_methods = frozenset(m.lower() for m in methods) if methods is not None else None
        if "probability" in body:
            faults.fail_probability = float(body["probability"])
            faults.probability_status = int(body.get("probability_status", 500))
        if "timeout_next" in body:
            faults.timeout_remaining = int(body["timeout_next"])
            faults.timeout_delay = float(body.get("timeout_delay", 1.0))
        return _ok()

    async def blocked(self, request: web.Request) -> web.Response:
        """{"block": [ids], "unblock": [ids], "deactivate": [ids], "notify": bool} (unknown ids are created)."""
        body = await request.json()
        notify = bool(body.get("notify", False))
        for key, value in (("block", True), ("unblock", False)):
            for user_id in body.get(key, []):
                chat = self.state.add_user(int(user_id), f"User {user_id}")
                set_blocked(self.state, chat, value, notify=notify)
        for user_id in body.get("deactivate", []):
            self.state.add_user(int(user_id), f"User {user_id}").deactivated = True
        return _ok()

    async def stats(self, request: web.Request) -> web.Response:
        """Counters; ?timestamps=1 adds every accepted send's time.time()."""
        with_stamps = request.query.get("timestamps", "0") not in ("0", "false", "")
        return _ok(self.state.stats.to_dict(timestamps=with_stamps))

    async def reset(self, request: web.Request) -> web.Response:
        """{"stats": true} resets counters, {"limits": true} limits and faults, {"messages": true} recorded messages."""
        body = await request.json() if request.can_read_body else {}
        if body.get("stats", True):
            self.state.reset_stats()
        if body.get("limits"):
            self.state.limits.configure(None)
            from emulator.limits import Faults

            self.state.faults = Faults()
        if body.get("messages"):
            self.state.all_bot_messages.clear()
            for chat in self.state.chats.values():
                chat.messages.clear()
                chat.bot_messages.clear()
                chat.edits.clear()
        return _ok()

    async def updates(self, request: web.Request) -> web.Response:
        """{"updates": [raw...]} and/or {"messages": [{"user_id", "text"}...]} (users created as needed)."""
        body = await request.json()
        queued = 0
        for update in body.get("updates", []):
            self.state.queue_raw_update(update)
            queued += 1
        for item in body.get("messages", []):
            chat = self.state.add_user(int(item["user_id"]), item.get("first_name", f"User {item['user_id']}"))
            user_message(self.state, chat, item["text"])
            queued += 1
        return _ok({"queued": queued})

    async def messages(self, request: web.Request) -> web.Response:
        """Bot messages as Message objects (+ raw "_text"), optionally ?chat_id=&limit=."""
        limit = int(request.query.get("limit", "100"))
        chat_id = request.query.get("chat_id")
        if chat_id is not None:
            chat = self.state.chats.get(int(chat_id))
            source = chat.bot_messages if chat else []
        else:
            source = self.state.all_bot_messages
        picked = source[-limit:] if limit > 0 else []
        return _ok([{**self.state.message_dict(m), "_text": m.text, "_deleted": m.deleted} for m in picked])


class EmulatorControl:
    """Async client of the control API, for benchmarks running the emulator out of process."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorControl:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, verb: str, path: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{self.base_url}/_emulator/{path}"
        async with self._session.request(verb, url, json=body, params=query or None) as response:
            data = await response.json()
        if not data.get("ok"):
            raise RuntimeError(f"control API {path} failed: {data}")
        return data["result"]

    async def health(self) -> dict[str, Any]:
        """Raises if the emulator is not answering."""
        result: dict[str, Any] = await self._call("GET", "health")
        return result

    async def create_users(
        self, users: list[dict[str, Any]] | None = None, *, count: int = 0, start_id: int = 1_000_000
    ) -> dict[str, Any]:
        """Register users: explicit dicts and/or `count` users with ids from `start_id`."""
        result: dict[str, Any] = await self._call(
            "POST", "users", {"users": users or [], "count": count, "start_id": start_id}
        )
        return result

    async def configure(self, **settings: Any) -> dict[str, Any]:
        """rate, retry_after, per_chat, per_chat_burst, paid_rate, latency, jitter, auto_create_chats."""
        result: dict[str, Any] = await self._call("POST", "config", settings)
        return result

    async def fail_next(self, n: int, status: int = 502, methods: list[str] | None = None) -> None:
        """The next n calls answer `status`."""
        await self._call("POST", "faults", {"fail_next": n, "status": status, "methods": methods})

    async def fail_randomly(self, probability: float, status: int = 500) -> None:
        """Every call fails with this probability."""
        await self._call("POST", "faults", {"probability": probability, "probability_status": status})

    async def timeout_next(self, n: int, delay: float) -> None:
        """The next n calls take effect but answer after `delay` seconds."""
        await self._call("POST", "faults", {"timeout_next": n, "timeout_delay": delay})

    async def block(self, user_ids: list[int], notify: bool = False) -> None:
        """These users block the bot (403)."""
        await self._call("POST", "blocked", {"block": user_ids, "notify": notify})

    async def unblock(self, user_ids: list[int], notify: bool = False) -> None:
        """These users unblock the bot."""
        await self._call("POST", "blocked", {"unblock": user_ids, "notify": notify})

    async def deactivate(self, user_ids: list[int]) -> None:
        """These accounts are deleted (403 user is deactivated)."""
        await self._call("POST", "blocked", {"deactivate": user_ids})

    async def stats(self, timestamps: bool = False) -> dict[str, Any]:
        """Counters (see Stats.to_dict); timestamps=True adds send_timestamps."""
        result: dict[str, Any] = await self._call("GET", "stats", timestamps=int(timestamps))
        return result

    async def reset(self, *, stats: bool = True, limits: bool = False, messages: bool = False) -> None:
        """Reset counters, and optionally limits/faults and recorded messages."""
        await self._call("POST", "reset", {"stats": stats, "limits": limits, "messages": messages})

    async def send_text(self, user_id: int, text: str) -> None:
        """Queue a text message from a user."""
        await self._call("POST", "updates", {"messages": [{"user_id": user_id, "text": text}]})

    async def feed_updates(self, updates: list[dict[str, Any]]) -> int:
        """Queue raw updates; returns how many were queued."""
        result = await self._call("POST", "updates", {"updates": updates})
        return int(result["queued"])

    async def messages(self, chat_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Recent bot messages (all chats or one)."""
        query: dict[str, Any] = {"limit": limit}
        if chat_id is not None:
            query["chat_id"] = chat_id
        result: list[dict[str, Any]] = await self._call("GET", "messages", **query)
        return result
