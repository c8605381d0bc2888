"""Markdown (CommonMark, via markdown-it-py) to Telegram HTML, and splitting it into messages Telegram accepts.

Telegram's HTML knows no paragraphs, lists or headings (https://core.telegram.org/bots/api#html-style):
paragraphs become blank lines, list items "•" or "1." lines, headings bold lines, raw HTML is shown as text.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from locales import N_
from services.errors import DomainError

TEXT_LIMIT = 4096  # Bot API: sendMessage text is 1-4096 characters
_BLOCK_SEPARATOR = "\n\n"
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?([a-z-]+)")
# Break after a line end, or after a sentence end followed by space; entities (&amp;) are never cut.
_SENTENCE = re.compile(r"(?<=\n)|(?<=[.!?…;:])\s+")
_WORD = re.compile(r"(?<=\s)")
_CHAR = re.compile(r"&[#a-zA-Z0-9]+;|.", re.DOTALL)

_parser = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
_INLINE_TAGS = {"strong": "b", "em": "i", "s": "s"}


def markdown_to_html(source: str) -> str:
    """The whole document as Telegram HTML, blocks separated by blank lines."""
    return _BLOCK_SEPARATOR.join(markdown_blocks(source))


def markdown_blocks(source: str) -> list[str]:
    """Top-level blocks (paragraphs, lists, headings…), each balanced Telegram HTML on its own."""
    tokens = _parser.parse(source)
    return [block for block in _Renderer(tokens).blocks() if block.strip()]


class _Renderer:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    def blocks(self) -> list[str]:
        blocks: list[str] = []
        lines: list[str] = []
        lists: list[list[Any]] = []  # per open list: [ordered?, next number]
        marker: str | None = None  # the bullet waiting for the first line of a list item
        heading = quoted = False
        for token in self.tokens:
            kind = token.type
            indent = "   " * max(len(lists) - 1, 0)
            if kind in ("bullet_list_open", "ordered_list_open"):
                lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                ordered, number = lists[-1]
                marker = f"{number}." if ordered else "•"
                lists[-1][1] += 1
            elif kind == "blockquote_open":
                quoted = True
            elif kind == "heading_open":
                heading = True
            elif kind == "inline":
                text = self.inline(token.children or [])
                if heading:
                    text = f"<b>{text}</b>"
                    heading = False
                lines.append(self._prefixed(text, indent, marker, lists))
                marker = None
            elif kind in ("fence", "code_block"):
                language = (token.info or "").strip().split(" ")[0]
                attribute = f' class="language-{escape(language, quote=True)}"' if language else ""
                code = escape(token.content.rstrip(chr(10)), quote=False)
                lines.append(f"<pre><code{attribute}>{code}</code></pre>")
            elif kind == "hr":
                lines.append("———")
            elif kind == "html_block":
                lines.append(escape(token.content.rstrip(chr(10)), quote=False))
            if token.level == 0 and token.nesting <= 0:
                text = "\n".join(line for line in lines if line.strip())
                lines = []
                if text and quoted:
                    text = f"<blockquote>{text}</blockquote>"
                quoted = quoted and kind != "blockquote_close"
                if text and not quoted:
                    blocks.append(text)
                elif text:
                    lines.append(text)
        return blocks

    @staticmethod
    def _prefixed(text: str, indent: str, marker: str | None, lists: list[list[Any]]) -> str:
        if not lists:
            return text
        lead = f"{indent}{marker} " if marker else indent + "   "
        return lead + text.replace("\n", "\n" + indent + "   ")

    def inline(self, children: list[Token]) -> str:
        out: list[str] = []
        links: list[bool] = []
        for child in children:
            kind = child.type
            if kind == "text":
                out.append(escape(child.content, quote=False))
            elif kind in ("softbreak", "hardbreak"):
                out.append("\n")
            elif kind == "code_inline":
                out.append(f"<code>{escape(child.content, quote=False)}</code>")
            elif kind.endswith("_open") and kind[:-5] in _INLINE_TAGS:
                out.append(f"<{_INLINE_TAGS[kind[:-5]]}>")
            elif kind.endswith("_close") and kind[:-6] in _INLINE_TAGS:
                out.append(f"</{_INLINE_TAGS[kind[:-6]]}>")
            elif kind == "link_open":
                href = str(child.attrGet("href") or "")
                usable = href.lower().startswith(_SAFE_SCHEMES)
                links.append(usable)
                if usable:
                    out.append(f'<a href="{escape(href, quote=True)}">')
            elif kind == "link_close":
                if links.pop():
                    out.append("</a>")
            elif kind == "image":
                alt = escape(child.content or "image", quote=False)
                src = str(child.attrGet("src") or "")
                out.append(f'<a href="{escape(src, quote=True)}">{alt}</a>' if src.lower().startswith(
                    _SAFE_SCHEMES[:2]) else alt)
            elif kind == "html_inline":
                out.append(escape(child.content, quote=False))
        return "".join(out)


# -- splitting -----------------------------------------------------------------------------------------
# The one splitter for every long message (broadcasts, newsletter, alerts, digests). Telegram measures a
# text after entity parsing (tags gone, &amp; one character) in UTF-16 code units (an emoji counts 2), and
# refuses a part whose tags do not balance ("can't parse entities"). So: lengths are measured that way,
# open tags are closed at the end of a part and reopened at the start of the next, a link is never cut,
# and a heading (a block that is one bold line) is never left alone at the end of a part.

_LINK = re.compile(r"<a [^>]*>.*?</a>", re.DOTALL)
_HEADING = re.compile(r"<b>[^\n<]*</b>")


def telegram_length(html_text: str) -> int:
    """The length Telegram checks against its limits: visible text, in UTF-16 code units."""
    visible = unescape(_TAG.sub("", html_text))
    return len(visible.encode("utf-16-le")) // 2


def html_blocks(html_text: str) -> list[str]:
    """Cut Telegram HTML at blank lines outside any tag: blocks a part may end after (paragraphs)."""
    blocks: list[str] = []
    depth = 0
    start = 0
    for match in re.finditer(r"<(/?)[a-z-]+[^>]*>|\n\s*\n", html_text):
        token = match.group(0)
        if token.startswith("<"):
            depth += -1 if match.group(1) else 1
        elif depth == 0:
            blocks.append(html_text[start:match.start()])
            start = match.end()
    blocks.append(html_text[start:])
    return [block.strip() for block in blocks if block.strip()]


def split_html(blocks: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Pack blocks into messages of at most `limit` (as Telegram counts), breaking between blocks when possible.

    A block longer than a message is cut at line or sentence ends (then words, then characters), closing
    the open tags at the end of one part and reopening them at the start of the next; links stay whole.
    """
    parts: list[list[str]] = []
    current: list[str] = []
    for block in blocks:
        if current and _joined_length([*current, block]) <= limit:
            current.append(block)
            continue
        if current:
            parts.append(current)
            current = []
        if telegram_length(block) <= limit:
            current = [block]
            continue
        pieces = _split_block(block, limit)
        parts.extend([piece] for piece in pieces[:-1])
        current = [pieces[-1]]
    if current:
        parts.append(current)
    # a heading left at the end of a part goes to the start of the next, with what it introduces
    for index in range(len(parts) - 1):
        while len(parts[index]) > 1 and _is_heading(parts[index][-1]) and \
                _joined_length([parts[index][-1], *parts[index + 1]]) <= limit:
            parts[index + 1].insert(0, parts[index].pop())
    return [_BLOCK_SEPARATOR.join(part) for part in parts if part]


def _joined_length(blocks: list[str]) -> int:
    return sum(telegram_length(block) for block in blocks) + len(_BLOCK_SEPARATOR) * (len(blocks) - 1)


def _is_heading(block: str) -> bool:
    return _HEADING.fullmatch(block.strip()) is not None


def _split_block(block: str, limit: int) -> list[str]:
    parts: list[str] = []
    stack: list[str] = []  # open tags, as written (with attributes), to reopen in the next part
    current = ""
    length = 0  # of `current`, as Telegram counts
    has_text = False

    def closing(extra: str = "") -> str:
        names = [_tag_name(tag) for tag in ([*stack, extra] if extra else stack)]
        return "".join(f"</{name}>" for name in reversed(names))

    def cut() -> None:
        nonlocal current, has_text, length
        parts.append(current.rstrip() + closing())
        current = "".join(stack)
        length = 0
        has_text = False

    for atom in _atoms(block, limit):
        if atom.startswith("</"):
            stack.pop()
            current += atom
        elif atom.startswith("<") and not atom.startswith("<a "):
            # room for the tag and at least a few characters, or it opens in the next part
            if has_text and length + 16 > limit:
                cut()
            stack.append(atom)
            current += atom
        else:
            size = telegram_length(atom)
            if has_text and length + size > limit:
                cut()
                if not atom.startswith("<"):
                    atom = atom.lstrip()
                    size = telegram_length(atom)
            current += atom
            length += size
            has_text = has_text or bool(atom.strip())
    if has_text:
        parts.append(current)
    return [part for part in (_drop_empty_tags(part) for part in parts) if part]


def _tag_name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    assert match is not None
    return match.group(1)


def _atoms(block: str, limit: int) -> list[str]:
    """Tags, whole links, and text cut at sentence ends (then words, then characters) into pieces a part
    can hold."""
    room = max(limit // 4, 1)
    atoms: list[str] = []
    position = 0
    for link in _LINK.finditer(block):
        atoms.extend(_text_atoms(block[position:link.start()], room))
        if telegram_length(link.group(0)) <= room:
            atoms.append(link.group(0))  # a link is never cut
        else:  # a link longer than a quarter message: its text may be cut, the <a> reopens in the next part
            atoms.extend(_text_atoms(link.group(0), room))
        position = link.end()
    atoms.extend(_text_atoms(block[position:], room))
    return atoms


def _text_atoms(html_text: str, room: int) -> list[str]:
    atoms: list[str] = []
    for chunk in _TAG.split(html_text):
        if not chunk:
            continue
        if chunk.startswith("<"):
            atoms.append(chunk)
            continue
        for sentence in _split_keep(chunk, _SENTENCE):
            if telegram_length(sentence) <= room:
                atoms.append(sentence)
                continue
            for word in _split_keep(sentence, _WORD):
                if telegram_length(word) <= room:
                    atoms.append(word)
                    continue
                atoms.extend(_chunks(word, room))
    return atoms


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut `text` after each match, keeping every character (the separator stays with the left piece)."""
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        end = match.end()
        if end > start:
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _chunks(text: str, size: int) -> list[str]:
    """Fixed-size pieces (as Telegram counts) that never cut an HTML entity (&amp;) in two."""
    pieces: list[str] = []
    current = ""
    length = 0
    for char in _CHAR.findall(text):
        width = telegram_length(char)
        if length + width > size:
            pieces.append(current)
            current, length = "", 0
        current += char
        length += width
    if current:
        pieces.append(current)
    return pieces


def _drop_empty_tags(part: str) -> str:
    """Remove `<b></b>` pairs a cut can leave around nothing but whitespace."""
    previous = None
    while previous != part:
        previous = part
        part = re.sub(r"<([a-z-]+)(?: [^>]*)?>(\s*)</\1>", r"\2", part)
    return part.strip()


# -- Markdown files sent to the bot (newsletter issues, kits) ------------------------------------------------

UPLOAD_MAX_BYTES = 256 * 1024
UPLOAD_SUFFIXES = (".md", ".markdown", ".txt")


def check_upload(file_name: str | None, size: int) -> None:
    """Refuse, before downloading it, a file that is not Markdown text or is too big."""
    if not (file_name or "").lower().endswith(UPLOAD_SUFFIXES):
        raise DomainError(N_("Envoyez un fichier texte Markdown (.md ou .txt)."))
    if size > UPLOAD_MAX_BYTES:
        raise DomainError(N_("Ce fichier est trop gros ({max} Ko au plus)."), max=UPLOAD_MAX_BYTES // 1024)


def decode_upload(file_name: str | None, data: bytes) -> str:
    """The text of an uploaded Markdown file; anything that is not a UTF-8 text file is refused."""
    check_upload(file_name, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(N_("Ce fichier n'est pas un texte lisible (UTF-8) : enregistrez-le en texte Markdown."))\
            from None
    if "\x00" in text:
        raise DomainError(N_("Ce fichier n'est pas un texte lisible (UTF-8) : enregistrez-le en texte Markdown."))
    return text
