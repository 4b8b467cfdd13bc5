"""Apply fixes to source text: pure, idempotent, iterated to a fixed point."""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Callable, Iterable, TypeVar

from .diagnostics import Diagnostic, Edit
from .lines import LineIndex, newline_of

T = TypeVar("T")

MAX_PASSES = 10


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; an edit overlapping an earlier one is skipped."""
    return _apply(source, list(enumerate(edits)))[0]


def _apply(source: str, edits: list[tuple[T, Edit]]) -> tuple[str, set[T]]:
    """Apply whole fixes in source order, skipping any fix with an edit that
    overlaps an edit already taken (it waits for the next pass).

    `edits` pairs each edit with its owner (the fix it belongs to); returns the
    new text and the owners applied. Positions follow the one line model
    (`lines.py`), so a file with `\r\n` or lone `\r` breaks is edited where the
    checker reported; line breaks inside inserted text take the file's style.
    """
    index = LineIndex(source)
    newline = newline_of(source)
    by_owner: dict[T, list[tuple[int, int, str]]] = {}
    for owner, e in edits:
        span = (index.offset(e.line, e.column), index.offset(e.end_line, e.end_column), e.content)
        by_owner.setdefault(owner, []).append(span)
    taken: list[tuple[int, int, str]] = []  # sorted by start, never overlapping
    applied: set[T] = set()
    for owner, spans in sorted(by_owner.items(), key=lambda item: min((s[0], s[1]) for s in item[1])):
        if all(_fits(taken, start, end) for start, end, _ in spans):
            for span in spans:
                insort(taken, span, key=lambda item: (item[0], item[1]))
            applied.add(owner)
    out: list[str] = []
    cursor = 0
    for start, end, content in taken:
        out.append(source[cursor:start])
        out.append(content if newline == "\n" else content.replace("\n", newline))
        cursor = end
    out.append(source[cursor:])
    return "".join(out), applied


def _fits(taken: list[tuple[int, int, str]], start: int, end: int) -> bool:
    """True when [start, end) overlaps no taken span (two insertions at one point overlap)."""
    at = bisect_left(taken, (start, start), key=lambda item: (item[0], item[1]))
    before = taken[at - 1] if at > 0 else None
    after = taken[at] if at < len(taken) else None
    if before is not None and before[1] > start:
        return False
    if after is not None and (after[0] < end or after[0] == start):
        return False
    return True


def fixable(diagnostics: Iterable[Diagnostic], *, unsafe: bool = False) -> list[Diagnostic]:
    """The diagnostics whose fix may be applied: safe ones, and unsafe ones when
    `unsafe`. Display fixes (suggested rewrites) are never applied."""
    return [
        d for d in diagnostics
        if d.fix is not None and (d.fix.applicability == "safe" or (unsafe and d.fix.applicability == "unsafe"))
    ]


def apply_fixes(
    source: str,
    checker: Callable[[str], list[Diagnostic]],
    *,
    unsafe: bool = False,
    codes: frozenset[str] | None = None,
) -> tuple[str, int]:
    """Fix `source` until no fixable finding remains. Returns (text, fixes applied).

    `checker` re-checks the text between passes (fixes may overlap or enable
    each other). `codes` limits which rules' fixes apply.
    """
    applied = 0
    for _ in range(MAX_PASSES):
        candidates = [
            d for d in fixable(checker(source), unsafe=unsafe) if codes is None or d.code in codes
        ]
        if not candidates:
            break
        edits = [(number, edit) for number, d in enumerate(candidates) for edit in d.fix.edits]  # type: ignore[union-attr]
        updated, fixed = _apply(source, edits)
        if updated == source:
            break
        applied += len(fixed)  # a fix whose edits were skipped waits for the next pass
        source = updated
    return source, applied
