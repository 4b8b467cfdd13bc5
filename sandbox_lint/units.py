"""What the checker checks, as data: units of sandbox code and the host file around them.

Discovery (`discovery.py`) produces these from a host file; the pipeline
(`pipeline.py`) parses and walks the units; rules read them (`ctx.unit`, the
host-file hooks). No behaviour lives here.

- A *unit* is one piece of sandbox code checked with one interface: a whole
  script, a decorated orchestrator, or a code string.
- The *host file* is what a Python module around sandbox code declares: its
  tasks, its orchestrators, its globals and its code-string calls. Each piece
  the checker parses with libcst is a `Snippet`: the exact lines of the host
  file, so positions inside it are host positions (after a line offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
class Snippet:
    """Whole lines of a host file, parsed on their own.

    Line `n` of `text` is host line `n + line_offset`; columns are host
    columns. An indented piece (a method) is parsed under an `if True:` line
    that discovery adds (`wrapped`), which `line_offset` accounts for.
    """

    text: str
    line_offset: int
    wrapped: bool = False


@dataclass(frozen=True)
class OrchestratorDef:
    """A decorated orchestrator: its `def` (decorators included) and its inputs."""

    name: str
    snippet: Snippet
    inputs: tuple[InputDecl, ...]


@dataclass(frozen=True)
class TaskDef:
    """A task defined in the host file: its `def` header, body replaced by `pass`."""

    name: str
    header: Snippet


@dataclass(frozen=True)
class Piece:
    """One string literal of a code string (a constant may concatenate several).

    `offset` is where its value starts in the whole value; `line`/`column`
    (1-based, host) where its content starts; `exact` when its value is its
    source text (no escapes), so positions inside it can be exact.
    """

    offset: int
    value: str
    line: int
    column: int
    source: str  # the literal's content as written (between the quotes)
    exact: bool

    @property
    def length(self) -> int:
        return len(self.value)


@dataclass(frozen=True)
class CodeString:
    """A code string's text as the runtime will run it, and where it sits.

    `text` is the pieces' value, line breaks normalized and dedented as the
    runtime does; `removed_indent[i]` is how many characters dedenting removed
    from line `i + 1` of the value.
    """

    text: str
    value: str
    removed_indent: tuple[int, ...]
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class DeclaredType:
    """A type a code-string call declares (`inputs={"x": T}`, `output=T`): its
    expression as a snippet (`(expr)`, one column left of the host's start)."""

    what: str  # "input `x`", "the output"
    snippet: Snippet
    line: int
    column: int  # host position of the expression's first character (1-based)


@dataclass(frozen=True)
class CodeStringCall:
    """A call that runs a code string (`orchestrator_from_str(...)` and friends).

    `interface` None: what the code may name is not known statically (its
    inputs are built at run time), so names go unchecked."""

    function: str
    interface: Interface | None
    declared: tuple[DeclaredType, ...]
    code: CodeString | None  # None: the source is not a literal (see `HostFile.dynamic`)


@dataclass(frozen=True)
class DynamicCodeString:
    """A code-string call whose code cannot be known before it runs."""

    function: str
    reason: str  # "an f-string", "a call result", "a variable (`code`)", ...
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class HostFile:
    """What a host module declares: tasks, orchestrators, globals, code-string calls."""

    tasks: dict[str, TaskSignature] = field(default_factory=dict)
    task_defs: list[TaskDef] = field(default_factory=list)
    orchestrators: list[OrchestratorDef] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    code_string_calls: list[CodeStringCall] = field(default_factory=list)
    dynamic: list[DynamicCodeString] = field(default_factory=list)


@dataclass(frozen=True)
class Coverage:
    """How much sandbox code one check saw.

    `scripts` is 1 for a script-mode check; `orchestrators` and `code_strings`
    count what a host file holds (`dynamic`: code strings that cannot be known
    before they run); `tasks` the task signatures it declares. `script_like`:
    a host file with no sandbox code that reads like a sandbox script
    (statements at module level), which `--script` would check.
    """

    scripts: int = 0
    orchestrators: int = 0
    code_strings: int = 0
    dynamic: int = 0
    tasks: int = 0
    script_like: bool = False

    @property
    def units(self) -> int:
        """Pieces of sandbox code checked."""
        return self.scripts + self.orchestrators + self.code_strings


UnreadableKind = Literal["too-large", "syntax", "parse-limit", "too-complex", "too-deep", "no-positions"]


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
