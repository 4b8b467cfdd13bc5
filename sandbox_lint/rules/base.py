"""What every rule is made of, the hooks the pipeline calls, and the per-unit context.

A rule is a small class in its own module (Fixit's layout): its code and name,
a one-line summary, its documentation as the class docstring (sections What it
does / Why is this bad? / Example / Use instead / Fix safety, as in ruff),
VALID and INVALID examples that the test suite runs, and the hooks it needs.
Every hook is optional; the pipeline calls only the ones a rule overrides, and
never names a rule:

- `owns` / `inspects` + `visit(node, ctx)`: syntax-tree nodes the rule rejects
  outright or looks at, during the one walk of each unit (`owns_unknown`: every
  node type that no rule owns and the allow-list lacks); `finish(ctx)` after
  the walk (for rules that need the whole unit);
- `check_text(text)`: the raw source of a file, before parsing (invisible
  characters);
- host-file hooks: `check_task(node, ctx)` for each task the file defines
  (its `def` header), `check_declared_type(what, expression, ctx)` for each
  type a code-string call declares, `check_host(host)` once with what the
  file declares (`units.HostFile`), reporting at host positions;
- `explain(problem)`: why a source could not be checked at all (too large,
  unparsable, nested too deeply); the first rule that explains it reports it.

Per-check state a rule keeps belongs to the rule: `ctx.state(self, factory)`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Literal, TypeVar

import libcst as cst

from ..diagnostics import Applicability
from ..interface import Interface
from ..settings import Settings
from ..tree import ROLE_BIND
from ..suppressions import Suppression
from ..units import HostFile, UnitInfo, Unreadable

S = TypeVar("S")


@dataclass(frozen=True)
class Replacement:
    """A fix: replace `node`'s source range with `code`.

    Multi-line `code` is re-indented: lines after the first get the leading
    whitespace of the line where `node` starts. A "display" fix is a
    suggested rewrite: shown to people and models, never applied by
    `--fix`; its code is the code the message quotes.
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


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    category: ClassVar[Literal["language", "security", "types", "names", "coverage"]] = "language"
    owns: ClassVar[tuple[type[cst.CSTNode], ...]] = ()
    inspects: ClassVar[tuple[type[cst.CSTNode], ...]] = ()
    owns_unknown: ClassVar[bool] = False  # visit every node type off the allow-list
    severity: ClassVar[Literal["error", "warning", "information", "hint"]] = "warning"  # in editors
    enforced_at_runtime: ClassVar[bool] = True  # the runtime refuses what it reports, `# noqa` or not
    fixable: ClassVar[Applicability | None] = None  # the fix `--fix` may apply ("display": suggestions only)
    suggests: ClassVar[bool] = False  # some findings carry a display fix: a rewrite shown, never applied
    VALID: ClassVar[list[str | Valid]] = []
    INVALID: ClassVar[list[str | Invalid]] = []

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        """Default for owned node types: report the summary on the node."""
        ctx.report(self, node, self.summary)

    def finish(self, ctx: Context) -> None:
        """Called once after the walk of a unit, for rules that need the whole unit."""

    def check_text(self, text: str) -> Iterable[TextFinding]:
        """Findings in the raw source of a file (before parsing)."""
        return ()

    def check_task(self, node: cst.FunctionDef, ctx: Context) -> None:
        """A task the host file defines: its `def` header (the body is `pass`)."""

    def check_declared_type(self, what: str, expression: cst.BaseExpression, ctx: Context) -> None:
        """A type a code-string call declares (`what` is "input `x`" or "the output")."""

    def check_host(self, host: HostFile) -> Iterable[HostFinding]:
        """Findings about the host file as a whole, at host positions."""
        return ()

    def check_noqa(self, suppression: Suppression) -> Iterable[HostFinding]:
        """Findings about one `# noqa` comment and what it suppressed."""
        return ()

    def explain(self, problem: Unreadable) -> str | None:
        """The message when this rule reports why a source could not be checked."""
        return None

    @classmethod
    def overrides(cls, hook: str) -> bool:
        """True when the rule implements `hook` (the pipeline calls only those)."""
        return getattr(cls, hook) is not getattr(Rule, hook)

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


@dataclass(frozen=True)
class TextFinding:
    """A finding of a `check_text` hook: `length` characters at `offset` of the text."""

    offset: int
    length: int
    message: str


@dataclass(frozen=True)
class HostFinding:
    """A finding of a `check_host` hook, at a host position (1-based, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass
class Finding:
    """What a rule reported on a node, before positions are known.

    `anchor` is the statement of the unit's top block that holds the node
    (None: a function's header): positions are computed for it alone.
    """

    rule: Rule
    node: cst.CSTNode
    message: str
    fix: Replacement | None = None
    anchor: cst.CSTNode | None = None


class Context:
    """The state of checking one unit: what the unit is (`unit`), where the walk
    is (ancestors, scopes, what names mean), and what the rules reported.

    The walker (`engine.py`) keeps the walk state up to date; rules read it,
    report into `findings`, and keep their own per-unit state with `state()`.
    """

    def __init__(self, unit: UnitInfo, settings: Settings) -> None:
        self.unit = unit
        self.interface: Interface | None = unit.interface
        self.settings = settings
        self.findings: list[Finding] = []
        self.ancestors: list[cst.CSTNode] = []
        self.scope_chain: list[cst.CSTNode | None] = []
        self.roles: dict[int, int] = {}  # id(name node) -> a tree.ROLE_* constant
        self.bindings: dict[int, set[str]] = {}  # id(scope) or 0 -> names bound there
        self._states: dict[str, object] = {}
        self.anchor: cst.CSTNode | None = None  # kept by the walk; see Finding
        self.deepest = 0  # the deepest level the walk reached

    def report(
        self, rule: Rule, node: cst.CSTNode, message: str, fix: Replacement | None = None, *, anchor: object = ...
    ) -> None:
        """Report on `node`. `anchor` defaults to where the walk is; a rule
        reporting after the walk (`finish`) passes the anchor it kept."""
        where = self.anchor if anchor is ... else anchor
        self.findings.append(Finding(rule, node, message, fix, where))  # type: ignore[arg-type]

    def state(self, rule: Rule, factory: Callable[[], S]) -> S:
        """The rule's own state for this unit, created by `factory` on first use."""
        value = self._states.get(rule.code)
        if value is None:
            value = self._states[rule.code] = factory()
        return value  # type: ignore[return-value]

    @property
    def parent(self) -> cst.CSTNode | None:
        return self.ancestors[-1] if self.ancestors else None

    def enclosing_function(self) -> cst.FunctionDef | None:
        for node in reversed(self.ancestors):
            if type(node) is cst.FunctionDef:
                return node
        return None

    def inside(self, *types: type[cst.CSTNode]) -> bool:
        return any(isinstance(node, types) for node in self.ancestors)

    def in_async_code(self) -> bool:
        """Inside an `async def`, or at module level of a script that awaits at top level."""
        for node in reversed(self.ancestors):
            kind = type(node)
            if kind is cst.FunctionDef:
                return node.asynchronous is not None  # type: ignore[attr-defined]
            if kind is cst.Lambda:
                return False
        return self.unit.is_async_module

    def bind(self, name: cst.Name, scope: cst.CSTNode | None) -> None:
        self.roles[id(name)] = ROLE_BIND
        self.bindings.setdefault(id(scope) if scope is not None else 0, set()).add(name.value)

    def bind_target(self, target: cst.CSTNode, scope: cst.CSTNode | None) -> None:
        """Mark every name bound by an assignment target (tuples, lists, starred)."""
        stack = [target]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                self.bind(node, scope)
            elif isinstance(node, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in node.elements)
            elif isinstance(node, cst.StarredElement):
                stack.append(node.value)

    def is_local(self, name: str) -> bool:
        """Bound in the current scope chain (any binding anywhere in the scope counts)."""
        for scope in reversed(self.scope_chain):
            if name in self.bindings.get(id(scope) if scope is not None else 0, ()):
                return True
        return False


__all__ = [
    "Context", "Finding", "HostFinding", "Invalid", "Replacement", "Rule", "TextFinding", "Valid", "code_of", "field",
]
