"""Suggested code: rewrites built from the user's own nodes, shown whole or elided, never cut.

A message is read by models that apply it literally, so the code it quotes
must be real code for this finding, and a display fix carries the same code:

- `Code` is a rewrite made of pieces, our text and the user's nodes. `text`
  is what a display fix inserts; `shown()` is the same code for a message,
  on one line, with whole sub-expressions elided to `...` when it is long.
  Both come from the one value, so message and fix always agree.
- `elide(node)` quotes a node on one line within a length budget: line breaks
  inside brackets become spaces (comments there go), and the longest
  sub-expressions give way first (a call's arguments, a literal's elements,
  a long string), so a quote is valid code or clearly an elision.
- `fresh_name` picks a name that nothing in scope uses and no rule rejects;
  `value_kind` says when a name surely holds a dict or a list (every binding
  in its scope is a dict or list literal, comprehension, `dict(...)`,
  `list(...)`, or an annotation says so).
- Statements: `statement_text` is a statement as its range covers it (no
  leading lines, no final comment), `body_text` a block's statements
  dedented, for rewrites that drop a block's header.
"""

from __future__ import annotations

import keyword
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Union
from weakref import WeakKeyDictionary

import libcst as cst
from libcst._nodes.internal import CodegenState

from ..builtins import FORBIDDEN_BUILTINS, PROVIDED
from ..interface import Interface
from ..tree import children
from .base import Context, code_of

LIMIT = 80  # characters of code a message quotes before eliding

# ---------------------------------------------------------------- elision

# (parent type, field) where any expression may stand, so `...` may replace it.
_VALUE_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.Arg: ("value",), cst.Element: ("value",), cst.StarredElement: ("value",),
    cst.DictElement: ("key", "value"), cst.StarredDictElement: ("value",),
    cst.Index: ("value",), cst.Slice: ("lower", "upper", "step"),
    cst.BinaryOperation: ("left", "right"), cst.BooleanOperation: ("left", "right"),
    cst.UnaryOperation: ("expression",), cst.Comparison: ("left",), cst.ComparisonTarget: ("comparator",),
    cst.IfExp: ("test", "body", "orelse"), cst.Await: ("expression",), cst.Yield: ("value",),
    cst.From: ("item",), cst.Lambda: ("body",), cst.ListComp: ("elt",), cst.GeneratorExp: ("elt",),
    cst.SetComp: ("elt",), cst.DictComp: ("key", "value"), cst.CompFor: ("iter",), cst.CompIf: ("test",),
    cst.FormattedStringExpression: ("expression",), cst.Param: ("default",),
    cst.Assign: ("value",), cst.AnnAssign: ("value",), cst.AugAssign: ("value",), cst.Return: ("value",),
    cst.Expr: ("value",), cst.Raise: ("exc", "cause"), cst.Assert: ("test", "msg"), cst.If: ("test",),
    cst.While: ("test",), cst.For: ("iter",), cst.WithItem: ("item",), cst.NamedExpr: ("value",),
}
# Fields that bind names: below them only names and subscripts may stand.
_TARGET_FIELDS: dict[type[cst.CSTNode], str] = {
    cst.AssignTarget: "target", cst.AnnAssign: "target", cst.AugAssign: "target", cst.For: "target",
    cst.CompFor: "target", cst.Del: "target", cst.NamedExpr: "target", cst.AsName: "name",
}
# Value positions again, inside a target (`d[...] = v`, `f(...).x = v`).
_VALUE_AGAIN = (cst.Index, cst.Slice, cst.Arg)
_WITH_ELEMENTS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_CLOSERS = (")", "]", "}", ",", ":")
_NO_FLUSH = (
    cst.RightParen, cst.RightSquareBracket, cst.RightCurlyBrace, cst.Comma, cst.Colon,
    cst.ParenthesizedWhitespace, cst.SimpleWhitespace,
)


class _Render(CodegenState):
    """Codegen that records where every node's text lies, joins the lines
    inside brackets (and backslash continuations) with single spaces, and
    collects the regions `...` may replace."""

    def __init__(self, target: bool) -> None:
        super().__init__(default_indent="    ", default_newline="\n")
        self.length = 0
        self.last = ""
        self.quiet = 0  # inside a line break being joined
        self.pending = False  # a space owed for a joined line break
        self.stack: list[tuple[cst.CSTNode, int, bool]] = []  # node, start, in a target
        self.root_target = target
        self.spans: dict[int, tuple[int, int]] = {}
        self.regions: list[tuple[int, int]] = []

    def _emit(self, value: str) -> None:
        if value:
            self.tokens.append(value)
            self.length += len(value)
            self.last = value[-1]

    def add_token(self, value: str) -> None:
        if self.quiet or not value:
            return
        if self.pending:
            self.pending = False
            if not value.startswith(_CLOSERS):
                self._emit(" ")
        self._emit(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if _joined(node):
            self.quiet += 1
        elif self.pending and not self.quiet and kind not in _NO_FLUSH:
            self.pending = False
            self._emit(" ")
        parent = self.stack[-1] if self.stack else None
        in_target = self.root_target if parent is None else parent[2]
        if parent is not None:
            owner = parent[0]
            target_field = _TARGET_FIELDS.get(type(owner))
            if target_field is not None and getattr(owner, target_field, None) is node:
                in_target = True
            elif kind in _VALUE_AGAIN:
                in_target = False
        self.stack.append((node, self.length, in_target))

    def after_codegen(self, node: cst.CSTNode) -> None:
        _, start, in_target = self.stack.pop()
        if _joined(node):
            self.quiet -= 1
            if not self.quiet and self.last not in ("(", "[", "{", " ", ""):
                self.pending = True
            return
        if self.quiet:
            return
        end = self.length
        self.spans[id(node)] = (start, end)
        inner = self._inner(node, in_target)
        if inner is not None:
            self.regions.append(inner)
        if self.stack and type(node) is not cst.Name and not in_target and isinstance(node, cst.BaseExpression):
            owner = self.stack[-1][0]
            fields = _VALUE_FIELDS.get(type(owner), ())
            if any(getattr(owner, name, None) is node for name in fields) and end - start > 3:
                self.regions.append((start, end))

    def _inner(self, node: cst.CSTNode, in_target: bool) -> tuple[int, int] | None:
        """The region of a call's arguments, a literal's elements, a comprehension's body."""
        items: Sequence[cst.CSTNode] = ()
        if isinstance(node, cst.Call):
            items = node.args
        elif isinstance(node, _WITH_ELEMENTS):
            if in_target:
                return None  # `[a, b] = ...` cannot become `[...] = ...`
            items = node.elements
        elif isinstance(node, _COMPREHENSIONS):
            first = node.key if isinstance(node, cst.DictComp) else node.elt
            items = (first, node.for_in)
        if not items:
            return None
        first_span = self.spans.get(id(items[0]))
        last_span = self.spans.get(id(items[-1]))
        if first_span is None or last_span is None or last_span[1] - first_span[0] <= 3:
            return None
        return first_span[0], last_span[1]


def _joined(node: cst.CSTNode) -> bool:
    """Whitespace holding a line break that a one-line quote joins."""
    kind = type(node)
    return kind is cst.ParenthesizedWhitespace or (kind is cst.SimpleWhitespace and "\\" in node.value)  # type: ignore[attr-defined]


def _choose(text: str, regions: list[tuple[int, int]], limit: int) -> str:
    """Replace regions with `...` until the text fits on one line within `limit`."""
    if not regions:
        return text
    by_size = sorted(set(regions), key=lambda r: (r[1] - r[0], r[0]))
    chosen: list[tuple[int, int]] = []

    def inside(region: tuple[int, int]) -> bool:
        return any(c[0] <= region[0] and region[1] <= c[1] for c in chosen)

    def saving(region: tuple[int, int]) -> int:
        inner = sum(c[1] - c[0] - 3 for c in chosen if region[0] <= c[0] and c[1] <= region[1])
        return region[1] - region[0] - 3 - inner

    def take(region: tuple[int, int]) -> None:
        chosen[:] = [c for c in chosen if not (region[0] <= c[0] and c[1] <= region[1])]
        chosen.append(region)

    # Line breaks left after joining are inside strings: elide the smallest value holding each.
    position = text.find("\n")
    while position >= 0:
        if not any(c[0] <= position < c[1] for c in chosen):
            for region in by_size:
                if region[0] <= position < region[1]:
                    take(region)
                    break
        position = text.find("\n", position + 1)
    for _ in range(16):
        length = len(text) - sum(c[1] - c[0] - 3 for c in chosen)
        need = length - limit
        if need <= 0:
            break
        best: tuple[int, int] | None = None
        best_saving = 0
        for region in by_size:  # the smallest region that is enough, else the one that saves most
            if region[1] - region[0] - 3 < min(need, best_saving + 1) or inside(region):
                continue
            gain = saving(region)
            if gain >= need:
                best, best_saving = region, gain
                break
            if gain > best_saving:
                best, best_saving = region, gain
        if best is None or best_saving <= 0:
            break
        take(best)
    out: list[str] = []
    cursor = 0
    for start, end in sorted(chosen):
        out.append(text[cursor:start])
        out.append("...")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def elide(node: cst.CSTNode, limit: int = LIMIT, *, target: bool = False) -> str:
    """`node`'s code on one line within `limit` characters where it can be,
    whole sub-expressions replaced by `...` (never cut inside a token).

    `target=True` for an assignment target (only its subscripts and call
    arguments may be elided there).
    """
    text = code_of(node)
    if len(text) <= limit and "\n" not in text and "\r" not in text:
        return text
    state = _Render(target)
    node._codegen(state)
    joined = "".join(state.tokens)
    chosen = _choose(joined, state.regions, limit)
    if "\n" in chosen and isinstance(node, cst.BaseExpression) and not target:
        return "..."  # a line break left in the expression itself (a multi-line string)
    return chosen


# ---------------------------------------------------------------- rewrites as values

Piece = Union[str, cst.CSTNode, "Code"]


@dataclass(frozen=True)
class Code:
    """A suggested piece of code: our text and the user's nodes, in order."""

    pieces: tuple[str | cst.CSTNode, ...]
    one_line: Code | None = field(default=None, compare=False)  # how a message shows it, when not `pieces`

    @cached_property
    def text(self) -> str:
        """The whole code: what a display fix inserts."""
        return "".join(piece if isinstance(piece, str) else code_of(piece) for piece in self.pieces)

    def shown(self, limit: int = LIMIT) -> str:
        """The same code for a message: one line, elided to about `limit` characters."""
        if self.one_line is not None:
            return self.one_line.shown(limit)
        text = self.text
        if len(text) <= limit and "\n" not in text:
            return text
        nodes = [piece for piece in self.pieces if not isinstance(piece, str)]
        own = sum(len(piece) for piece in self.pieces if isinstance(piece, str))
        budgets = _share(max(limit - own, 16 * len(nodes)), [len(code_of(node)) for node in nodes])
        share = dict(zip((id(node) for node in nodes), budgets))
        return "".join(piece if isinstance(piece, str) else elide(piece, share[id(piece)]) for piece in self.pieces)

    def nodes(self) -> list[cst.CSTNode]:
        return [piece for piece in self.pieces if not isinstance(piece, str)]

    def __str__(self) -> str:
        return self.text


def _share(total: int, sizes: list[int]) -> list[int]:
    """Split `total` characters among pieces of `sizes`: small ones whole, the rest evenly."""
    budgets = [0] * len(sizes)
    left = total
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for position, index in enumerate(order):
        fair = left // max(len(sizes) - position, 1)
        budgets[index] = min(sizes[index], max(fair, 12))
        left -= budgets[index]
    return budgets


def fmt(template: str, *args: Piece) -> Code:
    """A `Code` from a `str.format` template whose `{}` fields take code text
    (str), the user's nodes, or other `Code` values."""
    pieces: list[str | cst.CSTNode] = []
    index = 0
    for literal, field_name, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field_name is None:
            continue
        arg = args[int(field_name)] if field_name else args[index]
        if not field_name:
            index += 1
        if isinstance(arg, Code):
            pieces.extend(arg.pieces)
        else:
            pieces.append(arg)
    merged: list[str | cst.CSTNode] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    return Code(tuple(merged))


def raw(text: str) -> Code:
    """Code text taken as it is (no template fields)."""
    return Code((text,))


def join(codes: Iterable[Code], separator: str) -> Code:
    pieces: list[Piece] = []
    for number, code in enumerate(codes):
        if number:
            pieces.append(separator)
        pieces.append(code)
    return fmt("{}" * len(pieces), *pieces)


# Values that need no parentheses as an operand, an element or a call's object.
_ATOMS = (
    cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
    cst.Call, cst.Attribute, cst.Subscript, cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.DictComp,
)


def operand(value: cst.BaseExpression) -> Code:
    """The value as an operand: parenthesized unless it is an atom or already parenthesized."""
    if isinstance(value, _ATOMS) or value.lpar:
        if isinstance(value, cst.Tuple) and not value.lpar:
            return fmt("({})", value)
        return fmt("{}", value)
    return fmt("({})", value)


def element(value: cst.BaseExpression) -> Code:
    """The value where a list element or a dict value goes (only a bare tuple or
    a lambda-like low-precedence form needs parentheses there)."""
    if isinstance(value, (cst.Tuple, cst.NamedExpr)) and not value.lpar:
        return fmt("({})", value)
    return fmt("{}", value)


# ---------------------------------------------------------------- names

Kind = Literal["dict", "list"]


@dataclass
class _Scope:
    kinds: dict[str, Kind | None] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


_scopes: WeakKeyDictionary[Context, dict[int, _Scope]] = WeakKeyDictionary()
_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, *_COMPREHENSIONS)


def _annotation_kind(annotation: cst.Annotation | None) -> Kind | None:
    if annotation is None:
        return None
    node = annotation.annotation
    if isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Attribute):
        node = node.attr
    if isinstance(node, cst.Name):
        return {"dict": "dict", "Dict": "dict", "list": "list", "List": "list"}.get(node.value)  # type: ignore[return-value]
    return None


def kind_of(value: cst.BaseExpression | None, local: Iterable[str] = ()) -> Kind | None:
    """Whether an expression surely builds a dict or a list (`{...}`, `[...]`,
    comprehensions, `dict(...)`, `list(...)`, `sorted(...)`, `xs + [...]`)."""
    if value is None:
        return None
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value not in local:
        return {"dict": "dict", "list": "list", "sorted": "list"}.get(value.func.value)  # type: ignore[return-value]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left, right = kind_of(value.left, local), kind_of(value.right, local)
        if "list" in (left, right):
            return "list"
    return None


def _scan(scope: cst.CSTNode) -> _Scope:
    """The names one scope binds, and the kind of each when every binding agrees."""
    found = _Scope()
    values: dict[str, list[cst.BaseExpression | None | Kind]] = {}

    def bind(name: str, value: cst.BaseExpression | None | Kind) -> None:
        found.names.add(name)
        values.setdefault(name, []).append(value)

    def bind_names(target: cst.CSTNode) -> None:
        stack = [target]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                bind(node.value, None)
            elif isinstance(node, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in node.elements)
            elif isinstance(node, cst.StarredElement):
                stack.append(node.value)

    stack: list[cst.CSTNode] = []
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            bind(param.name.value, _annotation_kind(param.annotation))
        for variadic in (params.star_arg, params.star_kwarg):
            if isinstance(variadic, cst.Param):
                bind(variadic.name.value, None)
        stack.append(scope.body)
    elif isinstance(scope, cst.Lambda):
        for param in scope.params.params:
            bind(param.name.value, None)
    else:
        stack.extend(children(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bind(node.name.value, None)
            continue
        if isinstance(node, (cst.Lambda, *_COMPREHENSIONS)):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    bind(target.target.value, node.value)
                else:
                    bind_names(target.target)
        elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name):
            bind(node.target.value, _annotation_kind(node.annotation) or node.value)
        elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
            bind(node.target.value, node.value)
        elif isinstance(node, (cst.For, cst.NamedExpr)):
            bind_names(node.target)
        elif isinstance(node, cst.AsName):
            bind_names(node.name)
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                alias_name: cst.BaseExpression = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(alias_name, cst.Attribute):
                    alias_name = alias_name.value
                if isinstance(alias_name, cst.Name):
                    bind(alias_name.value, None)
        stack.extend(children(node))
    for name, seen in values.items():
        kinds: set[Kind | None] = set()
        for value in seen:
            kinds.add(value if isinstance(value, str) or value is None else kind_of(value, found.names))
        found.kinds[name] = kinds.pop() if len(kinds) == 1 else None
    return found


def _scope(ctx: Context, scope: cst.CSTNode | None) -> _Scope:
    scopes = _scopes.get(ctx)
    if scopes is None:
        scopes = _scopes[ctx] = {}
    key = id(scope) if scope is not None else 0
    found = scopes.get(key)
    if found is None:
        node = scope if scope is not None else (ctx.ancestors[0] if ctx.ancestors else None)
        found = scopes[key] = _scan(node) if isinstance(node, (cst.Module, *_SCOPE_NODES)) else _Scope()
    return found


def value_kind(name: str, ctx: Context) -> Kind | None:
    """"dict" or "list" when `name`, where the walk is, surely holds one: the
    innermost scope binding it only ever binds dicts (or lists) to it. Inputs
    the interface declares as `dict[...]`/`list[...]` count too."""
    for scope in reversed(ctx.scope_chain):
        found = _scope(ctx, scope)
        if name in found.names:
            return found.kinds.get(name)
    if ctx.interface is not None:
        for decl in ctx.interface.inputs:
            if decl.name == name and decl.annotation:
                head = decl.annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1]
                return {"dict": "dict", "Dict": "dict", "list": "list", "List": "list"}.get(head)  # type: ignore[return-value]
    return None


def bound(name: str, ctx: Context) -> bool:
    """True when a scope the walk is in binds `name` anywhere (before or after here)."""
    return ctx.is_local(name) or any(name in _scope(ctx, scope).names for scope in ctx.scope_chain)


_interface_names: dict[int, tuple[Interface, frozenset[str]]] = {}


def _available(name: str, ctx: Context) -> bool:
    """A name the sandbox provides without a binding: a builtin, a task, an input."""
    if name in PROVIDED:
        return True
    interface = ctx.interface
    if interface is None:
        return False
    cached = _interface_names.get(id(interface))
    if cached is None or cached[0] is not interface:
        if len(_interface_names) >= 32:
            _interface_names.clear()
        cached = _interface_names[id(interface)] = (interface, interface.task_names | interface.input_names)
    return name in cached[1]


def fresh_name(ctx: Context, preferred: str, taken: Iterable[str] = (), *, local: bool = False) -> str:
    """`preferred` (or `preferred_2`, ...) unless a scope here binds it, the
    sandbox provides it, or a rule rejects it. `local=True` for a name bound
    inside a new comprehension, where only `taken` and provided names clash."""
    base = preferred.strip("_") or "value"
    if not base.isidentifier() or not base.isascii() or keyword.iskeyword(base):
        base = "value"
    avoid = set(taken)
    candidate = base
    number = 1
    while (
        candidate in avoid
        or candidate in FORBIDDEN_BUILTINS
        or _available(candidate, ctx)
        or keyword.iskeyword(candidate)
        or not local and (
            any(candidate in _scope(ctx, scope).names for scope in ctx.scope_chain)
            or any(candidate in names for names in ctx.bindings.values())
        )
    ):
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def is_bindable(name: str, ctx: Context) -> bool:
    """A name a rewrite may bind without a finding (no `_`, not forbidden, not provided)."""
    return (
        name.isidentifier() and name.isascii() and not name.startswith("_") and not keyword.iskeyword(name)
        and name not in FORBIDDEN_BUILTINS and not _available(name, ctx)
    )


# ---------------------------------------------------------------- statements


def reindent_safe(node: cst.CSTNode, ctx: Context) -> bool:
    """True when a multi-line rewrite of `node` keeps its strings: the node
    starts a line of a script's top level (re-indenting adds nothing), or no
    string literal in it spans lines."""
    top = isinstance(ctx.ancestors[0], cst.Module) if ctx.ancestors else False
    if top and not any(isinstance(a, (cst.IndentedBlock, cst.SimpleStatementSuite)) for a in ctx.ancestors):
        return True
    return movable(node)


def movable(node: cst.CSTNode) -> bool:
    """True when re-indenting `node`'s lines cannot change it: no string
    literal in it spans lines (a multi-line rewrite is re-indented)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.SimpleString) and "\n" in item.value:
            return False
        if isinstance(item, cst.FormattedStringText) and "\n" in item.value:
            return False
        stack.extend(children(item))
    return True


def _without_final_comment(text: str, tail: str) -> str:
    return text[: len(text) - len(tail)] if tail and text.endswith(tail) else text


def _trailing(node: cst.CSTNode) -> str:
    """The text after the last statement's code: its trailing whitespace, comment and line break."""
    last: cst.CSTNode = node
    while True:
        if isinstance(last, cst.SimpleStatementLine):
            return code_of(last.trailing_whitespace)
        if isinstance(last, cst.SimpleStatementSuite):
            return code_of(last.trailing_whitespace)
        body = getattr(last, "body", None)
        orelse = getattr(last, "orelse", None)
        finalbody = getattr(last, "finalbody", None)
        handlers = getattr(last, "handlers", None)
        nxt = finalbody or orelse or (handlers[-1] if handlers else None) or body
        if isinstance(last, (cst.IndentedBlock,)):
            if not last.body:
                return ""
            nxt = last.body[-1]
        if isinstance(nxt, cst.IndentedBlock) and nxt.footer:
            return ""  # comment lines after the block stay where they are; rare, keep it simple
        if nxt is None or not isinstance(nxt, cst.CSTNode):
            return ""
        last = nxt


def statement_text(node: cst.BaseStatement | cst.BaseSmallStatement, indent: str = "    ") -> str:
    """A statement's code as its range covers it: no leading lines, no final
    comment or line break."""
    return splice(node, indent=indent)


def body_text(body: cst.BaseSuite, indent: str = "    ") -> str | None:
    """A block's statements dedented, as a rewrite that drops its header writes
    them (None when the block has nothing but `pass`)."""
    if isinstance(body, cst.SimpleStatementSuite):
        parts = [statement_text(small) for small in body.body if not isinstance(small, cst.Pass)]
        return "\n".join(parts) or None
    assert isinstance(body, cst.IndentedBlock)
    kept: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = [
        s for s in body.body  # type: ignore[misc]
        if not (isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, cst.Pass) for x in s.body))
    ]
    if not kept:
        return None
    module = cst.Module(body=[kept[0].with_changes(leading_lines=()), *kept[1:]], default_indent=indent)
    text = module.code
    return _without_final_comment(text, _trailing(module.body[-1])).rstrip("\n")


class _Spans(CodegenState):
    """Codegen that records where each node's text lies (for splicing)."""

    def __init__(self, indent: str) -> None:
        super().__init__(default_indent=indent, default_newline="\n")
        self.length = 0
        self.starts: list[int] = []
        self.spans: dict[int, tuple[int, int]] = {}

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.length += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.length)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.spans[id(node)] = (self.starts.pop(), self.length)


def splice(
    node: cst.CSTNode,
    replace: dict[int, str] | None = None,
    insert: dict[int, str] | None = None,
    indent: str = "    ",
) -> str:
    """`node`'s code with the nodes whose ids `replace` names rewritten and
    text put before the nodes `insert` names (a statement's code as its range
    covers it: no leading lines, no final comment)."""
    rendered: cst.CSTNode = node
    if isinstance(node, cst.BaseCompoundStatement) or isinstance(node, cst.SimpleStatementLine):
        changes: dict[str, object] = {"leading_lines": ()}
        if isinstance(node, cst.FunctionDef):
            changes.update(decorators=(), lines_after_decorators=())
        rendered = node.with_changes(**changes)
    state = _Spans(indent)
    rendered._codegen(state)
    text = "".join(state.tokens)
    edits: list[tuple[int, int, str]] = []
    for key, content in (replace or {}).items():
        span = state.spans.get(key)
        if span is not None:
            edits.append((span[0], span[1], content))
    for key, content in (insert or {}).items():
        span = state.spans.get(key)
        if span is not None:
            edits.append((span[0], span[0], content))
    edits.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    cursor = 0
    for start, end, content in edits:
        if start < cursor:
            continue  # inside an edit already made
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    result = "".join(out)
    if isinstance(node, cst.BaseSmallStatement):
        return result.strip().rstrip(";").rstrip()
    if isinstance(node, (cst.BaseCompoundStatement, cst.SimpleStatementLine)):
        return _without_final_comment(result, _trailing(node))
    return result


def block_indent(block: cst.BaseSuite, ctx: Context) -> str:
    """The indentation a block's statements take relative to its header."""
    if isinstance(block, cst.IndentedBlock) and block.indent is not None:
        return block.indent
    return default_indent(ctx)


def default_indent(ctx: Context) -> str:
    """The unit's indentation step (what a new block's lines take)."""
    root = ctx.ancestors[0] if ctx.ancestors else None
    return root.default_indent if isinstance(root, cst.Module) else "    "


def statement_place(statement: cst.CSTNode, ctx: Context) -> bool | None:
    """For a simple statement the walk is in or at: whether it stands alone on
    its line (a rewrite may then take several lines), None when it is not a
    statement of a line (a rewrite must then stay an expression)."""
    ancestors = ctx.ancestors
    line: cst.CSTNode | None = ctx.parent
    for index in range(len(ancestors) - 1, 0, -1):
        if ancestors[index] is statement:
            line = ancestors[index - 1]
            break
    if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return None
    if not any(small is statement for small in line.body):
        return None
    return isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1


def statements(codes: Sequence[Code], alone: bool) -> Code:
    """Several statements in the place of one: on their own lines, or `; `-joined
    (a message shows them `; `-joined either way)."""
    one_line = join(codes, "; ")
    if not alone or len(codes) == 1:
        return one_line
    lines = join(codes, "\n")
    return Code(lines.pieces, one_line)


__all__ = [
    "block_indent", "bound", "default_indent", "splice", "Code", "Kind", "LIMIT", "body_text", "elide", "fmt", "fresh_name", "is_bindable", "join",
    "kind_of", "raw", "movable", "reindent_safe", "operand", "element", "statement_place", "statement_text", "statements", "value_kind",
]
