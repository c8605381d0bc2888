"""Bot API methods: one function per method, registered by name in METHODS.

To give a method real behaviour, add `@api_method("methodName")` on an async function taking
(state, params). Methods without a handler are accepted after the required-parameter check.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from emulator.errors import ApiError, bad_request
from emulator.limits import RATE_LIMITED_METHODS
from emulator.spec import MethodSpec, methods
from emulator.state import BotState, CallbackAnswer, Chat, RecordedMessage, StoredFile
from emulator.validation import (
    UploadedFile,
    answer_text_ok,
    as_chat_id,
    check_reply_markup,
    check_required,
    decode_params,
    format_text,
)

log = logging.getLogger("emulator")

Handler = Callable[[BotState, dict[str, Any]], Awaitable[Any]]
METHODS: dict[str, Handler] = {}

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for a Bot API method (names are case-insensitive)."""

    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = func
        return func

    return register


async def call_method(
    state: BotState,
    method: str,
    raw: dict[str, Any],
    files: dict[str, UploadedFile],
    *,
    from_form: bool,
) -> Any:
    """Decode, validate and run one method; returns the `result` or raises ApiError."""
    key = method.lower()
    spec = methods().get(key)
    if spec is None:
        raise ApiError(404, "Not Found")
    params = decode_params(spec, raw, from_form)
    for name, upload in files.items():
        params.setdefault(name, upload)  # python-telegram-bot posts the file under the field name
    _resolve_attachments(params, files)
    check_required(spec, params)
    handler = METHODS.get(key)
    if handler is None:
        return await _accept_unknown(state, spec, params)
    return await handler(state, params)


def _resolve_attachments(params: dict[str, Any], files: dict[str, UploadedFile]) -> None:
    """aiogram sends uploads as "attach://<key>" with the bytes in a separate form part."""
    for name, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is not None:
                params[name] = upload


async def _accept_unknown(state: BotState, spec: MethodSpec, params: dict[str, Any]) -> Any:
    """A method without real behaviour: answer a plausible result so the bot does not crash."""
    log.info("emulator: %s accepted without behaviour", spec.name)
    state.unknown_calls.append((spec.name, params))
    returns = spec.returns
    if returns[0] == "Message" and "chat_id" in params:
        chat = _chat_for_send(state, spec.name.lower(), params)
        message = _new_bot_message(chat, kind=spec.name)
        state.record_bot_message(chat, message)
        return state.message_dict(message)
    if returns[0] == "Array of Message" and "chat_id" in params:
        chat = _chat_for_send(state, spec.name.lower(), params)
        count = len(params.get("media") or [None])
        messages = []
        for _ in range(count):
            message = _new_bot_message(chat, kind=spec.name)
            state.record_bot_message(chat, message)
            messages.append(state.message_dict(message))
        return messages
    if returns[0] == "MessageId" and "chat_id" in params:
        chat = _chat_for_send(state, spec.name.lower(), params)
        message = _new_bot_message(chat, kind=spec.name)
        state.record_bot_message(chat, message)
        return {"message_id": message.message_id}
    if returns[0].startswith("Array of"):
        return []
    return True


def _chat_for_send(state: BotState, method: str, params: dict[str, Any]) -> Chat:
    """Resolve the target chat, then apply the flood limits (after validation, like Telegram)."""
    chat = state.chat_for_send(as_chat_id(params["chat_id"]))
    if method in RATE_LIMITED_METHODS:
        state.limits.admit(chat.id, time.monotonic(), paid=bool(params.get("allow_paid_broadcast")))
    return chat


def _new_bot_message(chat: Chat, kind: str = "text") -> RecordedMessage:
    return RecordedMessage(chat.take_message_id(), chat.id, int(time.time()), True, kind)


def _reply_target(state: BotState, chat: Chat, params: dict[str, Any]) -> RecordedMessage | None:
    """The message replied to (reply_parameters); a missing one is refused unless allowed."""
    reply = params.get("reply_parameters")
    if not isinstance(reply, dict):
        if params.get("reply_to_message_id") is None:
            return None
        reply = {"message_id": params["reply_to_message_id"]}
    target = chat.messages.get(int(reply.get("message_id") or 0))
    if target is None or target.deleted:
        if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return target


def _finish_send(state: BotState, chat: Chat, message: RecordedMessage, params: dict[str, Any]) -> Any:
    """Record an accepted send and build its Message (with reply_to_message when replying)."""
    replied = _reply_target(state, chat, params)
    if replied is not None:
        message.extra["reply_to_message"] = state.message_dict(replied)
    state.record_bot_message(chat, message)
    return state.message_dict(message)


# ----- identity and updates ------------------------------------------------------------------


@api_method("getMe")
async def get_me(state: BotState, params: dict[str, Any]) -> Any:
    """The bot's User with the bot-only flags."""
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("getUpdates")
async def get_updates(state: BotState, params: dict[str, Any]) -> Any:
    """Long polling (offset confirms, limit 1-100, timeout seconds, allowed_updates)."""
    limit = params.get("limit") or 100
    limit = max(1, min(100, int(limit)))
    allowed = params.get("allowed_updates")
    if allowed is not None:
        state.allowed_updates = list(allowed)
    timeout = float(params.get("timeout") or 0)
    return await state.get_updates(params.get("offset"), limit, timeout)


@api_method("setWebhook")
async def set_webhook(state: BotState, params: dict[str, Any]) -> Any:
    """Push updates to `url` with the secret header; an empty url removes the webhook."""
    url = params.get("url") or ""
    if not url:
        state.delete_webhook(drop_pending=bool(params.get("drop_pending_updates")))
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and (
        not 1 <= len(secret) <= 256 or not all(ch.isalnum() or ch in "_-" for ch in secret) or not secret.isascii()
    ):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.set_webhook(url, secret, int(params.get("max_connections") or 40), params.get("allowed_updates"))
    return True


@api_method("deleteWebhook")
async def delete_webhook(state: BotState, params: dict[str, Any]) -> Any:
    """Back to getUpdates."""
    state.delete_webhook(drop_pending=bool(params.get("drop_pending_updates")))
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(state: BotState, params: dict[str, Any]) -> Any:
    """WebhookInfo; url is empty when polling."""
    hook = state.webhook
    info: dict[str, Any] = {
        "url": hook["url"] if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook:
        info["max_connections"] = hook["max_connections"]
        if state.allowed_updates:
            info["allowed_updates"] = state.allowed_updates
    if state.webhook_last_error:
        info["last_error_date"], info["last_error_message"] = state.webhook_last_error
    return info


# ----- messages ------------------------------------------------------------------------------


@api_method("sendMessage")
async def send_message(state: BotState, params: dict[str, Any]) -> Any:
    """Text message: entity parsing, 1-4096 visible characters, keyboard rules, limits."""
    text = params["text"]
    if not isinstance(text, str):
        text = str(text)
    formatted = format_text(text, params.get("parse_mode"), params.get("entities"))
    markup = check_reply_markup(params.get("reply_markup"))
    chat = _chat_for_send(state, "sendmessage", params)
    message = _new_bot_message(chat)
    message.text = text
    message.parse_mode = params.get("parse_mode")
    message.visible_text = formatted.text
    message.entities = formatted.entities
    message.reply_markup = markup
    return _finish_send(state, chat, message, params)


def _upload(state: BotState, value: Any, kind: str, default_name: str, default_mime: str) -> StoredFile:
    """An InputFile (multipart bytes), a known file_id, or a URL (recorded without content)."""
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        return state.store_file(value.filename or default_name, value.data, value.content_type or default_mime)
    if isinstance(value, str):
        known = state.files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or default_name
            return state.store_file(name, b"", default_mime)
    raise bad_request("wrong file identifier/HTTP URL specified")


async def _send_media(state: BotState, params: dict[str, Any], kind: str) -> Any:
    caption = params.get("caption")
    formatted = format_text(caption or "", params.get("parse_mode"), params.get("caption_entities"), caption=True)
    markup = check_reply_markup(params.get("reply_markup"))
    if kind == "document":
        stored = _upload(state, params["document"], kind, "document", "application/octet-stream")
    else:
        stored = _upload(state, params["photo"], kind, "photo.jpg", "image/jpeg")
    chat = _chat_for_send(state, f"send{kind}", params)
    message = _new_bot_message(chat, kind)
    message.text = caption
    message.parse_mode = params.get("parse_mode")
    message.visible_text = formatted.text if caption else None
    message.entities = formatted.entities
    message.reply_markup = markup
    message.file = stored
    return _finish_send(state, chat, message, params)


@api_method("sendDocument")
async def send_document(state: BotState, params: dict[str, Any]) -> Any:
    """Document upload (multipart) or re-send by file_id; caption ≤ 1024."""
    return await _send_media(state, params, "document")


@api_method("sendPhoto")
async def send_photo(state: BotState, params: dict[str, Any]) -> Any:
    """Photo upload; the Message carries several PhotoSize entries."""
    return await _send_media(state, params, "photo")


def _target(state: BotState, params: dict[str, Any], action: str) -> RecordedMessage:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
    if params.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    if params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat_id = as_chat_id(params["chat_id"])
    state.chat_for_send(chat_id)
    return state.find_message(chat_id, int(params["message_id"]), action)


def _apply_edit(state: BotState, message: RecordedMessage, **changes: Any) -> Any:
    """Record an edit; the same visible content and markup is Telegram's "message is not modified"."""
    compared = ("visible_text", "entities", "reply_markup", "file")
    if all(getattr(message, name) == value for name, value in changes.items() if name in compared):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same "
            "as a current content and reply markup of the message"
        )
    chat = state.chats[message.chat_id]
    message.history.append(message.snapshot())
    for name, value in changes.items():
        setattr(message, name, value)
    message.edited = True
    message.edit_date = int(time.time())
    chat.edits.append(message.snapshot())
    state.changed.notify()
    return state.message_dict(message)


@api_method("editMessageText")
async def edit_message_text(state: BotState, params: dict[str, Any]) -> Any:
    """New text (and keyboard) for a bot text message."""
    text = str(params["text"])
    formatted = format_text(text, params.get("parse_mode"), params.get("entities"))
    markup = check_reply_markup(params.get("reply_markup"))
    message = _target(state, params, "edit")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    chat_id = message.chat_id
    state.limits.admit(chat_id, time.monotonic())
    # A missing reply_markup removes the inline keyboard, as in Telegram.
    return _apply_edit(
        state, message, text=text, parse_mode=params.get("parse_mode"), visible_text=formatted.text,
        entities=formatted.entities, reply_markup=markup,
    )  # fmt: skip


@api_method("editMessageCaption")
async def edit_message_caption(state: BotState, params: dict[str, Any]) -> Any:
    """New caption (and keyboard) for a bot media message."""
    caption = params.get("caption")
    formatted = format_text(caption or "", params.get("parse_mode"), params.get("caption_entities"), caption=True)
    markup = check_reply_markup(params.get("reply_markup"))
    message = _target(state, params, "edit")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return _apply_edit(
        state, message, text=caption, visible_text=formatted.text if caption else None,
        entities=formatted.entities, reply_markup=markup,
    )  # fmt: skip


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(state: BotState, params: dict[str, Any]) -> Any:
    """Replace (or remove, when absent) the inline keyboard."""
    markup = check_reply_markup(params.get("reply_markup"))
    message = _target(state, params, "edit")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return _apply_edit(state, message, reply_markup=markup)


@api_method("deleteMessage")
async def delete_message(state: BotState, params: dict[str, Any]) -> Any:
    """Mark a message deleted; a second delete is "message to delete not found"."""
    chat_id = as_chat_id(params["chat_id"])
    message = state.find_message(chat_id, int(params["message_id"]), "delete")
    message.deleted = True
    state.chats[chat_id].deletions.append(message)
    state.changed.notify()
    return True


@api_method("deleteMessages")
async def delete_messages(state: BotState, params: dict[str, Any]) -> Any:
    """Delete several messages; missing ones are skipped."""
    chat_id = as_chat_id(params["chat_id"])
    chat = state.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    for message_id in params.get("message_ids") or []:
        message = chat.messages.get(int(message_id))
        if message is not None and not message.deleted:
            message.deleted = True
            chat.deletions.append(message)
    state.changed.notify()
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(state: BotState, params: dict[str, Any]) -> Any:
    """Record the answer (text ≤ 200); an unknown or already answered id is "query is too old"."""
    text = params.get("text")
    answer_text_ok(text)
    pending = state.callbacks.get(str(params["callback_query_id"]))
    if pending is None or pending.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    pending.answered = True
    chat = state.chats[pending.chat_id]
    chat.callback_answers.append(
        CallbackAnswer(
            pending.query_id,
            text,
            bool(params.get("show_alert")),
            params.get("url"),
            int(params.get("cache_time") or 0),
        )
    )
    state.changed.notify()
    return True


@api_method("sendChatAction")
async def send_chat_action(state: BotState, params: dict[str, Any]) -> Any:
    """ "typing" and friends; recorded per chat."""
    action = params["action"]
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = state.chat_for_send(as_chat_id(params["chat_id"]))
    chat.chat_actions.append(action)
    return True


# ----- chats, files, commands, menu ------------------------------------------------------------


@api_method("getChat")
async def get_chat(state: BotState, params: dict[str, Any]) -> Any:
    """ChatFullInfo of a private chat."""
    chat = state.chats.get(as_chat_id(params["chat_id"]))
    if chat is None:
        raise bad_request("chat not found")
    return {
        **chat.chat_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
            "premium_subscription": True, "gifts_from_channels": True,
        },
    }  # fmt: skip


@api_method("getChatMember")
async def get_chat_member(state: BotState, params: dict[str, Any]) -> Any:
    """In a private chat the user is a member, or "kicked" towards a blocked bot."""
    chat = state.chats.get(as_chat_id(params["chat_id"]))
    if chat is None:
        raise bad_request("chat not found")
    user_id = int(params["user_id"])
    if user_id == state.bot_id:
        return {"status": "member", "user": state.bot_user()}
    if user_id != chat.id:
        raise bad_request("user not found")
    return {"status": "member", "user": chat.user_dict()}


@api_method("getFile")
async def get_file(state: BotState, params: dict[str, Any]) -> Any:
    """File with a file_path downloadable from /file/bot<token>/<file_path>."""
    stored = state.files.get(str(params["file_id"]).removesuffix("-s"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    """Commands are stored per (scope, language_code); the scope object is compared by value."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


@api_method("setMyCommands")
async def set_my_commands(state: BotState, params: dict[str, Any]) -> Any:
    """At most 100 commands; command 1-32 chars of a-z, 0-9, _; description 1-256 chars."""
    commands = params["commands"]
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned = []
    for item in commands:
        name = str(item.get("command", "")) if isinstance(item, dict) else ""
        name = name.removeprefix("/")
        if (
            not 1 <= len(name) <= 32
            or not all(ch.islower() or ch.isdigit() or ch == "_" for ch in name)
            or not name.isascii()
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(item.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request("command description must be non-empty")
        cleaned.append({"command": name, "description": description})
    state.commands[_commands_key(params)] = cleaned
    return True


@api_method("getMyCommands")
async def get_my_commands(state: BotState, params: dict[str, Any]) -> Any:
    """The commands set for exactly this scope and language."""
    return state.commands.get(_commands_key(params), [])


@api_method("deleteMyCommands")
async def delete_my_commands(state: BotState, params: dict[str, Any]) -> Any:
    """Forget the commands of this scope and language."""
    state.commands.pop(_commands_key(params), None)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(state: BotState, params: dict[str, Any]) -> Any:
    """Per-chat menu button, or the default one without chat_id."""
    button = params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button")
    if params.get("chat_id") is None:
        state.default_menu_button = button
        return True
    chat = state.chats.get(as_chat_id(params["chat_id"]))
    if chat is None:
        raise bad_request("chat not found")
    chat.menu_button = button
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(state: BotState, params: dict[str, Any]) -> Any:
    """The chat's menu button, falling back to the default."""
    if params.get("chat_id") is not None:
        chat = state.chats.get(as_chat_id(params["chat_id"]))
        if chat is not None and chat.menu_button and chat.menu_button.get("type") != "default":
            return chat.menu_button
    button = state.default_menu_button
    return button if button.get("type") != "default" else {"type": "commands"}


@api_method("logOut")
async def log_out(state: BotState, params: dict[str, Any]) -> Any:
    """Nothing to log out from locally."""
    return True


@api_method("close")
async def close_bot(state: BotState, params: dict[str, Any]) -> Any:
    """Nothing to close locally."""
    return True
