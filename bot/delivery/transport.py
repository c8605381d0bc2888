"""A thin Bot API client for mass sending: one sendMessage as a JSON POST, errors sorted by what to do next.

Why not aiogram's Bot here: at 1000 messages/s, building and validating pydantic models for every request
and response costs more CPU than the rest of the sender, and a sender-only process would import all of
aiogram's types (seconds) to send one kind of request. Updates, replies and edits still go through aiogram.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class SendError(Exception):
    """Telegram refused or did not answer; subclasses say what the sender should do."""

    def __init__(self, code: int | str, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class RetryAfter(SendError):
    """429: the bot's flood limit; everybody waits `retry_after` seconds (Bot API `parameters.retry_after`)."""

    def __init__(self, retry_after: float, description: str) -> None:
        super().__init__(429, description)
        self.retry_after = retry_after


class Forbidden(SendError):
    """403: blocked by the user or deactivated; never retry."""


class Unauthorized(SendError):
    """401: the token was revoked."""


class BadRequest(SendError):
    """Another 4xx (bad HTML, too long, chat not found): retrying cannot help."""


class ServerError(SendError):
    """5xx: Telegram's side; retry later."""


class NetworkError(SendError):
    """No answer (timeout, connection reset): the message may or may not have arrived."""


class BotApiTransport:
    """POSTs sendMessage to `{base_url}/bot{token}/sendMessage` with HTML parse mode, link previews off (or
    sendPhoto, for a part that is a photo already on Telegram's servers, with its text as the caption)."""

    def __init__(self, token: str, base_url: str = "https://api.telegram.org", *, timeout: float = 15.0,
                 connections: int = 256) -> None:
        self.url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
        self.photo_url = f"{base_url.rstrip('/')}/bot{token}/sendPhoto"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections), timeout=self.timeout,
                json_serialize=json.dumps)
        return self._session

    async def send_message(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None = None, *,
                           paid: bool = False, photo: str | None = None) -> int:
        """Send one message (or, given a file_id, one photo with `text` as its caption); returns its message_id
        or raises a SendError subclass."""
        body: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                                "link_preview_options": {"is_disabled": True}}
        if photo is not None:
            body = {"chat_id": chat_id, "photo": photo, "caption": text, "parse_mode": "HTML"}
        if reply_markup:
            body["reply_markup"] = reply_markup
        if paid:
            body["allow_paid_broadcast"] = True
        try:
            async with self._client().post(self.url if photo is None else self.photo_url, json=body) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            raise NetworkError("network", type(error).__name__) from error
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {"ok": False, "error_code": status, "description": raw[:100].decode(errors="replace")}
        if answer.get("ok"):
            return int(answer["result"]["message_id"])
        code = int(answer.get("error_code") or status)
        description = str(answer.get("description", ""))
        if code == 429:
            retry_after = float((answer.get("parameters") or {}).get("retry_after", 1))
            raise RetryAfter(retry_after, description)
        if code == 403:
            raise Forbidden(code, description)
        if code == 401:
            raise Unauthorized(code, description)
        if code >= 500:
            raise ServerError(code, description)
        raise BadRequest(code, description)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        await asyncio.sleep(0)
