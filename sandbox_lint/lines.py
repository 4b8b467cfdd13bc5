"""The one model of lines and offsets, shared by the checker, fixes, the runtime and the editor.

A line ends at `\\r\\n`, a lone `\\r` or `\\n`: what Python's tokenizer, libcst
and the Language Server Protocol count. Nothing else ends a line — not form
feeds, `\\x0b`, `\\x1c`–`\\x1e`, `\\x85` or U+2028/U+2029, where
`str.splitlines` would break. Lines are 1-based; columns are 1-based and
count code points, as the checker's diagnostics do. The runtime needs UTF-8
byte offsets too (Monty reports positions in bytes), so a `LineIndex` offers
both.
"""

from __future__ import annotations

import re
from bisect import bisect_right

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks (n breaks give n + 1 lines)."""
    return LINE_BREAK.split(text)


def split_lines_keepends(text: str) -> list[str]:
    """The lines of `text`, each with its own break (the last may have none)."""
    pieces: list[str] = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def line_starts(text: str) -> list[int]:
    """Index of the first character of every line (always starts with 0)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def newline_of(text: str) -> str:
    """The file's line break: its first one, `\\n` when it has none."""
    match = LINE_BREAK.search(text)
    return match.group() if match is not None else "\n"


def normalize_newlines(text: str) -> str:
    """Every line break as `\\n`, lines unchanged (Python reads source this way;
    Monty counts only `\\n`, so the runtime feeds it normalized text)."""
    if "\r" not in text:
        return text
    return LINE_BREAK.sub("\n", text)


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at `index`."""
    return LineIndex(text).position(index)


class LineIndex:
    """Line starts of one text, computed once, in code points and (on demand) UTF-8 bytes."""

    __slots__ = ("text", "starts", "_byte_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        self._byte_starts: list[int] | None = None

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line(self, number: int) -> str:
        """The text of 1-based line `number` without its break ("" when out of range)."""
        if not 1 <= number <= len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        piece = self.text[start:end]
        if piece.endswith("\r\n"):
            return piece[:-2]
        if piece.endswith(("\n", "\r")):
            return piece[:-1]
        return piece

    def offset(self, line: int, column: int) -> int:
        """Index of a 1-based (line, column), clamped into the text; a column past
        the end of its line stops at the line's break."""
        if line < 1:
            return 0
        if line > len(self.starts):
            return len(self.text)
        start = self.starts[line - 1]
        return start + min(max(column - 1, 0), len(self.line(line)))

    def position(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of the character at `index`."""
        index = min(max(index, 0), len(self.text))
        number = bisect_right(self.starts, index)
        return number, index - self.starts[number - 1] + 1

    # -- UTF-8 bytes (Monty's positions) ------------------------------------------------

    @property
    def byte_starts(self) -> list[int]:
        if self._byte_starts is None:
            if self.text.isascii():
                self._byte_starts = self.starts
            else:
                starts = [0]
                previous = 0
                total = 0
                for start in self.starts[1:]:
                    total += len(self.text[previous:start].encode("utf-8", "surrogatepass"))
                    starts.append(total)
                    previous = start
                self._byte_starts = starts
        return self._byte_starts

    def line_of_byte(self, offset: int) -> int:
        """The 1-based line holding UTF-8 byte `offset`."""
        return bisect_right(self.byte_starts, offset)
