"""Apply fixes to source text: pure, idempotent, iterated to a fixed point."""

from __future__ import annotations

from typing import Callable, Iterable

from .diagnostics import Diagnostic, Edit

MAX_PASSES = 10


def _offsets(source: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(source):
        if char == "\n":
            starts.append(index + 1)
    return starts


def _offset(starts: list[int], line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return starts[-1]
    return starts[line - 1] + column - 1


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; an edit overlapping an earlier one is skipped."""
    starts = _offsets(source)
    spans = sorted(
        ((_offset(starts, e.line, e.column), _offset(starts, e.end_line, e.end_column), e.content) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            continue  # overlaps a previous edit: left for the next pass
        out.append(source[cursor:start])
        out.append(content)
        cursor = end
    out.append(source[cursor:])
    return "".join(out)


def fixable(diagnostics: Iterable[Diagnostic], *, unsafe: bool = False) -> list[Diagnostic]:
    return [
        d for d in diagnostics if d.fix is not None and (d.fix.applicability == "safe" or unsafe)
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
        edits = [edit for d in candidates for edit in d.fix.edits]  # type: ignore[union-attr]
        updated = apply_edits(source, edits)
        if updated == source:
            break
        applied += len(candidates)
        source = updated
    return source, applied
