"""Updates a user's actions produce, shaped as Telegram delivers them."""

from __future__ import annotations

import time
from typing import Any

from emulator.state import BotState, Chat, PendingCallback, RecordedMessage, StoredFile


def user_message(
    state: BotState,
    chat: Chat,
    text: str | None = None,
    *,
    kind: str = "text",
    file: StoredFile | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record a message from the user and queue its `message` update; returns the Message dict."""
    message = RecordedMessage(chat.take_message_id(), chat.id, int(time.time()), False, kind)
    message.text = text
    message.visible_text = text
    message.file = file
    message.extra = dict(extra or {})
    if text is not None and kind == "text" and text.startswith("/"):
        # Telegram marks a leading /command (with optional @botname) as a bot_command entity.
        command = text.split(maxsplit=1)[0]
        message.entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    chat.messages[message.message_id] = message
    payload = state.message_dict(message)
    state.queue_update("message", payload)
    return payload


def callback_query(state: BotState, chat: Chat, message: RecordedMessage, data: str | None,
                   inaccessible: bool = False) -> str:
    """Queue a callback_query for a tap on `message`; returns the query id.

    `inaccessible`: Telegram sends an InaccessibleMessage (chat, message_id, date 0) instead of the message
    when the bot can no longer see it (deleted, or too old).
    """
    query_id = state.new_callback_query_id()
    state.callbacks[query_id] = PendingCallback(query_id, chat.id, message.message_id, data)
    payload: dict[str, Any] = {
        "id": query_id,
        "from": chat.user_dict(),
        "message": ({"chat": chat.chat_dict(), "message_id": message.message_id, "date": 0} if inaccessible
                    else state.message_dict(message)),
        "chat_instance": str(-(abs(hash((state.bot_id, chat.id))) % 10**18)),
    }
    if data is not None:
        payload["data"] = data
    state.queue_update("callback_query", payload)
    return query_id


def member_status_change(state: BotState, chat: Chat, old: str, new: str) -> dict[str, Any]:
    """Queue my_chat_member: "kicked" when the user blocks the bot, "member" when they unblock."""
    bot = state.bot_user()
    new_member: dict[str, Any] = {"status": new, "user": bot}
    if new == "kicked":
        new_member["until_date"] = 0
    old_member: dict[str, Any] = {"status": old, "user": bot}
    if old == "kicked":
        old_member["until_date"] = 0
    payload = {
        "chat": chat.chat_dict(),
        "from": chat.user_dict(),
        "date": int(time.time()),
        "old_chat_member": old_member,
        "new_chat_member": new_member,
    }
    return state.queue_update("my_chat_member", payload)


def set_blocked(state: BotState, chat: Chat, blocked: bool, *, notify: bool = True) -> None:
    """Block or unblock the bot for this user, with the my_chat_member update Telegram sends."""
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    if notify:
        if blocked:
            member_status_change(state, chat, "member", "kicked")
        else:
            member_status_change(state, chat, "kicked", "member")
