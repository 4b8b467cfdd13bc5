"""What every rule is made of, and the per-check context rules report into.

A rule is a small class in its own module (Fixit's layout): its code and name,
a one-line summary, its documentation as the class docstring (sections What it
does / Why is this bad? / Example / Use instead / Fix safety, as in ruff), the
node types it rejects outright (`owns`) or inspects (`inspects`), VALID and
INVALID examples that the test suite runs, and `visit`, which reports findings
with the exact replacement to write.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import libcst as cst

from ..diagnostics import Applicability

if TYPE_CHECKING:
    from ..engine import Context


@dataclass(frozen=True)
class Replacement:
    """A fix: replace `node`'s source range with `code`.

    Multi-line `code` is re-indented: lines after the first get the leading
    whitespace of the line where `node` starts.
    """

    node: cst.CSTNode
    code: str
    message: str
    applicability: Applicability = "safe"


@dataclass(frozen=True)
class Invalid:
    """An INVALID example: `code` must produce at least one `expect` finding.

    `fixed`, when given, is the source after applying this rule's fixes
    (unsafe ones included when `unsafe=True`). `interface` is stub text
    (script mode) and `host=True` checks `code` as a host file.
    """

    code: str
    expect: str | None = None
    fixed: str | None = None
    unsafe: bool = False
    interface: str | None = None
    host: bool = False
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Valid:
    """A VALID example: `code` must produce no finding of this rule."""

    code: str
    interface: str | None = None
    host: bool = False


Example = str | Valid


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    category: ClassVar[Literal["language", "security", "types", "names"]] = "language"
    owns: ClassVar[tuple[type[cst.CSTNode], ...]] = ()
    inspects: ClassVar[tuple[type[cst.CSTNode], ...]] = ()
    needs_interface: ClassVar[bool] = False
    fixable: ClassVar[Applicability | None] = None
    VALID: ClassVar[list[str | Valid]] = []
    INVALID: ClassVar[list[str | Invalid]] = []

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        """Default for owned node types: report the summary on the node."""
        ctx.report(self, node, self.summary)

    def finish(self, ctx: Context) -> None:
        """Called once after the walk, for rules that need the whole tree (names)."""

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def url(cls) -> str:
        """This rule's section of docs/rules.md in the repository.

        The page's heading is `## {code} {name}`; GitHub's anchor for it is the
        heading lowercased with spaces as hyphens (names hold only letters and `-`).
        """
        anchor = f"{cls.code} {cls.name}".lower().replace(" ", "-")
        return f"https://github.com/sandbox-lint/sandbox-lint/blob/main/docs/rules.md#{anchor}"


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node (for messages and fixes)."""
    return _EMPTY.code_for_node(node)


_EMPTY = cst.Module(body=[])


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["Rule", "Replacement", "Invalid", "Valid", "code_of", "shorten", "field"]
