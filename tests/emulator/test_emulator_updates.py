"""getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from emulator import Emulator


async def test_get_updates_offsets_and_limit(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Alice", language_code="fr")
    for text in ("/start", "deux", "trois"):
        await user.send(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["/start", "deux"]
    message = first[0].message
    assert message is not None and message.from_user is not None
    assert message.from_user.language_code == "fr" and message.chat.id == 1001
    assert message.entities is not None and message.entities[0].type == "bot_command"
    assert first[1].update_id == first[0].update_id + 1
    # Without a new offset the same updates come back; an offset confirms the earlier ones.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [u.update_id for u in first]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["trois"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == []


async def test_long_poll_timeout_is_honoured(emu: Emulator, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_long_poll_returns_as_soon_as_an_update_arrives(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    await user.send("hello")
    updates = await poll
    assert len(updates) == 1 and time.monotonic() - started < 1.0


async def test_allowed_updates_filters_types(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    await user.send("text")
    await user.block()
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.my_chat_member is not None for u in updates] == [True]


async def test_feed_raw_update(emu: Emulator, bot: Bot) -> None:
    emu.user(1001)
    update = emu.feed_update({"message": {"message_id": 50, "date": 0, "chat": {"id": 1001, "type": "private"}}})
    assert [u.update_id for u in await bot.get_updates()] == [update["update_id"]]


class WebhookReceiver:
    """A small aiohttp server standing in for the bot's webhook endpoint."""

    def __init__(self, fail_first: int = 0, reply: dict[str, Any] | None = None) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.fail_first = fail_first
        self.reply = reply
        self.arrived = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.arrived.set()
        if self.reply is not None:
            return web.json_response(self.reply)
        return web.Response()

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_webhook_push_with_secret_and_retries(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    emu.state.webhook_retry_delay = 0.01
    async with WebhookReceiver(fail_first=2) as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cr3t")
        info = await bot.get_webhook_info()
        assert info.url == receiver.url
        await user.send("via webhook")
        await asyncio.wait_for(receiver.arrived.wait(), 5)
        update, secret = receiver.received[0]
        assert secret == "s3cr3t" and update["message"]["text"] == "via webhook"
        assert (await bot.get_webhook_info()).last_error_message is not None  # the two 500s
        with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert await bot.get_updates() == []


async def test_webhook_reply_runs_the_method(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    reply = {"method": "sendMessage", "chat_id": 1001, "text": "answered in the webhook response"}
    async with WebhookReceiver(reply=reply) as receiver:
        await bot.set_webhook(receiver.url)
        await user.send("hi")
        assert (await user.expect_message()).visible_text == "answered in the webhook response"


async def test_delete_webhook_drops_pending_updates(emu: Emulator, bot: Bot) -> None:
    user = emu.user(1001)
    await user.send("old")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_second_poller_terminates_the_first(emu: Emulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    assert await second == []
