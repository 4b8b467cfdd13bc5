"""The one line model (`sandbox_lint.lines`): every consumer agrees with Python's own line count."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsp.documents import Document
from sandbox_lint import check
from sandbox_lint.fixes import apply_edits, apply_fixes
from sandbox_lint.diagnostics import Edit
from sandbox_lint.lines import LineIndex, newline_of, split_lines, split_lines_keepends

BREAKS = ["\n", "\r\n", "\r"]
# Characters str.splitlines breaks at but Python's tokenizer does not.
NOT_BREAKS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, int]:
    """Assignments separated by any line break, with non-breaks inside strings."""
    count = draw(st.integers(1, 8))
    parts = []
    for number in range(count):
        inner = draw(st.sampled_from(["", *NOT_BREAKS]))
        parts.append(f"v{number} = 'a{inner}b'")
        parts.append(draw(st.sampled_from(BREAKS)))
    return "".join(parts), count


@given(programs())
@settings(max_examples=200, deadline=None)
def test_lines_are_the_lines_python_counts(case: tuple[str, int]) -> None:
    source, count = case
    tree = ast.parse(source)
    index = LineIndex(source)
    for number, statement in enumerate(tree.body):
        assert statement.lineno == number + 1
        assert index.line(statement.lineno).startswith(f"v{number} = ")
    assert len(split_lines(source)) == count + 1
    assert "".join(split_lines_keepends(source)) == source
    document = Document("file:///x.py", source)
    assert [document.line(i) for i in range(document.line_count)] == split_lines(source)


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb\r\n", "a\rb\r", "a\u2028b\nc", "", "\n"])
def test_offsets_and_positions_round_trip(text: str) -> None:
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        if text[offset - 1 : offset + 1] == "\r\n":
            continue  # between the two characters of one break: not a position
        line, column = index.position(offset)
        assert index.offset(line, column) == offset


def test_utf8_byte_lines() -> None:
    index = LineIndex("é = 1\r🐍 = 2\nz = 3")
    assert index.byte_starts == [0, len("é = 1\r".encode()), len("é = 1\r🐍 = 2\n".encode())]
    assert [index.line_of_byte(b) for b in index.byte_starts] == [1, 2, 3]


@pytest.mark.parametrize("brk", BREAKS)
def test_fixes_keep_every_line_break_style(brk: str) -> None:
    source = f"x = 1{brk}x += 1{brk}assert x, 'm'{brk}"
    fixed, count = apply_fixes(source, check)
    assert fixed == f"x = 1{brk}x = x + 1{brk}if not x:{brk}    raise AssertionError('m'){brk}"
    assert count == 2
    assert newline_of(fixed) == brk


def test_lone_carriage_returns_are_not_corrupted() -> None:
    # Before the one line model: 'x = x + 1x = 1\rx += 1\r'.
    assert apply_fixes("x = 1\rx += 1\r", check) == ("x = 1\rx = x + 1\r", 1)


def test_a_skipped_overlapping_fix_is_not_counted() -> None:
    # SBX103 and SBX110 overlap on the first pass: two fixes, applied over two passes.
    fixed, count = apply_fixes("x = 1\nx += {1, 2}\n", check, unsafe=True)
    assert fixed == "x = 1\nx = x + ([1, 2])\n"
    assert count == 2


def test_overlapping_edits_are_skipped_independently() -> None:
    edits = [Edit(1, 2, 1, 3, "X"), Edit(1, 2, 1, 4, "Y"), Edit(1, 5, 1, 5, "I")]
    assert apply_edits("abcdef", edits) == "aXcdIef"
