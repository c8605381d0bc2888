"""Parameter decoding and the Bot API's checks: required fields, text limits, keyboards.

Limits from https://core.telegram.org/bots/api (sendMessage: text 1-4096 characters after
entities parsing; captions 0-1024; callback_data 1-64 bytes; answerCallbackQuery text 0-200).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emulator.entities import FormattedText, strip_formatted
from emulator.errors import bad_request
from emulator.html import parse_html
from emulator.spec import MethodSpec

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8

# The optional fields of InlineKeyboardButton; "exactly one of the optional fields must be used".
INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip

# Telegram's own wording for some missing parameters; the rest get "<name> is empty".
MISSING_WORDING = {
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
    "commands": "commands is empty",
}


@dataclass(slots=True)
class UploadedFile:
    """A file sent in a multipart request."""

    filename: str
    data: bytes
    content_type: str


def decode_form_value(kind: str, value: Any) -> Any:
    """Turn a form field (always a string) into the JSON type the spec declares."""
    if not isinstance(value, str):
        return value
    if kind == "str":
        return value
    if kind in ("int", "int_or_str"):
        try:
            return int(value)
        except ValueError:
            if kind == "int":
                return value  # type check reports it
            return value
    if kind == "bool":
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        return value
    if kind == "float":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "file":
        return value  # a file_id, URL or attach://name, resolved by the method
    try:
        return json.loads(value)
    except ValueError:
        return value


def decode_params(spec: MethodSpec | None, raw: dict[str, Any], from_form: bool) -> dict[str, Any]:
    """Decode and type-normalise parameters; JSON bodies only get chat_id-like strings fixed."""
    if spec is None:
        return raw
    fields = spec.fields
    params: dict[str, Any] = {}
    for name, value in raw.items():
        field_spec = fields.get(name)
        if field_spec is None:
            params[name] = decode_form_value("json", value) if from_form else value
            continue
        kind = field_spec.kind
        if from_form or (kind in ("int", "int_or_str") and isinstance(value, str)):
            value = decode_form_value(kind, value)
        params[name] = value
    return params


def check_required(spec: MethodSpec, params: dict[str, Any]) -> None:
    """400 for the first missing required parameter, worded as Telegram does."""
    for name in spec.required:
        value = params.get(name)
        if value is None or value == "" or value == []:
            raise bad_request(MISSING_WORDING.get(name, f"{name} is empty"))
    for name, field_spec in spec.fields.items():
        value = params.get(name)
        if value is None:
            continue
        kind = field_spec.kind
        if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            raise bad_request(f'invalid parameter "{name}": expected an Integer')
        if kind == "bool" and not isinstance(value, bool):
            raise bad_request(f'invalid parameter "{name}": expected a Boolean')


def format_text(text: str, parse_mode: str | None, entities: Any = None, *, caption: bool = False) -> FormattedText:
    """Apply parse_mode (or explicit entities) and the length rule on the visible text."""
    if entities:
        if isinstance(entities, str):
            entities = json.loads(entities)
        formatted = FormattedText(text, list(entities))
    elif parse_mode:
        # The bot only ever sends HTML; Markdown and MarkdownV2 are not emulated (a clear refusal, not a guess).
        if parse_mode.lower() != "html":
            raise bad_request(f'unsupported parse_mode "{parse_mode}" (the emulator parses HTML only)')
        formatted = parse_html(text)
    else:
        formatted = FormattedText(text)
    formatted = strip_formatted(formatted)
    visible = formatted.text
    if caption:
        if len(visible) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not visible:
            raise bad_request("message text is empty")
        if len(visible) > MAX_TEXT:
            raise bad_request("message is too long")
    return formatted


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup; inline keyboards get Telegram's button rules."""
    if markup is None or markup == "":
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
    elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
        raise bad_request('can\'t find field "inline_keyboard"')
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    total = 0
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise bad_request("too many buttons in a row")
        total += len(row)
        for button in row:
            _check_inline_button(button)
    if total > MAX_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # wording not verified against Telegram
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"found {', '.join(actions)}"
        )
    data = button.get("callback_data")
    if data is not None:
        encoded = data.encode("utf-8") if isinstance(data, str) else b""
        if not 1 <= len(encoded) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip() or " " in url.strip()):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def answer_text_ok(text: str | None) -> None:
    """answerCallbackQuery text is 0-200 characters."""
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


def as_chat_id(value: Any) -> int:
    """Private-chat ids are integers; @usernames are not supported by the emulator."""
    if isinstance(value, bool):
        raise bad_request("chat not found")
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None
