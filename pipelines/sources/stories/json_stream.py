"""A JSON export read one element at a time, in bounded memory.

A Care Opinion export is one JSON array of opinions (or an object holding it under ``opinions`` /
``items`` / ``data`` / ``results``). ``json.loads`` of a 200 MB export holds the text and every parsed
opinion at once (about 1 GB); here the file is read in blocks and each element is decoded with the
standard library's own decoder (``raw_decode``) as soon as it is complete, so memory holds one block and
one element. Syntax errors carry the parser's message with the line and column in the whole file.

Layout detection reads only a prefix (``limit_chars``): enough to see the document's shape and its first
elements, never the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BLOCK_CHARS = 1 << 20
# No one opinion is this large: an element still incomplete after this many characters is a broken file.
MAX_ELEMENT_CHARS = 64 << 20
CONTAINER_KEYS = ("opinions", "items", "data", "results")
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


class JsonSyntaxError(ValueError):
    """The file is not valid JSON: ``msg`` from the parser, ``lineno`` / ``colno`` in the whole file."""

    def __init__(self, msg: str, lineno: int, colno: int) -> None:
        super().__init__(f"{msg}: line {lineno} column {colno}")
        self.msg, self.lineno, self.colno = msg, lineno, colno


class PrefixExhausted(Exception):
    """A prefix read (``limit_chars``) ran out before the element being read was complete."""


@dataclass
class JsonStream:
    """A text file read in blocks; positions are kept in whole-file lines and columns for messages."""

    path: Path
    limit_chars: int | None = None
    _handle: Any = None
    _buf: str = ""
    _pos: int = 0
    _eof: bool = False
    _read: int = 0
    _line: int = 1  # line of _buf[0]
    _col: int = 1  # column of _buf[0]
    chars_read: int = field(default=0)

    def __enter__(self) -> JsonStream:
        self._handle = self.path.open("r", encoding="utf-8-sig")
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()

    def _more(self) -> bool:
        """Read one more block (dropping what was consumed); False at the end of the file or the limit."""
        if self._eof:
            return False
        want = BLOCK_CHARS
        if self.limit_chars is not None:
            want = min(want, self.limit_chars - self._read)
            if want <= 0:
                self._eof = True
                return False
        block = self._handle.read(want)
        if not block:
            self._eof = True
            return False
        self._read += len(block)
        self.chars_read = self._read
        consumed = self._buf[: self._pos]
        newlines = consumed.count("\n")
        if newlines:
            self._line += newlines
            self._col = len(consumed) - consumed.rfind("\n")
        else:
            self._col += len(consumed)
        self._buf = self._buf[self._pos :] + block
        self._pos = 0
        return True

    @property
    def limited(self) -> bool:
        """Whether the read stopped at ``limit_chars`` rather than at the end of the file."""
        return self.limit_chars is not None and self._read >= self.limit_chars

    def where(self, pos: int) -> tuple[int, int]:
        """(line, column) in the whole file of buffer position ``pos``."""
        before = self._buf[:pos]
        newlines = before.count("\n")
        if newlines:
            return self._line + newlines, pos - before.rfind("\n")
        return self._line, self._col + pos

    def error(self, msg: str, pos: int | None = None) -> JsonSyntaxError:
        line, col = self.where(self._pos if pos is None else pos)
        return JsonSyntaxError(msg, line, col)

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end), without consuming it."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise self._end_or("Expecting value" if self.peek() == "" else f"Expecting '{char}'")
        self._pos += 1

    def _end_or(self, msg: str) -> Exception:
        if self.peek() == "" and self.limited:
            return PrefixExhausted()
        return self.error(msg)

    def value(self) -> Any:
        """Decode the next complete JSON value (reading more blocks until it is complete)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Incomplete at the end of the buffer: read on. Complete text that is wrong: a real error.
                incomplete = exc.msg.startswith("Unterminated") or exc.pos >= len(self._buf) - 8
                if not incomplete or len(self._buf) - self._pos > MAX_ELEMENT_CHARS or not self._more():
                    if incomplete and self.limited:
                        raise PrefixExhausted() from exc
                    raise self.error(exc.msg, exc.pos) from exc
                continue
            # A number or literal that ends with the buffer may go on in the next block.
            if end == len(self._buf) and not self._eof and self._buf[self._pos] not in '[{"' and self._more():
                continue
            self._pos = end
            return value

    def items(self) -> Iterator[Any]:
        """The elements of the array whose '[' is next."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            char = self.peek()
            if char == ",":
                self._pos += 1
                continue
            if char == "]":
                self._pos += 1
                return
            raise self._end_or("Expecting ',' delimiter")

    def object_keys(self) -> Iterator[str]:
        """The keys of the object whose '{' is next; after each key the caller reads or streams its value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self._end_or("Expecting property name enclosed in double quotes")
            key = self.value()
            self.take(":")
            yield key
            char = self.peek()
            if char == ",":
                self._pos += 1
                continue
            if char == "}":
                self._pos += 1
                return
            raise self._end_or("Expecting ',' delimiter")

    def end(self) -> None:
        """Only whitespace may follow the document."""
        if self.peek() != "":
            raise self.error("Extra data")


@dataclass
class ExportShape:
    """What a JSON export is, from its prefix: ``kind`` array / object / scalar, first elements, keys."""

    kind: str
    first: list[Any] = field(default_factory=list)  # the first elements of the opinions array (up to 20)
    keys: list[str] = field(default_factory=list)  # an object's keys, in order
    container: str | None = None  # the key holding the array, for an object
    scalar: Any = None
    empty: bool = False  # an array (or held array) with no elements
    partial: bool = False  # the prefix ended inside the document


def shape_of(path: Path, limit_chars: int, first: int = 20) -> ExportShape:
    """The export's shape from at most ``limit_chars`` characters: enough to recognise it, never the whole file.

    ``partial`` is set when the prefix ended inside the document. Raises ``JsonSyntaxError`` for a syntax
    error within the prefix.
    """
    shape = ExportShape("unknown")
    with JsonStream(path, limit_chars=limit_chars) as stream:
        try:
            _fill_shape(stream, shape, first)
        except PrefixExhausted:
            shape.partial = True
    return shape


def _fill_shape(stream: JsonStream, shape: ExportShape, first: int) -> None:
    char = stream.peek()
    if char == "[":
        shape.kind = "array"
        for item in stream.items():
            shape.first.append(item)
            if len(shape.first) >= first:
                return
        shape.empty = not shape.first
        return
    if char == "{":
        shape.kind = "object"
        for key in stream.object_keys():
            shape.keys.append(key)
            if key in CONTAINER_KEYS and shape.container is None and stream.peek() == "[":
                shape.container = key
                for item in stream.items():
                    shape.first.append(item)
                    if len(shape.first) >= first:
                        return
                shape.empty = not shape.first
            else:
                stream.value()
        return
    shape.kind = "scalar"
    shape.scalar = stream.value()
    stream.end()


def iter_export(path: Path) -> Iterator[Any]:
    """Every element of the export's opinions array (top-level, or under a ``CONTAINER_KEYS`` key), one at a
    time; ``JsonSyntaxError`` anywhere in the file, with its line and column."""
    with JsonStream(path) as stream:
        char = stream.peek()
        if char == "[":
            yield from stream.items()
            stream.end()
            return
        if char != "{":
            stream.value()
            stream.end()
            return
        found = False
        for key in stream.object_keys():
            if not found and key in CONTAINER_KEYS and stream.peek() == "[":
                found = True
                yield from stream.items()
            else:
                stream.value()
        stream.end()
