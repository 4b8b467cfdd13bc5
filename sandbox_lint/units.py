"""What the checker checks, as data: units of sandbox code and the host file around them.

Discovery (`discovery.py`) produces these from a host file; the pipeline
(`pipeline.py`) walks the units; rules read them (`ctx.unit`, the
`check_host` hook). No behaviour lives here.

- A *unit* is one piece of sandbox code checked with one interface: a whole
  script, a decorated orchestrator, or a code string.
- The *host file* is what a Python module around sandbox code declares: its
  tasks, its orchestrators, its globals and its code-string calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from .interface import InputDecl, Interface, TaskSignature

UnitKind = Literal["script", "orchestrator", "code-string", "host"]


@dataclass(frozen=True)
class UnitInfo:
    """Facts about one unit that rules may read (never state of a check).

    `declared` holds the ids of the annotation nodes that are the unit's
    declared interface (a decorated orchestrator's signature): SBX302 judges
    them, SBX301 leaves them alone. `host_globals` are the host module's
    globals, which the sandbox cannot see.
    """

    kind: UnitKind
    interface: Interface | None = None
    host_globals: frozenset[str] = frozenset()
    declared: frozenset[int] = frozenset()
    is_async_module: bool = False


@dataclass(frozen=True)
class CodeString:
    """A code string's text as the runtime will run it, and where it sits.

    `removed_indent[i]` is how many characters dedenting removed from line
    `i + 1`; `literal` is the string node in the host module.
    """

    literal: cst.BaseString
    text: str
    removed_indent: tuple[int, ...]


@dataclass(frozen=True)
class DeclaredType:
    """A type a code-string call declares (`inputs={"x": T}`, `output=T`)."""

    what: str  # "input `x`", "the output"
    expression: cst.BaseExpression


@dataclass(frozen=True)
class CodeStringCall:
    """A call that runs a code string (`orchestrator_from_str(...)` and friends)."""

    call: cst.Call
    interface: Interface
    declared: tuple[DeclaredType, ...]
    code: CodeString | None  # None: the source argument is not a literal


@dataclass(frozen=True)
class OrchestratorDef:
    """A decorated orchestrator: its `def`, its inputs and declared annotations.

    `skip` holds the ids of its decorators: host code, not walked.
    """

    node: cst.FunctionDef
    inputs: tuple[InputDecl, ...]
    declared: frozenset[int]
    skip: frozenset[int]


@dataclass
class HostFile:
    """What a host module declares: tasks, orchestrators, globals, code-string calls."""

    tasks: dict[str, TaskSignature] = field(default_factory=dict)
    task_nodes: list[cst.FunctionDef] = field(default_factory=list)
    orchestrators: list[OrchestratorDef] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    code_string_calls: list[CodeStringCall] = field(default_factory=list)


UnreadableKind = Literal["too-large", "syntax", "parse-limit", "too-deep", "no-positions"]


@dataclass(frozen=True)
class Unreadable:
    """Why a source could not be checked (the rule that explains it reports it).

    `detail` is the parser's message for "syntax" and "parse-limit"; `size`
    and `limit` are bytes for "too-large" and levels for "too-deep".
    """

    kind: UnreadableKind
    line: int = 1
    column: int = 1
    detail: str = ""
    size: int = 0
    limit: int = 0
