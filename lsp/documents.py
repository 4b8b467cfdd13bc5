"""Open documents: their text, version, and positions in the client's encoding.

The server keeps its own copy of each open document instead of pygls'
workspace, because LSP lines end only at `\\n`, `\\r\\n` and `\\r` (the
checker's line model, `sandbox_lint.lines`, which this module uses), while `str.splitlines`, which pygls uses, also
breaks at form feeds, `\\x1c`–`\\x1e`, `\\x85` and U+2028/U+2029: with any of
those in a file, pygls would apply an incremental edit to the wrong line.

Columns: the checker reports 1-based code-point columns; the wire uses
0-based columns counted in the negotiated position encoding (UTF-16 unless the
client offers UTF-8 or UTF-32).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from lsprotocol import types

from sandbox_lint.lines import LineIndex


def units(text: str, encoding: str) -> int:
    """Length of `text` in the code units of `encoding`."""
    if encoding == types.PositionEncodingKind.Utf32 or text.isascii():
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def code_points(line: str, count: int, encoding: str) -> int:
    """How many code points of `line` the first `count` code units cover.

    A position inside a character (half of a surrogate pair) rounds down to
    the start of that character; past the end of the line, to its end.
    """
    if count <= 0:
        return 0
    if encoding == types.PositionEncodingKind.Utf32 or line.isascii():
        return min(count, len(line))
    seen = 0
    for index, char in enumerate(line):
        width = units(char, encoding)
        if seen + width > count:
            return index
        seen += width
    return len(line)


@dataclass
class Document:
    """One open document, as the client last sent it."""

    uri: str
    text: str
    version: int | None = None
    language_id: str = "python"
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        """The text's line index (computed once per text)."""
        if self._index is None or self._index.text is not self.text:
            self._index = LineIndex(self.text)
        return self._index

    @property
    def line_starts(self) -> list[int]:
        """Offset of the first character of every line."""
        return self.lines.starts

    def set_text(self, text: str, version: int | None) -> None:
        self.text = text
        self.version = version
        self._index = None

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line(self, index: int) -> str:
        """Text of the 0-based line `index`, without its line break."""
        return self.lines.line(index + 1)

    # -- positions -------------------------------------------------------------------------

    def to_client(self, line: int, column: int, encoding: str) -> types.Position:
        """A checker position (1-based line, 1-based code-point column) on the wire.

        Out-of-range positions are clamped into the document, so a finding at
        the end of the file (a syntax error after the last line) stays valid.
        """
        index = min(max(line - 1, 0), self.line_count - 1)
        text = self.line(index)
        column = min(max(column - 1, 0), len(text))
        return types.Position(line=index, character=units(text[:column], encoding))

    def offset(self, position: types.Position, encoding: str) -> int:
        """Index into `text` of a client position (clamped into the document)."""
        starts = self.line_starts
        if position.line < 0:
            return 0
        if position.line >= len(starts):
            return len(self.text)
        text = self.line(position.line)
        return starts[position.line] + code_points(text, position.character, encoding)

    def checker_position(self, position: types.Position, encoding: str) -> tuple[int, int]:
        """A client position as the checker counts it: (1-based line, 1-based column)."""
        index = min(max(position.line, 0), self.line_count - 1)
        return index + 1, code_points(self.line(index), position.character, encoding) + 1

    def end_position(self, encoding: str) -> types.Position:
        last = self.line_count - 1
        return types.Position(line=last, character=units(self.line(last), encoding))

    def full_range(self, encoding: str) -> types.Range:
        return types.Range(start=types.Position(line=0, character=0), end=self.end_position(encoding))

    # -- edits -----------------------------------------------------------------------------

    def apply_changes(
        self,
        changes: Sequence[types.TextDocumentContentChangeEvent],
        version: int | None,
        encoding: str,
    ) -> None:
        """Apply `didChange` content changes in order (incremental or whole-text)."""
        text = self.text
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                if text is not self.text:
                    self.set_text(text, self.version)
                start = self.offset(change.range.start, encoding)
                end = self.offset(change.range.end, encoding)
                if end < start:
                    start, end = end, start
                text = text[:start] + change.text + text[end:]
            else:
                text = change.text
        self.set_text(text, version)
