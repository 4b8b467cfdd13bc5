"""Helpers more than one rule uses; rules import this module and `base`, never each other.

- names: what a name in sandbox code refers to (tasks, inputs, builtins);
  kept tiny and cached, they run on every `Name` and `Call` node;
- introspection attributes (SBX201), and `clean`: whether user code can be
  copied into a suggestion without bringing a finding of its own;
- values: the source of an operand, parenthesized where precedence needs it;
- containers rebuilt: a dict or list with an item set or removed, written
  for the container's kind when the checker knows it (SBX102, SBX103,
  SBX111, SBX115, SBX116);
- assignment targets: every non-name target of a binding statement, and the
  rewrite that rebinds the container instead, as words and a display fix;
- boundary types: why an annotation is outside the boundary set
  (SBX301–SBX303).
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import libcst as cst

from ..builtins import FORBIDDEN_BUILTINS, PROVIDED
from ..interface import Interface, TaskSignature
from ..tree import children, contains
from ..typespec import ALLOWED_SUMMARY, DisallowedType, parse_annotation_node
from . import suggestions
from .base import Context, Replacement, code_of
from .suggestions import Code, fmt

# Per-interface name sets, looked up by identity on every Name and Call node.
# Entries keep their interface alive, so an id is never reused while cached.
_cache: dict[int, tuple[Interface, frozenset[str], frozenset[str]]] = {}
_CACHE_SIZE = 32


def _names(interface: Interface) -> tuple[frozenset[str], frozenset[str]]:
    cached = _cache.get(id(interface))
    if cached is not None and cached[0] is interface:
        return cached[1], cached[2]
    tasks = interface.task_names
    known = tasks | interface.input_names | PROVIDED
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[id(interface)] = (interface, tasks, known)
    return tasks, known


def task_names(interface: Interface) -> frozenset[str]:
    return _names(interface)[0]


def known_names(interface: Interface) -> frozenset[str]:
    """Tasks, inputs and every provided builtin: names that need no local binding."""
    return _names(interface)[1]


def folded(name: str) -> str:
    """The name Python actually binds (identifiers are NFKC-normalized)."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def called_task(node: cst.Call, ctx: Context) -> TaskSignature | None:
    """The task `node` calls by name, unless a local binding seen so far hides it.

    Bindings made later in the same scope are not seen; rebinding a task name
    is SBX402 on its own, so such code is reported either way.
    """
    interface = ctx.interface
    func = node.func
    if interface is None or type(func) is not cst.Name:
        return None
    name = func.value
    if name not in task_names(interface) or ctx.is_local(name):
        return None
    return _task_by_name(interface).get(name)


def task_named(interface: Interface, name: str) -> TaskSignature | None:
    """The interface's task called `name` (a dict lookup, cached per interface)."""
    return _task_by_name(interface).get(name)


def _task_by_name(interface: Interface) -> dict[str, TaskSignature]:
    cached = _by_name.get(id(interface))
    if cached is not None and cached[0] is interface:
        return cached[1]
    table = {task.name: task for task in interface.tasks}
    if len(_by_name) >= _CACHE_SIZE:
        _by_name.clear()
    _by_name[id(interface)] = (interface, table)
    return table


_by_name: dict[int, tuple[Interface, dict[str, TaskSignature]]] = {}


def provided_call(node: cst.Call, ctx: Context, names: frozenset[str]) -> str | None:
    """The name when `node` calls one of `names` (builtins) not rebound locally."""
    func = node.func
    if not isinstance(func, cst.Name) or func.value not in names or ctx.is_local(func.value):
        return None
    return func.value


LISTED = 20  # names a message lists before saying how many more there are


def listing(names: Iterable[str]) -> str:
    """`a`, `b`, ... for a message: the first LISTED names, then how many more."""
    ordered = sorted(names)
    shown = ", ".join(f"`{name}`" for name in ordered[:LISTED])
    if len(ordered) > LISTED:
        shown += f" and {len(ordered) - LISTED} more"
    return shown


_described: dict[int, tuple[Interface, str, str]] = {}


def _descriptions(interface: Interface) -> tuple[str, str]:
    cached = _described.get(id(interface))
    if cached is not None and cached[0] is interface:
        return cached[1], cached[2]
    names = task_names(interface)
    tasks = "available tasks: " + listing(names) if names else "no tasks are available"
    inputs = listing(interface.input_names)
    if len(_described) >= _CACHE_SIZE:
        _described.clear()
    _described[id(interface)] = (interface, tasks, inputs)
    return tasks, inputs


def describe_tasks(interface: Interface) -> str:
    """"available tasks: `a`, `b`" for a message (cached per interface)."""
    return _descriptions(interface)[0]


def describe_inputs(interface: Interface) -> str:
    """"`x`, `y`": the declared inputs for a message, "" when there are none."""
    return _descriptions(interface)[1]


# ---------------------------------------------------------------- "did you mean"

SUGGESTION_BUDGET = 20_000  # comparisons per unit (weighted by word length), then no more suggestions
_NEIGHBOURS = 12  # names taken on each side of a word in each bucket


class Suggester:
    """Bounded "did you mean": close names by `difflib`, memoized per word and
    pool, compared only with the word's neighbours (names of a close length
    that share its first letter, sorted, taken around the word; and the same
    by last letter, for a typo in the first one), and within a budget of
    comparisons per unit. Past the budget nothing more is suggested: the first
    findings carry suggestions, and a flood of unknown names costs no more
    than the budget."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget = SUGGESTION_BUDGET if budget is None else budget
        self._memo: dict[tuple[str, tuple[object, ...], int], tuple[str, ...]] = {}
        self._pools: dict[object, dict[tuple[str, str, int], list[str]]] = {}

    def _index(self, key: object, pool: Callable[[], Iterable[str]]) -> dict[tuple[str, str, int], list[str]]:
        """Buckets of the pool by (first letter, length), sorted, and by (last letter,
        length), sorted by the reversed name."""
        index = self._pools.get(key)
        if index is None:
            index = {}
            for name in pool():
                if name:
                    index.setdefault(("^", name[0].lower(), len(name)), []).append(name)
                    index.setdefault(("$", name[-1].lower(), len(name)), []).append(name[::-1])
            for bucket in index.values():
                bucket.sort()
            self._pools[key] = index
        return index

    def close(
        self, word: str, pools: Sequence[tuple[object, Callable[[], Iterable[str]]]], n: int = 1, cutoff: float = 0.6
    ) -> list[str]:
        """Up to `n` names close to `word` from the pools: (key, names) pairs, the
        key naming the pool (its names are read and indexed once per key)."""
        memo_key = (word, tuple(key for key, _ in pools), n)
        found = self._memo.get(memo_key)
        if found is not None:
            return list(found)
        if self.budget <= 0 or not word:
            return []
        size = len(word)
        lengths = sorted(range(max(1, int(size * 0.43)), int(size * 2.34) + 2), key=lambda length: abs(length - size))
        picked: set[str] = set()
        first, last, backwards = word[0].lower(), word[-1].lower(), word[::-1]
        for key, names in pools:
            index = self._index(key, names)
            for length in lengths:
                picked.update(_around(index.get(("^", first, length)), word))
                if abs(length - size) <= 1:
                    picked.update(name[::-1] for name in _around(index.get(("$", last, length)), backwards))
        picked.discard(word)
        candidates = sorted(picked)
        self.budget -= (len(candidates) + 1) * (1 + size // 5)  # a comparison costs more for a longer word
        result = tuple(difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff))
        self._memo[memo_key] = result
        return list(result)


def _around(bucket: list[str] | None, word: str) -> list[str]:
    """The names of a sorted bucket nearest to where `word` would sort."""
    if not bucket:
        return []
    at = bisect.bisect_left(bucket, word)
    return bucket[max(0, at - _NEIGHBOURS) : at + _NEIGHBOURS]


_suggesters: WeakKeyDictionary[Context, Suggester] = WeakKeyDictionary()


def suggester(ctx: Context) -> Suggester:
    """The unit's "did you mean" helper (its budget is shared by every rule)."""
    found = _suggesters.get(ctx)
    if found is None:
        found = _suggesters[ctx] = Suggester()
    return found


# ---------------------------------------------------------------- introspection

# The attributes through which a running program reaches frames, code objects
# and tracebacks, and from a frame its globals and builtins: every name CPython
# (3.9 to 3.14) defines on frame, code, traceback, generator, coroutine and
# async generator objects, plus exceptions' `with_traceback`, plus the names
# of RestrictedPython's `INSPECT_ATTRIBUTES`, plus Python 2's spellings.
# `INTROSPECTION_PREFIX` covers names a later Python adds with the same prefixes.
INTROSPECTION_ATTRIBUTES = frozenset({
    # frame
    "f_back", "f_builtins", "f_code", "f_generator", "f_globals", "f_lasti", "f_lineno", "f_locals",
    "f_trace", "f_trace_lines", "f_trace_opcodes", "f_restricted", "f_exc_type", "f_exc_value", "f_exc_traceback",
    # code
    "co_argcount", "co_branches", "co_cellvars", "co_code", "co_consts", "co_exceptiontable", "co_filename",
    "co_firstlineno", "co_flags", "co_freevars", "co_kwonlyargcount", "co_lines", "co_linetable", "co_lnotab",
    "co_name", "co_names", "co_nlocals", "co_positions", "co_posonlyargcount", "co_qualname", "co_stacksize",
    "co_varnames",
    # traceback
    "tb_frame", "tb_lasti", "tb_lineno", "tb_next",
    # generator, coroutine, async generator
    "gi_code", "gi_frame", "gi_running", "gi_suspended", "gi_yieldfrom",
    "cr_await", "cr_code", "cr_frame", "cr_origin", "cr_running", "cr_suspended",
    "ag_await", "ag_code", "ag_frame", "ag_running", "ag_suspended",
    # exceptions, classes, Python 2
    "with_traceback", "mro",
    "func_closure", "func_code", "func_defaults", "func_dict", "func_globals", "func_name",
    "im_class", "im_func", "im_self",
})
INTROSPECTION_PREFIX = re.compile(r"(?:f|co|tb|gi|cr|ag|func|im)_[a-z_]+")


def is_introspection(name: str) -> bool:
    """True for an attribute name that reaches frames, code or tracebacks."""
    return name in INTROSPECTION_ATTRIBUTES or INTROSPECTION_PREFIX.fullmatch(name) is not None


# ---------------------------------------------------------------- clean code

_UNCLEAN_NODES = (
    cst.Set, cst.SetComp, cst.NamedExpr, cst.Yield, cst.Ellipsis, cst.Imaginary, cst.ClassDef, cst.Lambda,
)


def clean(node: cst.CSTNode, ctx: Context) -> bool:
    """True when `node` can be copied into a suggested rewrite without carrying
    a finding of its own: no forbidden builtin or private name, no
    introspection attribute, no set, walrus, yield, lambda or `...`, no
    `.format`, no `set()`/`frozenset()`."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, _UNCLEAN_NODES):
            return False
        if isinstance(item, cst.Name):
            value = item.value
            if value.startswith("_") or not value.isascii():
                return False
            if value in FORBIDDEN_BUILTINS and not ctx.is_local(value):
                return False
        elif isinstance(item, cst.Attribute):
            attr = item.attr.value
            if attr.startswith("_") or not attr.isascii() or attr in ("format", "format_map") or is_introspection(attr):
                return False
            stack.append(item.value)
            continue
        elif isinstance(item, cst.Call) and isinstance(item.func, cst.Name):
            if item.func.value in ("set", "frozenset") and not ctx.is_local(item.func.value):
                return False
        stack.extend(children(item))
    return True


# ---------------------------------------------------------------- values


def operand(value: cst.BaseExpression) -> str:
    """The value's source, parenthesized unless it is an atom or already parenthesized."""
    return suggestions.operand(value).text


def int_literal(node: cst.BaseExpression) -> int | None:
    """The value of an integer literal like `3` or `-1`, else None."""
    sign = 1
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and not node.lpar:
        sign, node = -1, node.expression
    if isinstance(node, cst.Integer) and not node.lpar:
        try:
            return sign * int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- containers rebuilt

# Statements and clauses whose `target` field binds: the places SBX102 and SBX115 look.
TARGET_OWNERS: tuple[type[cst.CSTNode], ...] = (
    cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor,
)

STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


@dataclass(frozen=True)
class Option:
    """One way to write a rebuilt container: for which kind ("dict", "list" or
    "" when it fits any), and the new value."""

    kind: str
    value: Code


def _index(target: cst.Subscript) -> cst.BaseExpression | None:
    """The key of `c[key]` (one plain index), else None."""
    elements = target.slice
    if len(elements) == 1 and isinstance(elements[0].slice, cst.Index) and elements[0].slice.star is None:
        return elements[0].slice.value
    return None


def _slice(target: cst.Subscript) -> cst.Slice | None:
    elements = target.slice
    if len(elements) == 1 and isinstance(elements[0].slice, cst.Slice) and elements[0].slice.step is None:
        return elements[0].slice
    return None


def _ordered(options: list[Option], kind: str | None, prefer_list: bool) -> list[Option]:
    """The options for the container's known kind, else all of them, likeliest first."""
    if kind is not None:
        return [o for o in options if o.kind in (kind, "")]
    return sorted(options, key=lambda o: o.kind != ("list" if prefer_list else "dict"))


def container_kind(base: cst.BaseExpression, ctx: Context) -> str | None:
    return suggestions.value_kind(base.value, ctx) if isinstance(base, cst.Name) else None


def with_item(target: cst.Subscript, value: Code, ctx: Context) -> list[Option]:
    """The container of `target` (`c[key]`) with the item at `key` set to `value`."""
    base = target.value
    kind = container_kind(base, ctx)
    key = _index(target)
    if key is not None:
        options = []
        if kind != "list":
            options.append(Option("dict", fmt("{{**{}, {}: {}}}", base, key, value)))
        if kind != "dict" and not isinstance(key, STRINGS):
            options.append(Option("list", _list_with(base, key, fmt("[{}]", value))))
        return _ordered(options, kind, int_literal(key) is not None)
    piece = _slice(target)
    if piece is not None and kind != "dict":
        parts: list[Code] = []
        if piece.lower is not None:
            parts.append(fmt("{}[:{}]", base, piece.lower))
        parts.append(value if _is_list_code(value) else fmt("list({})", value))
        if piece.upper is not None:
            parts.append(fmt("{}[{}:]", base, piece.upper))
        return [Option("list", suggestions.join(parts, " + "))]
    elements = target.slice
    if len(elements) > 1 and all(isinstance(e.slice, cst.Index) and e.slice.star is None for e in elements) and kind != "list":
        keys = suggestions.join([fmt("{}", e.slice.value) for e in elements], ", ")  # type: ignore[attr-defined]
        return [Option("dict", fmt("{{**{}, ({}): {}}}", base, keys, value))]
    return []


def _is_list_code(value: Code) -> bool:
    if len(value.pieces) == 1 and isinstance(value.pieces[0], (cst.List, cst.ListComp)):
        return True
    text = value.text
    return text.isidentifier() or (text.startswith("[") and text.endswith("]") and "\n" not in text and len(value.pieces) > 1)


def _list_with(base: cst.BaseExpression, key: cst.BaseExpression, middle: Code) -> Code:
    """`base` with the item at `key` replaced by the list `middle` (empty: removed)."""
    index = int_literal(key)
    parts: list[Code] = []
    if index is None:
        parts.append(fmt("{}[:{}]", base, key))
        if middle.text:
            parts.append(middle)
        parts.append(fmt("{}[{} + 1:]", base, suggestions.operand(key)))
    elif index == 0:
        if middle.text:
            parts.append(middle)
        parts.append(fmt("{}[1:]", base))
    elif index == -1:
        parts.append(fmt("{}[:-1]", base))
        if middle.text:
            parts.append(middle)
    else:
        parts.append(fmt(f"{{}}[:{index}]", base))
        if middle.text:
            parts.append(middle)
        parts.append(fmt(f"{{}}[{index + 1}:]", base))
    return suggestions.join(parts, " + ")


def without_item(target: cst.Subscript, ctx: Context) -> list[Option]:
    """The container of `target` (`c[key]`, `c[a:b]`) without that item or slice."""
    base = target.value
    kind = container_kind(base, ctx)
    key = _index(target)
    if key is not None:
        options = []
        if kind != "list":
            taken = names_in(key) | names_in(base)
            k = suggestions.fresh_name(ctx, "k", taken, local=True)
            v = suggestions.fresh_name(ctx, "v", taken | {k}, local=True)
            options.append(Option("dict", fmt(f"{{{{{k}: {v} for {k}, {v} in {{}}.items() if {k} != {{}}}}}}", base, key)))
        if kind != "dict" and not isinstance(key, STRINGS):
            options.append(Option("list", _list_with(base, key, Code(()))))
        return _ordered(options, kind, int_literal(key) is not None)
    piece = _slice(target)
    if piece is not None and kind != "dict":
        kept = []
        if piece.lower is not None:
            kept.append(fmt("{}[:{}]", base, piece.lower))
        if piece.upper is not None:
            kept.append(fmt("{}[{}:]", base, piece.upper))
        return [Option("list", suggestions.join(kept, " + ") if kept else fmt("[]"))]
    return []


def with_attribute(target: cst.Attribute, value: Code, ctx: Context) -> list[Option]:
    """The record `obj` of `obj.attr`, kept as a dict, with `"attr"` set to `value`."""
    if container_kind(target.value, ctx) == "list":
        return []
    return [Option("dict", fmt(f'{{{{**{{}}, "{target.attr.value}": {{}}}}}}', target.value, value))]


def names_in(node: cst.CSTNode, *, loads: bool = False) -> set[str]:
    """Every name an expression mentions; with `loads`, only the names it reads
    (not attribute names or keywords)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Name):
            found.add(item.value)
        elif loads and isinstance(item, (cst.Attribute, cst.Arg)):
            stack.append(item.value)
            continue
        stack.extend(children(item))
    return found


@dataclass(frozen=True)
class Rebinding:
    """`name = value` for a rebuilt container: the name is the container's own
    when it is a name, else a fresh one (`note` then says to use it)."""

    statement: Code
    name: str
    note: str


def rebinding(base: cst.BaseExpression, value: Code, ctx: Context) -> Rebinding:
    if isinstance(base, cst.Name):
        return Rebinding(fmt("{} = {}", base, value), base.value, "")
    preferred = "value"
    if isinstance(base, cst.Attribute):
        preferred = base.attr.value
    elif isinstance(base, cst.Subscript):
        key = _index(base)
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            preferred = key.evaluated_value
    name = suggestions.fresh_name(ctx, preferred)
    note = f", then use `{name}` where the code reads `{suggestions.elide(base, 40)}`"
    return Rebinding(fmt(f"{name} = {{}}", value), name, note)


def is_self(base: cst.BaseExpression, ctx: Context) -> str | None:
    """The class name when `base` is the first parameter of a method (`self`)."""
    if not isinstance(base, cst.Name):
        return None
    for index in range(len(ctx.ancestors) - 1, -1, -1):
        node = ctx.ancestors[index]
        if isinstance(node, cst.FunctionDef):
            params = node.params.posonly_params or node.params.params
            if not params or params[0].name.value != base.value:
                return None
            for outer in reversed(ctx.ancestors[:index]):
                if isinstance(outer, cst.ClassDef):
                    return outer.name.value
                if isinstance(outer, (cst.FunctionDef, cst.Lambda)):
                    return None
            return None
    return None


def advice(options: Sequence[Option], ctx: Context, base: cst.BaseExpression) -> tuple[str, Rebinding | None]:
    """Words for a message naming each option's statement, and the first one's rebinding."""
    if not options:
        return "", None
    bound = [rebinding(base, option.value, ctx) for option in options]
    if len(options) == 1:
        return f"write `{bound[0].statement.shown()}`{bound[0].note}", bound[0]
    words = "; ".join(
        f"for a {option.kind}, write `{rebound.statement.shown()}`" if number == 0 else f"for a {option.kind}, `{rebound.statement.shown()}`"
        for number, (option, rebound) in enumerate(zip(options, bound))
    )
    return words + bound[0].note, bound[0]


# ---------------------------------------------------------------- assignment targets


@dataclass(frozen=True)
class Site:
    """One non-name target: where it is assigned and, when known, the value it gets."""

    target: cst.BaseExpression
    kind: str  # "assign", "unpack", "augmented", "annotation", "for", "comprehension"
    owner: cst.CSTNode  # the TARGET_OWNERS node
    statement: cst.CSTNode | None  # the Assign / AugAssign / AnnAssign / For


_UNPACKING = (cst.Tuple, cst.List)


def _non_name_leaves(target: cst.BaseExpression) -> list[tuple[cst.BaseExpression, bool]]:
    """Leaves of a target that are not plain names, with whether they sit inside unpacking."""
    found: list[tuple[cst.BaseExpression, bool]] = []
    stack: list[tuple[cst.BaseExpression, bool]] = [(target, False)]
    while stack:
        expr, unpacked = stack.pop()
        kind = type(expr)
        if kind is cst.Name:
            continue
        if kind in _UNPACKING:
            stack.extend((element.value, True) for element in reversed(expr.elements))  # type: ignore[attr-defined]
        elif kind is cst.StarredElement:
            stack.append((expr.value, True))  # type: ignore[attr-defined]
        else:
            found.append((expr, unpacked))
    return found


def target_sites(node: cst.CSTNode, ctx: Context) -> Iterator[Site]:
    """Every target under `node` (one of TARGET_OWNERS) that is not a plain name.

    Tuples, lists and starred elements are unpacked; the leaves are yielded
    (a subscript or attribute leaf is not entered further: `d[k][j] = v` is
    one target). Plain-name targets, the common case, cost one type check.
    """
    target = node.target  # type: ignore[attr-defined]
    if type(target) is cst.Name:
        return
    leaves = _non_name_leaves(target)
    if not leaves:
        return
    statement: cst.CSTNode | None = node
    if isinstance(node, cst.AssignTarget):
        kind = "assign"
        statement = ctx.parent if isinstance(ctx.parent, cst.Assign) else None
    elif isinstance(node, cst.AugAssign):
        kind = "augmented"
    elif isinstance(node, cst.AnnAssign):
        kind = "assign" if node.value is not None else "annotation"
    else:
        kind = "for" if isinstance(node, cst.For) else "comprehension"
    for expr, unpacked in leaves:
        yield Site(expr, "unpack" if unpacked and kind in ("assign", "for") else kind, node, statement)


def _augmented_value(site: Site) -> Code | None:
    statement = site.statement
    assert isinstance(statement, cst.AugAssign)
    symbol = code_of(statement.operator).strip()[:-1]
    target = site.target
    if isinstance(target, cst.Attribute):
        current = fmt(f'{{}}["{target.attr.value}"]', target.value)
    else:
        current = fmt("{}", target)
    return fmt(f"{{}} {symbol} {{}}", current, suggestions.operand(statement.value))


Builder = Callable[[Code], list[Option]]


def target_rewrite(site: Site, build: Builder, ctx: Context) -> tuple[str, Replacement | None]:
    """The advice for one target (a message's words) and, where the statement
    allows it, the rewrite as a display fix. `build(value)` gives the rebuilt
    container's options for the value the target was to receive."""
    base = site.target.value  # type: ignore[attr-defined]
    statement = site.statement
    indent = suggestions.default_indent(ctx)
    if site.kind == "comprehension":
        return "use a plain name as the comprehension target and build the new value from the result", None
    if site.kind == "annotation":
        return "annotate plain names only", None
    if site.kind == "augmented":
        value = _augmented_value(site)
        if value is None:
            return "", None
        words, bound = advice(build(value), ctx, base)
        if bound is None:
            return "", None
        return words, _statement_fix(statement, [bound.statement], ctx)
    if site.kind == "assign":
        assert isinstance(statement, (cst.Assign, cst.AnnAssign))
        value_node = statement.value
        assert value_node is not None
        targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
        if len(targets) == 1:
            words, bound = advice(build(fmt("{}", value_node)), ctx, base)
            if bound is None:
                return "", None
            return words, _statement_fix(statement, [bound.statement], ctx)
        # `a = d[k] = v`: bind the value once, then each target in order.
        holder = next((t.value for t in targets if isinstance(t, cst.Name)), None)
        first: list[Code] = []
        if holder is None:
            holder = suggestions.fresh_name(ctx, "value")
            first.append(fmt(f"{holder} = {{}}", value_node))
        words, bound = advice(build(fmt(holder)), ctx, base)
        if bound is None:
            return "", None
        parts = list(first)
        for target in targets:
            if target is site.target:
                parts.append(bound.statement)
            elif isinstance(target, cst.Name) and target.value == holder and not first:
                parts.append(fmt("{} = {}", target, value_node))
            else:
                parts.append(fmt(f"{{}} = {holder}", target))
        chain = "`, then `".join(part.shown() for part in parts)
        return f"write `{chain}`{bound.note}", _statement_fix(statement, parts, ctx)
    if site.kind == "unpack" and isinstance(statement, cst.Assign):
        fresh = suggestions.fresh_name(ctx, "value")
        words, bound = advice(build(fmt(fresh)), ctx, base)
        if bound is None:
            return "", None
        unpacking = Code((suggestions.splice(statement, {id(site.target): fresh}, indent=indent),))
        return (
            f"unpack into a name (`{fresh}`), then {words}",
            _statement_fix(statement, [unpacking, bound.statement], ctx, copied=(statement,)),
        )
    if site.kind in ("for", "unpack") and isinstance(statement, cst.For):
        item = suggestions.fresh_name(ctx, "item")
        words, bound = advice(build(fmt(item)), ctx, base)
        if bound is None:
            return "", None
        header = f"for {item} in {suggestions.elide(statement.iter, 40)}:"
        fix = None
        if statement.target is site.target and suggestions.movable(statement):
            body = statement.body
            block = suggestions.block_indent(body, ctx)
            if isinstance(body, cst.IndentedBlock) and body.body:
                first_statement = body.body[0]
                insert = {id(first_statement): f"{block}{bound.statement.text}\n"}
            elif isinstance(body, cst.SimpleStatementSuite):
                insert = {id(body.body[0]): f"{bound.statement.text}; "}
            else:
                insert = {}
            if insert and "\n" not in bound.statement.text:
                text = suggestions.splice(statement, {id(site.target): item}, insert, indent=indent)
                fix = Replacement(statement, text, f"Loop over `{item}` and rebind the container in the body", "display")
        return f"loop over a name (`{header}`) and {words} first in the body", fix
    return "", None


def _statement_fix(
    statement: cst.CSTNode | None, parts: Sequence[Code], ctx: Context, copied: Sequence[cst.CSTNode] = ()
) -> Replacement | None:
    """The display fix putting `parts` in the place of a simple statement (None when
    the statement is inside an expression, or re-indenting could change a string)."""
    if statement is None:
        return None
    alone = suggestions.statement_place(statement, ctx)
    if alone is None:
        return None
    code = suggestions.statements(parts, alone)
    if "\n" in code.text and not all(suggestions.movable(node) for node in (*code.nodes(), *copied)):
        return None
    return Replacement(statement, code.text, f"Rewrite as `{code.shown()}`", "display")


# ---------------------------------------------------------------- boundary types

def type_problem(node: cst.BaseExpression) -> DisallowedType | None:
    """Why a type expression is outside the boundary types, or None when it is allowed."""
    try:
        parse_annotation_node(node)
    except DisallowedType as problem:
        return problem
    except Exception:  # a malformed annotation must become a finding, not a crash
        return DisallowedType("this annotation cannot be read as a type", node)
    return None


def offending_part(problem: DisallowedType, expression: cst.BaseExpression) -> cst.CSTNode:
    """The part of `expression` to report on (string annotations are parsed into new nodes)."""
    target = problem.node
    if target is None or not contains(expression, target):
        return expression
    return target


def allowed_note() -> str:
    return f"allowed types are {ALLOWED_SUMMARY}"
