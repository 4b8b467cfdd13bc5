"""The values the checker produces: diagnostics, fixes and the edits a fix makes.

Positions are 1-based lines and 1-based columns counted in code points, with
exclusive end columns, the convention ruff's JSON uses. Adapters convert (LSP
wants 0-based UTF-16; flake8 wants 0-based columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "safe": `--fix` applies it; "unsafe": only with `--unsafe-fixes`; "display":
# a suggested rewrite (the code the message quotes), shown to users, editors
# and models but never applied, as ruff's display-only fixes.
Applicability = Literal["safe", "unsafe", "display"]
APPLIED: frozenset[str] = frozenset({"safe", "unsafe"})


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions with `content`."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    """A fix for one diagnostic: one or more non-overlapping edits."""

    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    @property
    def applies(self) -> bool:
        """True for a fix `--fix` can apply (safe, or unsafe with `--unsafe-fixes`)."""
        return self.applicability in APPLIED


@dataclass(frozen=True)
class Diagnostic:
    """One finding of one rule at one place in the source."""

    code: str
    name: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = field(default=None, compare=True)

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.code)
