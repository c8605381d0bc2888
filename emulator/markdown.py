"""Telegram's parse_mode=MarkdownV2 and legacy Markdown, with TDLib's error wording.

Rules from https://core.telegram.org/bots/api#markdownv2-style ; errors are prefixed by
"Bad Request: can't parse entities: " like every entity-parsing error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.entities import FormattedText, sort_entities, utf16_len
from emulator.errors import cant_parse_entities
from emulator.html import _checked_url

RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
# TDLib's names for entity types, used in "Can't find end of <Name> entity" errors.
V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass(slots=True)
class _Open:
    kind: str
    argument: str
    utf16_offset: int
    byte_index: int  # index in the markup, reported as a UTF-8 byte offset on error
    out_index: int


def _reserved(char: str) -> Exception:
    return cant_parse_entities(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown_v2(markup: str) -> FormattedText:
    """Parse MarkdownV2 into visible text and entities, or raise the Bot API 400 error."""
    if not any(ch in RESERVED_V2 or ch == "\\" for ch in markup):
        return FormattedText(markup)  # fast path: nothing to parse
    text = markup
    size = len(text)
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    quote_start: int | None = None  # utf16 offset where the current '>' block quotation began
    quote_expandable = False
    i = 0
    while i < size:
        c = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        in_code = bool(stack) and stack[-1].kind in ("code", "pre", "pre_code")
        if c == "\\" and i + 1 < size and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            utf16 += 1
            i += 2
            continue
        if c == "\n" and quote_start is not None and not in_code and not text.startswith(">", i + 1):
            _close_quote(entities, quote_start, utf16, quote_expandable)
            quote_start, quote_expandable = None, False
        if in_code:
            if c != "`":
                out.append(c)
                utf16 += utf16_len(c)
                i += 1
                continue
        elif at_line_start and (c == ">" or text.startswith("**>", i)):
            if c == "*":
                quote_expandable = True
                i += 2
            if quote_start is None:
                quote_start = utf16
            i += 1
            continue
        elif c == "|" and quote_start is not None and text.startswith("||", i) and _line_ends_after(text, i + 2):
            quote_expandable = True  # "||" closing the last line of an expandable block quotation
            i += 2
            continue
        elif c not in RESERVED_V2:
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue

        top = stack[-1] if stack else None
        if top is not None and _ends(top.kind, text, i):
            i = _close(text, i, top, stack, entities, out, utf16)
            continue
        i = _open(text, i, stack, out, utf16)

    if stack:
        top = stack[-1]
        raise cant_parse_entities(
            f"Can't find end of {V2_NAMES[top.kind]} entity at byte offset {_byte_offset(text, top.byte_index)}"
        )
    if quote_start is not None:
        _close_quote(entities, quote_start, utf16, quote_expandable)
    return FormattedText("".join(out), sort_entities(entities))


def _line_ends_after(text: str, index: int) -> bool:
    return index >= len(text) or text[index] == "\n"


def _close_quote(entities: list[dict[str, Any]], start: int, end: int, expandable: bool) -> None:
    if end > start:
        kind = "expandable_blockquote" if expandable else "blockquote"
        entities.append({"type": kind, "offset": start, "length": end - start})


def _ends(kind: str, text: str, i: int) -> bool:
    """Whether the reserved character at text[i] closes the innermost open entity."""
    c = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if kind == "bold":
        return c == "*"
    if kind == "italic":
        return c == "_" and nxt != "_"
    if kind == "underline":
        return c == "_" and nxt == "_"
    if kind == "strikethrough":
        return c == "~"
    if kind == "spoiler":
        return c == "|" and nxt == "|"
    if kind == "code":
        return c == "`"
    if kind in ("pre", "pre_code"):
        return text.startswith("```", i)
    return c == "]"  # text_link, custom_emoji


def _open(text: str, i: int, stack: list[_Open], out: list[str], utf16: int) -> int:
    """Open the entity starting at text[i]; returns the index after its opening marker."""
    c = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    begin = i
    argument = ""
    if c == "_" and nxt == "_":
        kind, i = "underline", i + 2
    elif c == "_":
        kind, i = "italic", i + 1
    elif c == "*":
        kind, i = "bold", i + 1
    elif c == "~":
        kind, i = "strikethrough", i + 1
    elif c == "|" and nxt == "|":
        kind, i = "spoiler", i + 2
    elif c == "[":
        kind, i = "text_link", i + 1
    elif c == "!" and nxt == "[":
        kind, i = "custom_emoji", i + 2
    elif c == "`" and text.startswith("```", i):
        i += 3
        end = i
        while end < len(text) and text[end] not in " \t\r\n`":
            end += 1
        kind = "pre"
        if end > i and end < len(text) and text[end] != "`":
            argument, i, kind = text[i:end], end, "pre_code"
        # One new line right after the opening ``` is not part of the text.
        if text.startswith("\r\n", i) or text.startswith("\n\r", i):
            i += 2
        elif i < len(text) and text[i] in "\r\n":
            i += 1
    elif c == "`":
        kind, i = "code", i + 1
    else:
        raise _reserved(c)
    stack.append(_Open(kind, argument, utf16, begin, len(out)))
    return i


def _close(
    text: str,
    i: int,
    top: _Open,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    out: list[str],
    utf16: int,
) -> int:
    """Close the innermost entity at text[i]; returns the index after its closing marker."""
    kind = top.kind
    argument = top.argument
    if kind in ("text_link", "custom_emoji"):
        i += 1
        if text.startswith("(", i):
            url_begin = i + 1
            i += 1
            url: list[str] = []
            while i < len(text) and text[i] != ")":
                if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
                    url.append(text[i + 1])
                    i += 2
                    continue
                url.append(text[i])
                i += 1
            if i >= len(text):
                raise cant_parse_entities(f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}")
            argument = "".join(url)
            i += 1
        elif kind == "text_link":
            argument = "".join(out[top.out_index :])
        else:
            raise cant_parse_entities("The entity must contain a tg://emoji or tg://time URL")
    elif kind == "underline" or kind == "spoiler":
        i += 2
    elif kind in ("pre", "pre_code"):
        i += 3
    else:
        i += 1
    stack.pop()
    length = utf16 - top.utf16_offset
    if length <= 0:
        return i
    entity: dict[str, Any] = {"type": kind, "offset": top.utf16_offset, "length": length}
    if kind == "pre_code":
        entity = {"type": "pre", "offset": top.utf16_offset, "length": length, "language": argument}
    elif kind == "text_link":
        checked = _checked_url(argument)
        if checked is None:
            return i
        entity["url"] = checked
    elif kind == "custom_emoji":
        prefix = "tg://emoji?id="
        if not argument.startswith(prefix) or not argument[len(prefix) :].isdigit():
            raise cant_parse_entities("Invalid tg://emoji or tg://time URL specified")
        entity["custom_emoji_id"] = argument[len(prefix) :]
    entities.append(entity)
    return i


def parse_markdown(markup: str) -> FormattedText:
    """Legacy parse_mode=Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    if not any(ch in "_*`[" for ch in markup):
        return FormattedText(markup)
    text = markup
    size = len(text)
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    utf16 = 0
    i = 0
    while i < size:
        c = text[i]
        if c == "\\" and i + 1 < size and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = text.startswith("```", i)
        i += 3 if is_pre else 1
        language = ""
        if is_pre:
            end = i
            while end < size and text[end] not in " \t\r\n`":
                end += 1
            if end > i and end < size and text[end] != "`":
                language, i = text[i:end], end
            if i < size and text[i] in "\r\n":
                i += 2 if text[i : i + 2] in ("\r\n", "\n\r") else 1
        start = i
        while i < size and (text.startswith("```", i) is False if is_pre else text[i] != end_char):
            i += 1
        if i >= size:
            raise cant_parse_entities(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        inner = text[start:i]
        out.append(inner)
        length = utf16_len(inner)
        entity: dict[str, Any] | None = None
        if c == "[":
            url = inner
            if text.startswith("(", i + 1):
                close = text.find(")", i + 2)
                close = size if close < 0 else close
                url = text[i + 2 : close]
                i = close
            checked = _checked_url(url)
            if checked:
                entity = {"type": "text_link", "offset": utf16, "length": length, "url": checked}
        elif is_pre:
            entity = {"type": "pre", "offset": utf16, "length": length}
            if language:
                entity["language"] = language
            i += 2
        else:
            kind = {"_": "italic", "*": "bold", "`": "code"}[c]
            entity = {"type": kind, "offset": utf16, "length": length}
        if entity is not None and length > 0:
            entities.append(entity)
        utf16 += length
        i += 1
    return FormattedText("".join(out), sort_entities(entities))
