"""In-process test tools: the Emulator server and TestUser, who sends, taps and expects replies."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import mimetypes
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from aiohttp import web

from emulator.server import create_app
from emulator.state import BotState, CallbackAnswer, Chat, RecordedMessage
from emulator.stats import Stats
from emulator.updates import callback_query, set_blocked, user_message


class Emulator:
    """A Bot API server on 127.0.0.1 for one bot token, driven from tests.

    `async with Emulator() as emu:` starts it on a free port; `emu.base_url` is what
    `TelegramAPIServer.from_base` (aiogram) or `base_url=f"{emu.base_url}/bot"` (PTB) expect.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "test_bot",
        bot_name: str = "Test Bot",
        default_timeout: float = 5.0,
    ) -> None:
        self.state = BotState(token, username=bot_username, first_name=bot_name)
        self.host = host
        self.port = port
        self.default_timeout = default_timeout
        self._runner: web.AppRunner | None = None
        self._users: dict[int, TestUser] = {}

    # ----- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Emulator:
        """Bind the server; with port=0 a free port is chosen."""
        app = create_app(self.state)
        # handler_cancellation: a bot that disconnects mid long-poll ends that request at once.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Wake waiting long polls and stop the server."""
        await self.state.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----- connecting bots ---------------------------------------------------------------

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.state.token

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_server(self) -> Any:
        """aiogram's TelegramAPIServer pointing here."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def aiogram_session(self, **kwargs: Any) -> Any:
        """An aiogram AiohttpSession for this emulator, closing without aiogram's 250 ms TLS pause."""
        return _local_session_class()(api=self.api_server, **kwargs)

    def bot(self, **kwargs: Any) -> Any:
        """A real aiogram Bot talking to this emulator (kwargs go to Bot, e.g. default=...)."""
        from aiogram import Bot

        return Bot(self.token, session=self.aiogram_session(), **kwargs)

    @contextlib.asynccontextmanager
    async def polling(self, dispatcher: Any, bot: Any, **kwargs: Any) -> AsyncIterator[asyncio.Task[Any]]:
        """Run `dispatcher.start_polling(bot)` in a task for the block, then stop it cleanly."""
        kwargs.setdefault("handle_signals", False)
        kwargs.setdefault("close_bot_session", True)
        task = asyncio.create_task(dispatcher.start_polling(bot, **kwargs))
        try:
            yield task
        finally:
            with contextlib.suppress(RuntimeError):
                await dispatcher.stop_polling()
            try:
                await asyncio.wait_for(task, 5)
            except (asyncio.CancelledError, TimeoutError):
                task.cancel()

    # ----- users and updates -------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> TestUser:
        """A user who can write to the bot (created on first call, the same object after)."""
        found = self._users.get(user_id)
        if found is None:
            chat = self.state.add_user(
                user_id, first_name, last_name=last_name, username=username, language_code=language_code
            )
            found = self._users[user_id] = TestUser(self, chat)
        return found

    def feed_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update dict (update_id added if missing)."""
        return self.state.queue_raw_update(update)

    async def wait_idle(self, quiet: float = 0.1, timeout: float | None = None) -> None:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """Wait until the bot took every update and made no API call for `quiet` seconds."""
        state = self.state
        timeout = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            busy_done = await state.changed.wait_for(
                lambda: state.updates_drained and state.inflight == 0, deadline - time.monotonic()
            )
            if not busy_done:
                reason = (
                    "updates are still pending (is the bot polling?)"
                    if not state.updates_drained
                    else (f"{state.inflight} API call(s) still running")
                )
                raise AssertionError(f"bot not idle after {timeout}s: {reason}")
            quiet_left = state.last_activity + quiet - time.monotonic()
            if quiet_left <= 0:
                return
            woke = await state.changed.wait_for(_activity_after(state, state.activity), quiet_left)
            if not woke:
                return

    # ----- inspection --------------------------------------------------------------------

    @property
    def sent_messages(self) -> list[RecordedMessage]:
        """Every message the bot sent, all chats, in order."""
        return list(self.state.all_bot_messages)

    @property
    def stats(self) -> Stats:
        """Counters since the last reset."""
        return self.state.stats

    def reset_stats(self) -> None:
        """Start counting afresh."""
        self.state.reset_stats()

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands the bot set for a scope (default scope if None) and language."""
        import json

        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return self.state.commands.get(key, [])

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Recent API calls (method, params), oldest first (last 1000)."""
        return list(self.state.calls)

    # ----- limits and faults -------------------------------------------------------------

    def set_rate_limit(
        self,
        per_second: float | None,
        retry_after: int = 1,
        per_chat: float | None = None,
        per_chat_burst: float = 3.0,
    ) -> None:
        """Global send limit (429 beyond it) and optional per-chat limit; None disables."""
        self.state.limits.configure(per_second, retry_after, per_chat, per_chat_burst)

    def set_paid_rate(self, per_second: float) -> None:
        """Limit for sends with allow_paid_broadcast=true."""
        self.state.limits.set_paid_rate(per_second)

    def set_latency(self, seconds: float, jitter: float = 0.0) -> None:
        """Delay added to every API call (uniform ± jitter)."""
        self.state.faults.latency = seconds
        self.state.faults.jitter = jitter

    def fail_next(self, n: int, status: int = 502, methods: Iterable[str] | None = None) -> None:
        """The next n calls (of `methods`, default all but getUpdates/webhook ones) answer 5xx."""
        faults = self.state.faults
        faults.fail_remaining = n
        faults.fail_status = status
        faults.fail_methods = frozenset(m.lower() for m in methods) if methods is not None else None

    def fail_randomly(self, probability: float, status: int = 500) -> None:
        """Each call fails with this probability (0 disables)."""
        self.state.faults.fail_probability = probability
        self.state.faults.probability_status = status

    def timeout_next(self, n: int, delay: float) -> None:
        """The next n calls take effect but answer only after `delay` seconds."""
        self.state.faults.timeout_remaining = n
        self.state.faults.timeout_delay = delay

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot (403), with a my_chat_member update unless notify=False."""
        set_blocked(self.state, self.state.chats[user_id], True, notify=notify)

    def deactivate(self, user_id: int) -> None:
        """The account is deleted: 403 "user is deactivated"."""
        self.state.chats[user_id].deactivated = True


@functools.cache
def _local_session_class() -> Any:
    """aiogram's AiohttpSession without the 250 ms pause on close (meant for TLS, useless on localhost)."""
    from aiogram.client.session.aiohttp import AiohttpSession

    class LocalAiohttpSession(AiohttpSession):
        async def close(self) -> None:
            if self._session is not None and not self._session.closed:
                await self._session.close()

    return LocalAiohttpSession


def emulator_phone_suffix(user_id: int) -> str:
    """A stable 7-digit phone suffix derived from the user id."""
    return f"{user_id % 10_000_000:07d}"


def _activity_after(state: BotState, seen: int) -> Callable[[], bool]:
    return lambda: state.activity != seen or not state.updates_drained


class TestUser:
    """One person in a private chat with the bot; tests read as their story."""

    __test__ = False  # not a pytest test class

    def __init__(self, emulator: Emulator, chat: Chat) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self.chat = chat
        self._seen_messages = 0
        self._seen_edits = 0
        self._seen_answers = 0
        self._seen_deletions = 0
        self.phone_number = f"+3360{emulator_phone_suffix(chat.id)}"  # shared by request_contact buttons

    def __repr__(self) -> str:
        return f"TestUser({self.id}, {self.chat.first_name!r})"

    @property
    def id(self) -> int:
        """User id (= private chat id)."""
        return self.chat.id

    # ----- acting ----------------------------------------------------------------------

    async def send(self, text: str) -> dict[str, Any]:
        """Write a text message to the bot; a leading /command gets its bot_command entity."""
        self._unblock_to_write()
        return user_message(self.state, self.chat, text)

    def _unblock_to_write(self) -> None:
        """A user who blocked the bot must unblock it (Restart) before writing again."""
        if self.chat.blocked:
            set_blocked(self.state, self.chat, False)

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """Send a sticker (non-text input)."""
        sticker = {
            "file_id": f"CAACAgStk{self.chat.next_message_id}", "file_unique_id": f"AgADstk{self.chat.next_message_id}",
            "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
        }  # fmt: skip
        self._unblock_to_write()
        return user_message(self.state, self.chat, None, kind="sticker", extra={"sticker": sticker})

    async def send_document(
        self, name: str, data: bytes, mime_type: str | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        """Send a file; the bot can getFile and download it."""
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored = self.state.store_file(name, data, mime)
        self._unblock_to_write()
        return user_message(self.state, self.chat, caption, kind="document", file=stored)

    async def send_photo(self, data: bytes = b"\xff\xd8\xff", caption: str | None = None) -> dict[str, Any]:
        """Send a photo."""
        stored = self.state.store_file("photo.jpg", data, "image/jpeg")
        self._unblock_to_write()
        return user_message(self.state, self.chat, caption, kind="photo", file=stored)

    async def send_contact(self, phone_number: str) -> dict[str, Any]:
        """Share one's own contact (what a request_contact button sends)."""
        contact = {"phone_number": phone_number, "first_name": self.chat.first_name, "user_id": self.id}
        self._unblock_to_write()
        return user_message(self.state, self.chat, None, kind="contact", extra={"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        """Share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        self._unblock_to_write()
        return user_message(self.state, self.chat, None, kind="location", extra={"location": location})

    async def tap(self, label: str, message: RecordedMessage | None = None, *, inaccessible: bool = False) -> str:
        """Tap the inline button labelled `label` on `message` (default: latest message with a keyboard);
        `inaccessible`: as Telegram does for a message it no longer shows the bot (too old, deleted).

        Returns the callback query id. A reply-keyboard button sends its label as text instead.
        """
        target = message or self._latest_with_keyboard()
        if target is not None and target.deleted:
            raise AssertionError(f"{self}: message {target.message_id} was deleted, its buttons are gone")
        if target is not None:
            for row in target.inline_keyboard:
                for button in row:
                    if button.get("text") == label:
                        if "callback_data" not in button:
                            raise AssertionError(f"button {label!r} has no callback_data: {button}")
                        return callback_query(self.state, self.chat, target, button["callback_data"], inaccessible)
            if target.reply_markup and "keyboard" in target.reply_markup and label in target.button_labels:
                await self._press_reply_button(target, label)
                return ""
        labels = target.buttons if target is not None else []
        raise AssertionError(
            f"{self}: no button {label!r} on {'message ' + str(target.message_id) if target else 'any message'}; "
            f"visible buttons: {labels}\n{self.format_transcript()}"
        )

    async def _press_reply_button(self, message: RecordedMessage, label: str) -> None:
        """A reply-keyboard button sends its text, or the user's contact / location when it requests them."""
        for row in message.reply_markup.get("keyboard", []) if message.reply_markup else []:
            for button in row:
                if isinstance(button, dict) and button.get("text") == label:
                    if button.get("request_contact"):
                        await self.send_contact(self.phone_number)
                        return
                    if button.get("request_location"):
                        await self.send_location(48.8566, 2.3522)
                        return
        await self.send(label)

    async def tap_data(self, data: str, message: RecordedMessage | None = None) -> str:
        """Send a callback query with arbitrary (possibly forged) data on `message` or the latest one."""
        target = message or self._latest_with_keyboard() or self.last_message
        if target is None:
            raise AssertionError(f"{self}: no bot message to attach a callback query to")
        return callback_query(self.state, self.chat, target, data)

    async def block(self) -> None:
        """Block the bot: sends get 403 and the bot receives my_chat_member (kicked)."""
        set_blocked(self.state, self.chat, True)

    async def unblock(self) -> None:
        """Unblock the bot (my_chat_member: member)."""
        set_blocked(self.state, self.chat, False)

    # ----- expecting -------------------------------------------------------------------

    async def expect_message(self, timeout: float | None = None) -> RecordedMessage:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The next bot message in this chat not returned before; AssertionError with the transcript on timeout."""
        chat = self.chat
        await self._wait(lambda: len(chat.bot_messages) > self._seen_messages, timeout, "a new bot message")
        message = chat.bot_messages[self._seen_messages]
        self._seen_messages += 1
        return message

    async def expect_messages(self, count: int, timeout: float | None = None) -> list[RecordedMessage]:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The next `count` new bot messages, in order."""
        return [await self.expect_message(timeout) for _ in range(count)]

    async def expect_edit(self, timeout: float | None = None) -> RecordedMessage:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The next edit of a message in this chat (a snapshot of the edited version)."""
        chat = self.chat
        await self._wait(lambda: len(chat.edits) > self._seen_edits, timeout, "an edited message")
        edited = chat.edits[self._seen_edits]
        self._seen_edits += 1
        return edited

    async def expect_callback_answer(self, timeout: float | None = None) -> CallbackAnswer:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The next answerCallbackQuery for this user's taps."""
        chat = self.chat
        await self._wait(lambda: len(chat.callback_answers) > self._seen_answers, timeout, "a callback answer")
        answer = chat.callback_answers[self._seen_answers]
        self._seen_answers += 1
        return answer

    async def expect_answer_to(self, query_id: str, timeout: float | None = None) -> CallbackAnswer:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The answer to one tap (the id `tap` returned); answers to earlier taps are passed over."""
        while (answer := await self.expect_callback_answer(timeout)).query_id != query_id:
            pass
        return answer

    async def expect_deleted(self, timeout: float | None = None) -> RecordedMessage:  # noqa: ASYNC109 - the test-tool API takes a timeout
        """The next message deleted in this chat."""
        chat = self.chat
        await self._wait(lambda: len(chat.deletions) > self._seen_deletions, timeout, "a deleted message")
        deleted = chat.deletions[self._seen_deletions]
        self._seen_deletions += 1
        return deleted

    async def expect_no_message(self, quiet: float = 0.2) -> None:
        """Wait until the bot is idle, then assert it sent nothing new to this chat."""
        await self.emulator.wait_idle(quiet=quiet)
        unseen = self.chat.bot_messages[self._seen_messages :]
        if unseen:
            raise AssertionError(f"{self}: expected no new message, got {unseen}\n{self.format_transcript()}")

    def skip_seen(self) -> None:
        """Mark everything received so far as seen."""
        self._seen_messages = len(self.chat.bot_messages)
        self._seen_edits = len(self.chat.edits)
        self._seen_answers = len(self.chat.callback_answers)
        self._seen_deletions = len(self.chat.deletions)

    async def _wait(self, predicate: Callable[[], bool], within: float | None, what: str) -> None:
        within = self.emulator.default_timeout if within is None else within
        if not await self.state.changed.wait_for(predicate, within):
            raise AssertionError(f"{self}: expected {what} within {within}s, got none.\n{self.format_transcript()}")

    # ----- reading ---------------------------------------------------------------------

    @property
    def transcript(self) -> list[RecordedMessage]:
        """Every bot message in this chat, in send order (deleted ones flagged)."""
        return list(self.chat.bot_messages)

    @property
    def history(self) -> list[RecordedMessage]:
        """Both sides of the conversation, by message_id."""
        return [self.chat.messages[k] for k in sorted(self.chat.messages)]

    @property
    def last_message(self) -> RecordedMessage | None:
        """The latest bot message still present."""
        for message in reversed(self.chat.bot_messages):
            if not message.deleted:
                return message
        return None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery for this user."""
        return list(self.chat.callback_answers)

    @property
    def blocked(self) -> bool:
        """Whether the user currently blocks the bot."""
        return self.chat.blocked

    def _latest_with_keyboard(self) -> RecordedMessage | None:
        for message in reversed(self.chat.bot_messages):
            if not message.deleted and message.buttons:
                return message
        return None

    def format_transcript(self) -> str:
        """The conversation as text, for assertion messages."""
        lines = [f"Transcript of chat {self.id} ({self.chat.first_name}):"]
        lines += [f"  {message!r}" for message in self.history] or ["  (empty)"]
        return "\n".join(lines)
