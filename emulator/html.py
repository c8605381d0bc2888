"""Telegram's parse_mode=HTML: the tag set and error wording of TDLib's parse_html.

Rules from https://core.telegram.org/bots/api#html-style ; error texts follow TDLib
(td/telegram/MessageEntity.cpp) and are prefixed by "Bad Request: can't parse entities: ".
"""

from __future__ import annotations

import re
from typing import Any

from emulator.entities import FormattedText, sort_entities, utf16_len
from emulator.errors import ApiError, cant_parse_entities

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
        "tg-time", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}

SPACES = " \t\r\n\f\v"
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_DECIMAL = re.compile(r"[0-9]*")
_HEX = re.compile(r"[0-9A-Fa-f]*")
_ALPHA = re.compile(r"[A-Za-z]*")
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _byte_offset(text: str, index: int) -> int:
    """TDLib reports positions as UTF-8 byte offsets in the original markup."""
    return len(text[:index].encode("utf-8"))


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at text[pos] == '&'; None leaves the '&' literal, as TDLib does."""
    end = pos + 1
    if text.startswith("#", end):
        end += 1
        if text.startswith("x", end):
            end += 1
            digits = _HEX.match(text, end)
            base = 16
        else:
            digits = _DECIMAL.match(text, end)
            base = 10
        assert digits is not None
        value = int(digits.group(), base) if digits.group() else 0
        end = digits.end()
        # TDLib rejects 0, values past the Unicode range, and over-long references.
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        name = _ALPHA.match(text, end)
        assert name is not None
        end = name.end()
        named = NAMED_ENTITIES.get(name.group())
        if named is None:
            return None
        char = named
    if text.startswith(";", end):
        end += 1
    return char, end


def parse_html(markup: str) -> FormattedText:
    """Parse Telegram HTML into visible text and entities, or raise the Bot API 400 error."""
    if "<" not in markup and "&" not in markup:
        return FormattedText(markup)  # fast path: plain text, nothing to parse
    try:
        return _parse(markup)
    except _ParseError as exc:
        raise cant_parse_entities(str(exc)) from None


class _ParseError(Exception):
    pass


def _parse(text: str) -> FormattedText:
    out: list[str] = []
    utf16_offset = 0
    size = len(text)
    entities: list[dict[str, Any]] = []
    # Each open tag: (name, argument, utf16 offset at open, index in `out` at open)
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < size:
        c = text[i]
        if c == "&":
            decoded = decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16_offset += utf16_len(char)
                continue
        if c != "<":
            # Copy a run of ordinary characters at once.
            j = i + 1
            while j < size and text[j] != "<" and text[j] != "&":
                j += 1
            chunk = text[i:j]
            out.append(chunk)
            utf16_offset += utf16_len(chunk)
            i = j
            continue

        begin = i
        i += 1
        if i < size and text[i] == "/":
            i = _close_tag(text, begin, stack, entities, out, utf16_offset)
            continue
        while i < size and text[i] not in SPACES and text[i] != ">":
            i += 1
        if i >= size:
            raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        argument, i = _attributes(text, i, tag, begin)
        if tag == "span" and argument != "spoiler":
            raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
        stack.append((tag, argument, utf16_offset, len(out)))
        i += 1  # skip '>'

    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    visible = "".join(out)
    _check_surrogates(visible)
    for entity in entities:
        entity.pop("_language", None)
    return FormattedText(visible, sort_entities(entities))


def _attributes(text: str, i: int, tag: str, begin: int) -> tuple[str, int]:
    """Read attributes up to '>' and keep the one argument the tag uses (href, class, emoji-id...)."""
    size = len(text)
    argument = ""
    while i < size and text[i] != ">":
        while i < size and text[i] in SPACES:
            i += 1
        if i >= size:
            break
        if text[i] == ">":
            break
        attr_begin = i
        while i < size and text[i] not in SPACES and text[i] not in "=>":
            i += 1
        name = text[attr_begin:i].lower()
        if not name:
            raise _ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        while i < size and text[i] in SPACES:
            i += 1
        value = ""
        if i < size and text[i] == "=":
            i += 1
            while i < size and text[i] in SPACES:
                i += 1
            if i >= size:
                raise _ParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[i] not in "'\"":
                # An unquoted name token: letters, digits, periods, hyphens (case-insensitive).
                token = _NAME_TOKEN.match(text, i)
                assert token is not None
                value = token.group().lower()
                if token.end() < size and text[token.end()] not in SPACES and text[token.end()] != ">":
                    raise _ParseError(f"Unexpected end of name token at byte offset {_byte_offset(text, i)}")
                i = token.end()
            else:
                quote = text[i]
                i += 1
                parts: list[str] = []
                while i < size and text[i] != quote:
                    if text[i] == "&":
                        decoded = decode_entity(text, i)
                        if decoded is not None:
                            parts.append(decoded[0])
                            i = decoded[1]
                            continue
                    parts.append(text[i])
                    i += 1
                if i < size:
                    i += 1
                value = "".join(parts)
        if i >= size:
            raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "expandable"
        elif tag == "tg-time" and name in ("unix", "format"):
            argument = f"{argument};{name}={value}" if argument else f"{name}={value}"
    return argument, i


def _close_tag(
    text: str,
    begin: int,
    stack: list[tuple[str, str, int, int]],
    entities: list[dict[str, Any]],
    out: list[str],
    utf16_offset: int,
) -> int:
    """Handle `</name>` at text[begin]; returns the index after '>'."""
    size = len(text)
    if not stack:
        raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < size and text[i] not in SPACES and text[i] != ">":
        i += 1
    end_name = text[begin + 2 : i].lower()
    while i < size and text[i] in SPACES:
        i += 1
    if i >= size or text[i] != ">":
        raise _ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    tag, argument, start, out_index = stack.pop()
    if end_name and end_name != tag:
        raise _ParseError(
            f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{tag}>", found "</{end_name}>"'
        )
    length = utf16_offset - start
    if length > 0:
        entity = _entity(tag, argument, start, length, "".join(out[out_index:]), entities)
        if entity is not None:
            entities.append(entity)
    return i + 1


def _entity(
    tag: str, argument: str, offset: int, length: int, inner: str, entities: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The MessageEntity a closed tag produces (pre+code merge into pre with language)."""
    simple = SIMPLE_TAG_TYPES.get(tag)
    if simple is not None:
        return {"type": simple, "offset": offset, "length": length}
    if tag == "span":
        return {"type": "spoiler", "offset": offset, "length": length}
    if tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise _ParseError("Invalid custom emoji identifier specified")
        return {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument}
    if tag == "tg-time":
        attrs = dict(part.split("=", 1) for part in argument.split(";") if "=" in part)
        if not attrs.get("unix", "").isdigit():
            raise _ParseError("Invalid Unix time specified")
        entity: dict[str, Any] = {"type": "date_time", "offset": offset, "length": length}
        entity["unix_time"] = int(attrs["unix"])
        if attrs.get("format"):
            entity["date_time_format"] = attrs["format"]
        return entity
    if tag == "a":
        url = argument or inner
        checked = _checked_url(url)
        if checked is None:
            return None  # TDLib silently drops links it cannot parse
        if checked.startswith("tg://user?id="):
            return {"type": "text_mention", "offset": offset, "length": length, "user": {"id": int(checked[13:])}}
        return {"type": "text_link", "offset": offset, "length": length, "url": checked}
    if tag == "pre":
        last = entities[-1] if entities else None
        if last and last["type"] == "code" and last["offset"] == offset and last["length"] == length:
            language = last.pop("_language", "")
            if language:
                last["type"] = "pre"
                last["language"] = language
                return None
        return {"type": "pre", "offset": offset, "length": length}
    if tag == "code":
        last = entities[-1] if entities else None
        if last and last["type"] == "pre" and last["offset"] == offset and last["length"] == length:
            if argument:
                last["language"] = argument
            return None
        entity = {"type": "code", "offset": offset, "length": length}
        if argument:
            entity["_language"] = argument
        return entity
    return None


_USER_LINK = re.compile(r"tg://user\?id=(\d+)$", re.IGNORECASE)


def _checked_url(url: str) -> str | None:
    """Roughly TDLib's check_url: add http:// to bare hosts, a '/' after the host; None if unusable."""
    if not url or any(ch in url for ch in " \n"):
        return None
    user = _USER_LINK.match(url)
    if user:
        return f"tg://user?id={user.group(1)}"
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)://", url)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https", "tg", "ton", "tonsite"):
            return None
        rest = url[match.end() :]
    else:
        scheme, rest = "http", url
    if scheme in ("http", "https"):
        host, sep, tail = rest.partition("/")
        if not sep:
            for mark in "?#":
                if mark in host:
                    host, _, tail = host.partition(mark)
                    tail = mark + tail
                    break
        if not host or ("." not in host and host.lower() != "localhost"):
            return None
        return f"{scheme}://{host}/{tail.lstrip('/') if sep else tail}"
    return f"{scheme}://{rest}"


def _check_surrogates(visible: str) -> None:
    """Numeric references to lone surrogates are rejected after decoding (TDLib check_utf8)."""
    if any("\ud800" <= ch <= "\udfff" for ch in visible if ord(ch) >= 0xD800):
        raise _ParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )


def html_error(markup: str) -> ApiError | None:
    """The error Telegram would give for this HTML, or None if it parses (for tests)."""
    try:
        parse_html(markup)
    except ApiError as exc:
        return exc
    return None
