"""Read a JSON document of any size one record at a time, with the standard library, in bounded memory.

Procurement files are an envelope ({"marches": [...]}, {"releases": [...]}, {"records": [...]}) around a
long list of records. `JsonRecords` walks the envelope token by token and hands out the records of the
list it finds one by one (each decoded by the C-accelerated `json` decoder), reading the file in chunks:
memory holds one record and one chunk, whatever the file's size. A record larger than `max_record` bytes,
nesting deeper than `MAX_DEPTH`, or a file that is not one of the known envelopes is refused with a
`FormatError` in the reader's language, never a traceback. We chose this over ijson (not in our lock) because
the envelopes are few and fixed, and the records themselves are small.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from locales import N_
from services.errors import DomainError

CHUNK = 256 * 1024
MAX_RECORD = 8 * 1024 * 1024  # one DECP or OCDS record is a few kilobytes; 8 MB is hostile
MAX_DEPTH = 64  # real records nest under 10 levels; Python's decoder recurses, so deeper input is refused
MAX_ENVELOPE_VALUE = 1024 * 1024  # a metadata value beside the records ("uri", "publisher"…)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class FormatError(DomainError):
    """The whole file is unreadable: not JSON, truncated, too deep or too large, or a shape we do not know."""


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than `limit` before the recursive decoder sees it (strings are skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for token in _DEPTH_TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                raise FormatError(N_("Fichier refusé : structure JSON imbriquée sur plus de {limit} niveaux."),
                                  limit=limit)
        elif char in "]}":
            depth -= 1


class JsonRecords:
    """A cursor over a JSON text read in chunks from a binary stream."""

    def __init__(self, stream: IO[bytes], *, max_record: int = MAX_RECORD, chunk: int = CHUNK,
                 progress: Callable[[int], None] | None = None) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._chunk = chunk
        self._max_record = max_record
        self._consumed_lines = 0  # newlines before the buffer's start, for error positions
        self._consumed_columns = 0
        self.bytes_read = 0
        self._progress = progress

    # -- low level -------------------------------------------------------------------------------------

    def _fill(self) -> bool:
        """Read one more chunk into the buffer; False at the end of the stream."""
        if self._eof:
            return False
        raw = self._stream.read(self._chunk)
        self.bytes_read += len(raw)
        if self._progress is not None:
            self._progress(self.bytes_read)
        try:
            text = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise FormatError(N_("Fichier illisible : ce n'est pas du texte UTF-8.")) from None
        if not raw:
            self._eof = True
        if self._pos > CHUNK:  # drop what was consumed, keeping line numbers right
            dropped = self._buffer[:self._pos]
            newlines = dropped.count("\n")
            self._consumed_lines += newlines
            self._consumed_columns = (len(dropped) - dropped.rfind("\n") - 1) if newlines else \
                self._consumed_columns + len(dropped)
            self._buffer = self._buffer[self._pos:]
            self._pos = 0
        self._buffer += text
        return bool(raw)

    def _where(self, pos: int) -> tuple[int, int]:
        before = self._buffer[:pos]
        newlines = before.count("\n")
        line = self._consumed_lines + newlines + 1
        column = (pos - before.rfind("\n")) if newlines else self._consumed_columns + pos + 1
        return line, column

    def _broken(self, pos: int) -> FormatError:
        line, column = self._where(pos)
        return FormatError(N_("Fichier illisible : JSON invalide ou tronqué (ligne {line}, colonne {column})."),
                           line=line, column=column)

    def _peek(self) -> str:
        """The next significant character ("" at the end), whitespace skipped."""
        while True:
            self._pos = _WHITESPACE.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def _expect(self, chars: str) -> str:
        char = self._peek()
        if not char or char not in chars:
            raise self._broken(self._pos)
        self._pos += 1
        return char

    def value(self, limit: int | None = None) -> Any:
        """Decode the next whole JSON value, reading more of the stream as long as it is incomplete."""
        limit = limit or self._max_record
        self._peek()
        while True:
            end = -1
            try:
                value, end = self._json.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                if self._eof:
                    raise self._broken(error.pos) from None
            except RecursionError:
                raise FormatError(N_("Fichier refusé : structure JSON imbriquée sur plus de {limit} niveaux."),
                                  limit=MAX_DEPTH) from None
            # a number at the very end of the buffer may go on in the next chunk
            if end != -1 and (end < len(self._buffer) or self._eof):
                check_depth(self._buffer[self._pos:end])
                self._pos = end
                return value
            if len(self._buffer) - self._pos > limit:
                raise FormatError(N_("Fichier refusé : un enregistrement dépasse {size} Mo."),
                                  size=limit // (1024 * 1024))
            self._fill()

    def key(self) -> str:
        key = self.value(MAX_ENVELOPE_VALUE)
        if not isinstance(key, str):
            raise self._broken(self._pos)
        self._expect(":")
        return key

    # -- the envelope ----------------------------------------------------------------------------------

    def object_members(self) -> Iterator[str]:
        """At a "{": yield each key, leaving the cursor on its value (which the caller must consume)."""
        self._expect("{")
        if self._peek() == "}":
            self._pos += 1
            return
        while True:
            yield self.key()
            if self._expect(",}") == "}":
                return

    def array_items(self) -> Iterator[Any]:
        """At a "[": decode and yield each item in turn."""
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self._expect(",]") == "]":
                return

    def next_char(self) -> str:
        return self._peek()

    def finish(self) -> None:
        """Nothing but whitespace may follow the document."""
        if self._peek():
            raise self._broken(self._pos)
