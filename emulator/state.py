"""What the emulated Telegram holds for one bot: users and chats, messages, files, the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulator.errors import ApiError, bad_request, forbidden
from emulator.limits import Faults, RateLimits
from emulator.signal import Signal
from emulator.stats import Stats

log = logging.getLogger("emulator")

# getUpdates without allowed_updates: "all update types except chat_member, message_reaction,
# and message_reaction_count" (Bot API, getUpdates).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(slots=True)
class StoredFile:
    """A file known to the emulator: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    name: str
    mime_type: str
    data: bytes

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    @property
    def file_path(self) -> str:
        """The path getFile returns, served under /file/bot<token>/."""
        return f"documents/{self.file_unique_id}_{self.name}"

    def as_document(self) -> dict[str, Any]:
        """The Document object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.name,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def as_photo_sizes(self) -> list[dict[str, Any]]:
        """A PhotoSize array: Telegram returns several sizes of the same picture."""
        return [
            {"file_id": f"{self.file_id}-s", "file_unique_id": f"{self.file_unique_id}s", "width": 90,
             "height": 90, "file_size": min(self.size, 1500)},
            {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "width": 800, "height": 800,
             "file_size": self.size},
        ]  # fmt: skip


@dataclass(slots=True, eq=False)
class RecordedMessage:
    """A message in a chat as the emulator stores it (bot or user side)."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool
    kind: str = "text"  # text, document, photo, sticker, contact, location, or the send method name
    text: str | None = None  # the raw text or caption as sent (markup included)
    parse_mode: str | None = None
    visible_text: str | None = None  # after entity parsing: what the user sees
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file: StoredFile | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other Message fields (sticker, contact...)
    edited: bool = False
    edit_date: int | None = None
    deleted: bool = False
    history: list[RecordedMessage] = field(default_factory=list)  # earlier versions, oldest first

    @property
    def caption(self) -> str | None:
        """Visible caption of a media message."""
        return self.visible_text if self.kind in ("document", "photo") else None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of InlineKeyboardButton dicts (empty if none)."""
        if self.reply_markup and isinstance(self.reply_markup.get("inline_keyboard"), list):
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def buttons(self) -> list[list[str]]:
        """Rows of inline button labels (or reply keyboard labels if no inline keyboard)."""
        if self.inline_keyboard:
            return [[b.get("text", "") for b in row] for row in self.inline_keyboard]
        if self.reply_markup and isinstance(self.reply_markup.get("keyboard"), list):
            rows = self.reply_markup["keyboard"]
            return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]
        return []

    @property
    def button_labels(self) -> list[str]:
        """All button labels in reading order."""
        return [label for row in self.buttons for label in row]

    @property
    def callback_data(self) -> list[str]:
        """callback_data of every inline button that has one, in reading order."""
        return [b["callback_data"] for row in self.inline_keyboard for b in row if "callback_data" in b]

    @property
    def document(self) -> StoredFile | None:
        """The document sent (name, data, mime_type), if any."""
        return self.file if self.kind == "document" else None

    def snapshot(self) -> RecordedMessage:
        """An independent copy of this version (history not included)."""
        clone = copy.copy(self)
        clone.entities = list(self.entities)
        clone.reply_markup = copy.deepcopy(self.reply_markup)
        clone.history = []
        return clone

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else "user"
        flags = " edited" if self.edited else ""
        flags += " deleted" if self.deleted else ""
        body = self.visible_text if self.visible_text is not None else f"<{self.kind}>"
        if self.file is not None:
            body = f"<{self.kind} {self.file.name}> {body or ''}".rstrip()
        keyboard = f" {self.buttons}" if self.buttons else ""
        return f"[{self.message_id}] {who}{flags}: {body!r}{keyboard}"


@dataclass(slots=True, eq=False)
class Chat:
    """A private chat with one user (the emulator models private chats)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False
    blocked: bool = False  # 403 "bot was blocked by the user"
    deactivated: bool = False  # 403 "user is deactivated"
    next_message_id: int = 1
    messages: dict[int, RecordedMessage] = field(default_factory=dict)
    bot_messages: list[RecordedMessage] = field(default_factory=list)  # in send order
    edits: list[RecordedMessage] = field(default_factory=list)  # snapshots after each edit
    deletions: list[RecordedMessage] = field(default_factory=list)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    chat_actions: list[str] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None

    def user_dict(self) -> dict[str, Any]:
        """The User object of the chat's user."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    def chat_dict(self) -> dict[str, Any]:
        """The Chat object."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def take_message_id(self) -> int:
        """Private chats number messages of both sides in one sequence."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(slots=True)
class PendingCallback:
    """A callback query sent to the bot and not yet answered."""

    query_id: str
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


class BotState:
    """All state of one emulated bot, shared by the HTTP server, the control API and test users."""

    def __init__(self, token: str, *, username: str = "test_bot", first_name: str = "Test Bot") -> None:
        self.token = token
        bot_id_text = token.split(":", 1)[0]
        self.bot_id = int(bot_id_text) if bot_id_text.isdigit() else 1
        self.username = username
        self.first_name = first_name
        self.chats: dict[int, Chat] = {}
        self.auto_create_chats = False  # benchmarks: any positive chat_id is a reachable user
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.limits = RateLimits()
        self.faults = Faults()
        self.stats = Stats()
        self.all_bot_messages: list[RecordedMessage] = []
        self.calls: deque[tuple[str, dict[str, Any]]] = deque(maxlen=1000)  # recent (method, params)
        self.unknown_calls: list[tuple[str, dict[str, Any]]] = []
        # Update queue: updates stay until confirmed by offset (getUpdates) or delivered (webhook).
        self.updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self.last_returned_update_id = 0
        self.allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self.webhook: dict[str, Any] | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_retry_delay = 0.05
        self._webhook_task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        # Signals: `changed` on any recorded effect or API call; `update_arrived` for pollers.
        self.changed = Signal()
        self.update_arrived = Signal()
        self.inflight = 0
        self.activity = 0  # bumped on every bot call and every update handed over
        self.last_activity = time.monotonic()
        self.closing = False
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    # ----- users and chats -------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Chat:
        """Register a user (and their private chat with the bot); returns the existing one if known."""
        chat = self.chats.get(user_id)
        if chat is None:
            chat = Chat(user_id, first_name, last_name, username, language_code)
            self.chats[user_id] = chat
        return chat

    def chat_for_send(self, chat_id: int) -> Chat:
        """The chat a send targets, or the 400/403 Telegram answers."""
        chat = self.chats.get(chat_id)
        if chat is None:
            if self.auto_create_chats and chat_id > 0:
                chat = self.add_user(chat_id, f"User {chat_id}")
            else:
                raise bad_request("chat not found")
        if chat.deactivated:
            raise forbidden("user is deactivated")
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def bot_user(self) -> dict[str, Any]:
        """The bot's User object (the `from` of its messages)."""
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    # ----- messages ----------------------------------------------------------------------

    def record_bot_message(self, chat: Chat, message: RecordedMessage) -> None:
        """Store an accepted bot message and count it as delivered."""
        chat.messages[message.message_id] = message
        chat.bot_messages.append(message)
        self.all_bot_messages.append(message)
        self.stats.delivered_per_chat[chat.id] += 1
        self.stats.send_timestamps.append(time.time())
        self.changed.notify()

    def message_dict(self, message: RecordedMessage) -> dict[str, Any]:
        """The Message object for a recorded message."""
        chat = self.chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user() if message.from_bot else chat.user_dict(),
            "chat": chat.chat_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.kind == "text":
            data["text"] = message.visible_text
            if message.entities:
                data["entities"] = message.entities
        else:
            if message.file is not None:
                if message.kind == "photo":
                    data["photo"] = message.file.as_photo_sizes()
                else:
                    data["document"] = message.file.as_document()
            if message.visible_text:
                data["caption"] = message.visible_text
                if message.entities:
                    data["caption_entities"] = message.entities
        data.update(message.extra)
        # Telegram echoes reply_markup in a Message only for inline keyboards.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def find_message(self, chat_id: int, message_id: int, action: str) -> RecordedMessage:
        """A live message, or 400 "message to <action> not found"."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(f"message to {action} not found")
        return message

    # ----- files -------------------------------------------------------------------------

    def store_file(self, name: str, data: bytes, mime_type: str) -> StoredFile:
        """Keep uploaded bytes under a fresh file_id."""
        number = next(self._file_ids)
        digest = hashlib.blake2s(data, digest_size=6).hexdigest()
        stored = StoredFile(f"BQACAgEmu{number:06d}{digest}", f"AgAD{number:04d}{digest[:6]}", name, mime_type, data)
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # ----- updates -----------------------------------------------------------------------

    def queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of type `kind` with a fresh increasing update_id."""
        return self.queue_raw_update({kind: payload})

    def queue_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a complete update dict (update_id assigned if missing)."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        # Keep the counter ahead of explicit ids so ids stay unique and increasing.
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self.updates.append(update)
        self.update_arrived.notify()
        self.changed.notify()
        self._ensure_webhook_task()
        return update

    def new_callback_query_id(self) -> str:
        """Callback query ids are opaque strings in the Bot API."""
        return f"{self.bot_id}{next(self._query_ids):08d}"

    def _update_type(self, update: dict[str, Any]) -> str:
        return next((key for key in update if key != "update_id"), "")

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = self._update_type(update)
        if not self.allowed_updates:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self.allowed_updates

    def confirm_updates(self, offset: int) -> None:
        """getUpdates offset: every update with a smaller id is forgotten."""
        if offset < 0:
            keep = -offset
            while len(self.updates) > keep:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        self.changed.notify()

    def take_updates(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` pending updates, dropping those of types the bot did not ask for."""
        result: list[dict[str, Any]] = []
        dropped = False
        for update in self.updates:
            if len(result) >= limit:
                break
            if self._allowed(update):
                result.append(update)
            else:
                dropped = True
        if dropped:
            # Telegram drops update types excluded by allowed_updates.
            self.updates = deque(update for update in self.updates if self._allowed(update))
        if result:
            self.last_returned_update_id = max(self.last_returned_update_id, result[-1]["update_id"])
            self.touch()
        return result

    async def get_updates(self, offset: int | None, limit: int, poll_seconds: float) -> list[dict[str, Any]]:
        """Long polling: answer at once if updates are pending, else wait up to `poll_seconds`."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A new getUpdates ends any running one with 409 (only one poller per bot).
        self._poll_generation += 1
        generation = self._poll_generation
        self.update_arrived.notify()
        if offset is not None:
            self.confirm_updates(offset)
        updates = self.take_updates(limit)
        if updates or poll_seconds <= 0:
            return updates
        await self.update_arrived.wait_for(
            lambda: bool(self.updates) or generation != self._poll_generation or self.closing, poll_seconds
        )
        if generation != self._poll_generation and not self.closing:
            raise ApiError(
                409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            )
        return self.take_updates(limit)

    @property
    def updates_drained(self) -> bool:
        """All queued updates were handed to the bot (returned by getUpdates or delivered by webhook)."""
        return not self.updates or self.updates[-1]["update_id"] <= self.last_returned_update_id

    # ----- webhook -----------------------------------------------------------------------

    def set_webhook(self, url: str, secret_token: str | None, max_connections: int, allowed: list[str] | None) -> None:
        """Switch to push delivery; updates already queued are pushed too."""
        self.webhook = {"url": url, "secret_token": secret_token, "max_connections": max_connections}
        if allowed is not None:
            self.allowed_updates = allowed
        self.webhook_last_error = None
        self.update_arrived.notify()  # a waiting getUpdates returns
        self._ensure_webhook_task()

    def delete_webhook(self, drop_pending: bool) -> None:
        """Back to getUpdates; optionally forget pending updates."""
        self.webhook = None
        if drop_pending:
            self.updates.clear()
            self.changed.notify()
        self.update_arrived.notify()

    def _ensure_webhook_task(self) -> None:
        if self.webhook is None or self.closing:
            return
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())

    async def _deliver_webhook(self) -> None:
        """POST updates in order; a non-2xx answer is retried (Telegram retries with back-off)."""
        from emulator.methods import call_method  # the webhook reply may be a method call

        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        while self.webhook is not None and not self.closing:
            if not self.updates:
                await self.update_arrived.wait_for(
                    lambda: bool(self.updates) or self.webhook is None or self.closing, None
                )
                continue
            update = self.updates[0]
            if not self._allowed(update):
                self.updates.popleft()
                continue
            hook = self.webhook
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            try:
                async with self._http.post(hook["url"], json=update, headers=headers) as response:
                    body = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, body = 0, str(exc).encode()
            if 200 <= status < 300:
                if self.updates and self.updates[0] is update:
                    self.updates.popleft()
                self.last_returned_update_id = max(self.last_returned_update_id, update["update_id"])
                self.touch()
                await self._run_webhook_reply(body, call_method)
                continue
            self.webhook_last_error = (int(time.time()), f"Wrong response from the webhook: {status}")
            log.info("webhook delivery failed with %s, retrying", status)
            await asyncio.sleep(self.webhook_retry_delay)

    async def _run_webhook_reply(self, body: bytes, call_method: Any) -> None:
        """Telegram executes a method given in the webhook response body (Bot API, "Making requests")."""
        if not body:
            return
        try:
            reply = json.loads(body)
        except ValueError:
            return
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            params = {k: v for k, v in reply.items() if k != "method"}
            try:
                await call_method(self, reply["method"], params, {}, from_form=False)
            except ApiError as exc:
                log.info("webhook reply %s failed: %s", reply["method"], exc.description)

    def touch(self) -> None:
        """Note bot activity (a call or an update handed over), for wait_idle."""
        self.activity += 1
        self.last_activity = time.monotonic()
        self.changed.notify()

    # ----- lifecycle ---------------------------------------------------------------------

    async def close(self) -> None:
        """Wake every waiter and stop background delivery."""
        self.closing = True
        self.update_arrived.notify()
        self.changed.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._webhook_task
        if self._http is not None:
            await self._http.close()

    def reset_stats(self) -> None:
        """Start counting afresh (limits and faults stay)."""
        self.stats = Stats()
