"""The checking pipeline the façade (`checker.py`) drives: prepare, walk, report.

1. *Prepare* a source: the size limit, the rules' whole-text hooks
   (`check_text`), then parsing; a source that cannot be checked gets the
   diagnostic of the rule that explains why (`explain`).
2. *Walk* each unit (a script, an orchestrator, a code string) once with the
   enabled rules (`engine.walk`), then call their `finish`; in host files, the
   rules' `check_host` hooks see what the file declares.
3. *Report*: findings become diagnostics with positions, computed once per
   module and only when something was found.

Nothing here names a rule: rules are found by the hooks they implement.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import CodeRange

from . import discovery
from .caches import DIAGNOSTIC_COST, BoundedCache
from .diagnostics import Diagnostic, Edit, Fix
from .engine import DepthExceeded, Dispatch, walk
from .interface import Interface
from .lines import LineIndex, split_lines
from .parsing import ParseFailure, parse
from .positions import DEEP, Positions
from .rules import RULES_BY_CODE, rule_instances
from .rules.base import Context, Finding, Rule
from .settings import Settings
from .tree import has_top_level_await
from .units import CodeString, DeclaredType, HostFile, Snippet, UnitInfo, Unreadable, UnreadableKind

PositionMap = Callable[[int, int], tuple[int, int]]

# Tests set this to True to compute every position the reference way, from
# the whole module (`PositionProvider`), and compare.
exact_positions = False


def _identity(line: int, column: int) -> tuple[int, int]:
    return line, column


# ---------------------------------------------------------------- rules by hook

_dispatch_cache: dict[tuple[str, ...], tuple[Dispatch, list[Rule]]] = {}
_by_settings: dict[Settings, tuple[Dispatch, list[Rule]]] = {}


def dispatch_for(settings: Settings) -> tuple[Dispatch, list[Rule]]:
    """Rules enabled by `settings` and their dispatch table (cached per settings,
    and per set of enabled rules)."""
    cached = _by_settings.get(settings)
    if cached is not None:
        return cached
    enabled = tuple(code for code in RULES_BY_CODE if settings.enabled(code))
    cached = _dispatch_cache.get(enabled)
    if cached is None:
        rules = [rule for rule in rule_instances() if rule.code in enabled]
        cached = (Dispatch(rules, rule_instances()), rules)
        _dispatch_cache[enabled] = cached
    if len(_by_settings) > 256:
        _by_settings.clear()
    _by_settings[settings] = cached
    return cached


_hook_cache: dict[tuple[int, str], list[Rule]] = {}


def rules_with_hook(settings: Settings, hook: str) -> list[Rule]:
    """The rules `settings` enables that implement `hook` (cached)."""
    return _with_hook(dispatch_for(settings)[1], hook)


def _with_hook(rules: list[Rule], hook: str) -> list[Rule]:
    """The rules of `rules` (a cached list from `dispatch_for`) that implement `hook`."""
    key = (id(rules), hook)
    found = _hook_cache.get(key)
    if found is None:
        found = _hook_cache[key] = [rule for rule in rules if type(rule).overrides(hook)]
    return found


def unreadable(problem: Unreadable) -> Diagnostic:
    """The diagnostic for a source that could not be checked.

    Every rule is asked, enabled or not: a source that was not checked must
    never look clean.
    """
    for rule in rule_instances():
        message = rule.explain(problem) if type(rule).overrides("explain") else None
        if message is not None:
            return Diagnostic(rule.code, rule.name, message, problem.line, problem.column, problem.line, problem.column + 1)
    raise RuntimeError(f"no rule explains an unreadable source ({problem.kind})")  # pragma: no cover


# ---------------------------------------------------------------- prepare


@dataclass(frozen=True)
class Prepared:
    """A source after the checks that need no tree: its findings so far and its tree."""

    found: list[Diagnostic]
    module: cst.Module | None


def _too_large(source: str, settings: Settings) -> Unreadable | None:
    if len(source) * 4 <= settings.max_bytes:
        return None
    size = len(source.encode("utf-8", "surrogatepass"))
    if size <= settings.max_bytes:
        return None
    return Unreadable("too-large", size=size, limit=settings.max_bytes)


def text_findings(source: str, settings: Settings) -> list[Diagnostic]:
    """What the enabled rules' `check_text` hooks find in the raw source."""
    found: list[Diagnostic] = []
    index: LineIndex | None = None
    for rule in _with_hook(dispatch_for(settings)[1], "check_text"):
        for finding in rule.check_text(source):
            index = index or LineIndex(source)
            line, column = index.position(finding.offset)
            end_line, end_column = index.position(finding.offset + finding.length)
            found.append(Diagnostic(rule.code, rule.name, finding.message, line, column, end_line, end_column))
    return found


def prepare(source: str, settings: Settings, *, text_rules: bool = True) -> Prepared:
    """Size limit, whole-text rules (unless `text_rules` is off), parsing."""
    too_large = _too_large(source, settings)
    if too_large is not None:
        return Prepared([unreadable(too_large)], None)
    found = text_findings(source, settings) if text_rules else []
    result = parse(source, settings.max_units)
    if isinstance(result, ParseFailure):
        kinds: dict[str, UnreadableKind] = {"limit": "parse-limit", "too-complex": "too-complex"}
        problem = Unreadable(kinds.get(result.kind, "syntax"), result.line, result.column, result.message)
        found.append(unreadable(problem))
        return Prepared(found, None)
    return Prepared(found, result)


# ---------------------------------------------------------------- walk and report


@dataclass
class Unit:
    """One piece of sandbox code inside a parsed module, checked with one context.

    `root` None: nothing to walk (the host file's own context, which the
    `check_host` hooks report into).
    """

    root: cst.CSTNode | None
    ctx: Context
    skip: frozenset[int] = frozenset()


def run_units(
    module: cst.Module,
    source: str,
    units: Sequence[Unit],
    settings: Settings,
    position_map: PositionMap = _identity,
    positions: Positions | None = None,
) -> list[Diagnostic]:
    """Walk each unit, then turn findings into diagnostics (positions computed
    once, lazily, for the statements that hold findings).

    `source` is the text `module` was parsed from.
    """
    dispatch, rules = dispatch_for(settings)
    finishing = _with_hook(rules, "finish")
    positions = positions or Positions(module, source)
    findings: list[Finding] = []
    roots: dict[int, cst.CSTNode] = {}
    deep = False
    for unit in units:
        if unit.root is not None:
            try:
                walk(unit.root, unit.ctx, dispatch, skip=unit.skip)
            except DepthExceeded as exc:
                return [_depth_diagnostic(module, exc, settings, position_map, positions)]
            for rule in finishing:
                rule.finish(unit.ctx)
            deep = deep or unit.ctx.deepest > DEEP
        for finding in unit.ctx.findings:
            if finding.rule in rules:
                findings.append(finding)
                if unit.root is not None:
                    roots[id(finding)] = unit.root
    if not findings:
        return []
    resolved = positions.for_findings(findings, roots, deep) if exact_positions is False else positions.get()
    if resolved is None:
        return [unreadable(Unreadable("no-positions"))]
    lines = split_lines(source)
    return [_to_diagnostic(finding, resolved, lines, position_map) for finding in findings]


def _to_diagnostic(
    finding: Finding,
    positions: dict[cst.CSTNode, CodeRange],
    lines: list[str],
    position_map: PositionMap,
) -> Diagnostic:
    rng = positions[finding.node]
    line, column = position_map(rng.start.line, rng.start.column + 1)
    end_line, end_column = position_map(rng.end.line, rng.end.column + 1)
    fix = None
    if finding.fix is not None:
        frng = positions[finding.fix.node]
        code = finding.fix.code
        if "\n" in code:
            source_line = lines[frng.start.line - 1] if frng.start.line - 1 < len(lines) else ""
            indent = source_line[: len(source_line) - len(source_line.lstrip())]
            code = ("\n" + indent).join(code.split("\n"))
        start = position_map(frng.start.line, frng.start.column + 1)
        end = position_map(frng.end.line, frng.end.column + 1)
        fix = Fix(
            finding.fix.message,
            finding.fix.applicability,
            (Edit(start[0], start[1], end[0], end[1], code),),
        )
    return Diagnostic(
        finding.rule.code, finding.rule.name, finding.message, line, column, end_line, end_column, fix
    )


def _depth_diagnostic(
    module: cst.Module,
    exc: DepthExceeded,
    settings: Settings,
    position_map: PositionMap,
    positions: Positions,
) -> Diagnostic:
    """The too-deep diagnostic at the first node past the depth limit.

    Positions resolve on the big-stack thread with a raised recursion limit,
    which copes with anything CPython's parser let through; should that fail,
    the diagnostic falls back to the start of the enclosing top-level statement.
    """
    resolved = positions.get()
    rng = resolved.get(exc.node) if resolved is not None else None
    if rng is not None:
        line, column = position_map(rng.start.line, rng.start.column + 1)
    else:
        line = 1
        statement = exc.statement
        if isinstance(statement, cst.BaseStatement) and any(stmt is statement for stmt in module.body):
            line = 1 + len(module.header)
            for stmt in module.body:
                if stmt is statement:
                    line += len(stmt.leading_lines)
                    break
                line += module.code_for_node(stmt).count("\n")
        line, column = position_map(line, 1)
    return unreadable(Unreadable("too-deep", line, column, limit=settings.max_depth))


# ---------------------------------------------------------------- scripts


def check_script(source: str, interface: Interface | None, settings: Settings) -> list[Diagnostic]:
    """A whole source as one sandbox program (script mode, the runtime gate)."""
    prepared = prepare(source, settings)
    module = prepared.module
    if module is None:
        return prepared.found
    unit = UnitInfo("script", interface, is_async_module="await" in source and has_top_level_await(module))
    return prepared.found + run_units(module, source, [Unit(module, Context(unit, settings))], settings)


# ---------------------------------------------------------------- host files

# Each piece of a host file is checked on its own and cached by its text and
# what it depends on, so an edit re-checks only the piece it touched.
_pieces: BoundedCache[tuple[object, ...], tuple[Diagnostic, ...]] = BoundedCache(
    4096, 32_000_000, lambda key, value: len(str(key[1])) + DIAGNOSTIC_COST * len(value)
)


def clear_caches() -> None:
    _pieces.clear()
    _statements.clear()


def _host_tree(source: str) -> ast.Module | None:
    """CPython's tree of a host file, or None when CPython cannot parse it.

    A long file is parsed by top-level statements, each kept by its text and
    line (`_statements`), so an edit re-parses only the statement it touched.
    The pieces' tree is CPython's tree of the whole file (a differential test
    holds them equal). When the pieces cannot be parsed (the rest of the file
    from some statement on does not parse), the whole file is parsed as one:
    that parse is the one whose verdict counts."""
    if source.count("\n") >= SEGMENTED_LINES and "\r" not in source:
        tree = _segmented_tree(source)
        if tree is not None:
            return tree
    return _compiled(source)


def _compiled(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(source, "<host>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    assert isinstance(tree, ast.Module)
    return tree


SEGMENTED_LINES = 300
"""Files this long (in lines) are parsed by top-level statements."""
_statements: BoundedCache[tuple[str, int], tuple[bool, tuple[ast.stmt, ...]]] = BoundedCache(
    50_000, 1 << 20, max_share=0.25
)
"""Whether a piece parses alone, and its statements, by (text, lines before
it): about 60 bytes of tree per byte of text, so the MiB of text it keeps
holds about 60 MB of trees."""
# A top-level line that continues the statement above: a clause of a compound
# statement, or a closing bracket; a line after a decorator continues it too.
_CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b|[)\]}]")


def _segment_starts(source: str) -> list[int]:
    """Offsets where top-level statements start (the first is 0)."""
    starts = [0]
    after_decorator = source.startswith("@")
    for match in re.finditer(r"\n(?=[^\s#])", source):
        at = match.end()
        if after_decorator:
            after_decorator = source.startswith("@", at)
            continue
        if _CONTINUATION.match(source, at):
            continue
        after_decorator = source.startswith("@", at)
        starts.append(at)
    return starts


def _segmented_tree(source: str) -> ast.Module | None:
    starts = _segment_starts(source)
    starts.append(len(source))
    body: list[ast.stmt] = []
    line = 0  # lines before the piece
    first = 0  # index in `starts` of the piece's start
    while first < len(starts) - 1:
        # A piece that does not parse alone may end inside a string (a code
        # string's or a docstring's lines at column 0): join it with the next
        # 1, 3, 7, ... pieces (at most twice the rest of the file in all).
        span = 1
        while True:
            last = min(first + span, len(starts) - 1)
            text = source[starts[first]:starts[last]]
            statements = _statements_of(text, line)
            if statements is not None:
                break
            if last == len(starts) - 1:
                # The rest does not parse, so neither does the file: the
                # caller reads the error from the whole file.
                return None
            span *= 2
        body.extend(statements)
        line += text.count("\n")
        first = last
    return ast.Module(body=body, type_ignores=[])


def _statements_of(text: str, line: int) -> tuple[ast.stmt, ...] | None:
    """The statements of a piece that starts after `line` lines, or None when
    it does not parse alone (remembered too: the next check tries the same)."""
    key = (text, line)
    statements = _statements.get(key)
    if statements is None:
        tree = _compiled(text)
        if tree is not None and line:
            ast.increment_lineno(tree, line)
        statements = (tree is not None, () if tree is None else tuple(tree.body))
        _statements.put(key, statements, len(text))
    return statements[1] if statements[0] else None


def check_host_source(source: str, settings: Settings) -> tuple[list[Diagnostic], HostFile | None]:
    """The sandbox code a host file holds (discovery finds it): what the file
    declares (tasks, code-string types, dynamic code strings), its
    orchestrators and its code strings, each piece parsed and checked alone.
    Also what discovery found (None when the file could not be read)."""
    too_large = _too_large(source, settings)
    if too_large is not None:
        return [unreadable(too_large)], None
    # The whole-text rules see the whole host file: Trojan Source in host
    # code can hide what the sandbox runs.
    found = text_findings(source, settings)
    tree = _host_tree(source)
    if tree is None:  # the file itself does not parse: say where, as libcst and CPython see it
        return found + prepare(source, settings, text_rules=False).found, None
    host = discovery.survey(source, tree)
    rules = dispatch_for(settings)[1]
    for rule in _with_hook(rules, "check_host"):
        for finding in rule.check_host(host):
            found.append(Diagnostic(rule.code, rule.name, finding.message, finding.line, finding.column, finding.end_line, finding.end_column))
    host_globals = frozenset(host.globals)
    tasks = tuple(host.tasks.values())
    keys = _KeyParts()
    for task in host.task_defs:
        found.extend(_shifted(_task_diagnostics(task.header.text, settings), task.header))
    for orchestrator in host.orchestrators:
        interface = Interface(tasks, orchestrator.inputs, None)
        diagnostics = _orchestrator_diagnostics(orchestrator.snippet, interface, host_globals, settings, keys)
        found.extend(_shifted(diagnostics, orchestrator.snippet))
    for call in host.code_string_calls:
        for declared in call.declared:
            found.extend(_declared_into_host(_declared_diagnostics(declared.what, declared.snippet.text, settings), declared))
        if call.code is not None:
            diagnostics = _code_string_diagnostics(call.code.text, call.interface, host_globals, settings, keys)
            found.extend(_map_into_host(list(diagnostics), call.code))
    return found, host


class _KeyParts:
    """Cache-key stand-ins for one host check's large values: a digest of the
    tasks tuple and of the host's globals, computed once per object. A host
    file's interface and globals are rebuilt on every check (hundreds of
    tasks, thousands of names), and hashing and comparing them whole for
    each of its pieces cost more than checking the piece that changed."""

    def __init__(self) -> None:
        self._digests: dict[int, tuple[object, str]] = {}

    def digest(self, value: object) -> str:
        seen = self._digests.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        text = repr(sorted(value)) if isinstance(value, frozenset) else repr(value)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        self._digests[id(value)] = (value, digest)  # holding `value` keeps its id unique
        return digest

    def interface(self, interface: Interface | None) -> object:
        if interface is None:
            return None
        return (self.digest(interface.tasks), interface.inputs, interface.output)


def _cached(key: tuple[object, ...], compute: Callable[[], list[Diagnostic]]) -> tuple[Diagnostic, ...]:
    cached = _pieces.get(key)
    if cached is None:
        cached = tuple(compute())
        _pieces.put(key, cached)
    return cached


def _shifted(diagnostics: Sequence[Diagnostic], snippet: Snippet) -> list[Diagnostic]:
    """Diagnostics of a snippet at their host lines (columns are host columns already)."""
    offset = snippet.line_offset
    if offset == 0:
        return list(diagnostics)
    out = []
    for d in diagnostics:
        fix = d.fix
        if fix is not None:
            fix = Fix(fix.message, fix.applicability, tuple(
                Edit(e.line + offset, e.column, e.end_line + offset, e.end_column, e.content) for e in fix.edits
            ))
        out.append(replace(d, line=d.line + offset, end_line=d.end_line + offset, fix=fix))
    return out


def _snippet_root(module: cst.Module, wrapped: bool) -> cst.CSTNode | None:
    """The one statement a snippet holds (under its `if True:` line when wrapped)."""
    if not module.body:
        return None
    node: cst.CSTNode = module.body[0]
    if wrapped:
        if not isinstance(node, cst.If) or not isinstance(node.body, cst.IndentedBlock) or not node.body.body:
            return None
        node = node.body.body[0]
    return node


def _orchestrator_diagnostics(
    snippet: Snippet, interface: Interface, host_globals: frozenset[str], settings: Settings, keys: _KeyParts
) -> tuple[Diagnostic, ...]:
    def compute() -> list[Diagnostic]:
        prepared = prepare(snippet.text, settings, text_rules=False)
        module = prepared.module
        if module is None:
            return prepared.found
        node = _snippet_root(module, snippet.wrapped)
        if not isinstance(node, cst.FunctionDef):  # pragma: no cover - discovery found a def
            return prepared.found
        info = UnitInfo("orchestrator", interface, host_globals, declared=frozenset(_signature_annotations(node)))
        skip = frozenset(id(decorator) for decorator in node.decorators)
        return prepared.found + run_units(module, snippet.text, [Unit(node, Context(info, settings), skip)], settings)

    key = ("orchestrator", snippet.text, snippet.wrapped, keys.interface(interface), keys.digest(host_globals), settings)
    return _cached(key, compute)


def _signature_annotations(node: cst.FunctionDef) -> set[int]:
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        every.append(params.star_arg)
    if params.star_kwarg is not None:
        every.append(params.star_kwarg)
    ids = {id(param.annotation) for param in every if param.annotation is not None}
    if node.returns is not None:
        ids.add(id(node.returns))
    return ids


def _task_diagnostics(text: str, settings: Settings) -> tuple[Diagnostic, ...]:
    """A task's signature (its header snippet), through the rules' `check_task` hooks."""

    def compute() -> list[Diagnostic]:
        rules = _with_hook(dispatch_for(settings)[1], "check_task")
        if not rules:
            return []
        module = parse(text, settings.max_units)
        if isinstance(module, ParseFailure):
            return []  # the host file parses: a header that does not is ours to get right, not the user's
        node = _snippet_root(module, text.startswith("if True:\n"))
        if not isinstance(node, cst.FunctionDef):  # pragma: no cover - discovery cut a def
            return []
        ctx = Context(UnitInfo("host"), settings)
        for rule in rules:
            rule.check_task(node, ctx)
        return run_units(module, text, [Unit(None, ctx)], settings)

    return _cached(("task", text, settings), compute)


def _declared_diagnostics(what: str, text: str, settings: Settings) -> tuple[Diagnostic, ...]:
    """A type a code-string call declares (snippet `(expr)`), through `check_declared_type`."""

    def compute() -> list[Diagnostic]:
        rules = _with_hook(dispatch_for(settings)[1], "check_declared_type")
        if not rules:
            return []
        module = parse(text, settings.max_units)
        if isinstance(module, ParseFailure) or not module.body:
            return []
        statement = module.body[0]
        if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(statement.body[0], cst.Expr):
            return []  # pragma: no cover - "(expr)" is an expression statement
        expression = statement.body[0].value
        ctx = Context(UnitInfo("host"), settings)
        for rule in rules:
            rule.check_declared_type(what, expression, ctx)
        return run_units(module, text, [Unit(None, ctx)], settings)

    return _cached(("declared", what, text, settings), compute)


def _declared_into_host(diagnostics: Sequence[Diagnostic], declared: DeclaredType) -> list[Diagnostic]:
    """Snippet `(expr)` positions in the host: line 1 starts one column left of the expression."""

    def position(line: int, column: int) -> tuple[int, int]:
        if line == 1:
            return declared.line, declared.column + column - 2
        return declared.line + line - 1, column

    out = []
    for d in diagnostics:
        line, column = position(d.line, d.column)
        end_line, end_column = position(d.end_line, d.end_column)
        out.append(replace(d, line=line, column=column, end_line=end_line, end_column=end_column, fix=None))
    return out


def _code_string_diagnostics(
    text: str, interface: Interface | None, host_globals: frozenset[str], settings: Settings, keys: _KeyParts
) -> tuple[Diagnostic, ...]:
    def compute() -> list[Diagnostic]:
        # The host file's own scan already ran the whole-text rules.
        prepared = prepare(text, settings, text_rules=False)
        inner = prepared.module
        if inner is None:
            return prepared.found
        info = UnitInfo("code-string", interface, host_globals, is_async_module="await" in text and has_top_level_await(inner))
        return prepared.found + run_units(inner, text, [Unit(inner, Context(info, settings))], settings)

    return _cached(("code-string", text, keys.interface(interface), keys.digest(host_globals), settings), compute)


def _map_into_host(diagnostics: list[Diagnostic], code: CodeString) -> list[Diagnostic]:
    """Positions inside a code string's text, as positions in the host file.

    A position in the dedented text is an offset in the string's value, which
    falls in one of its literals: exact when that literal has no escapes
    (its value is its source), else the literal's first character. Fixes are
    kept only when all their edits map exactly and insert no line break.
    """
    value_lines = LineIndex(code.value)
    lines_of: dict[int, LineIndex] = {}

    def position(line: int, column: int) -> tuple[int, int, bool]:
        index = line - 1
        removed = code.removed_indent[index] if index < len(code.removed_indent) else 0
        offset = value_lines.offset(line, column + removed)
        piece = code.pieces[-1]
        for candidate in code.pieces:
            if offset < candidate.offset + candidate.length or candidate is code.pieces[-1]:
                piece = candidate
                break
        if not piece.exact:
            return piece.line, piece.column, False
        inner = lines_of.get(id(piece))
        if inner is None:
            inner = lines_of[id(piece)] = LineIndex(piece.value)
        at = min(max(offset - piece.offset, 0), piece.length)
        inner_line, inner_column = inner.position(at)
        if inner_line == 1:
            return piece.line, piece.column + inner_column - 1, True
        return piece.line + inner_line - 1, inner_column, True

    mapped: list[Diagnostic] = []
    for d in diagnostics:
        new_line, new_column, _ = position(d.line, d.column)
        end_line, end_column, _ = position(d.end_line, d.end_column)
        fix = d.fix
        if fix is not None:
            edits: list[Edit] = []
            for e in fix.edits:
                a_line, a_column, a_exact = position(e.line, e.column)
                b_line, b_column, b_exact = position(e.end_line, e.end_column)
                if not (a_exact and b_exact) or "\n" in e.content:
                    edits = []
                    break  # re-indenting inside a string literal is not exact
                edits.append(Edit(a_line, a_column, b_line, b_column, e.content))
            fix = Fix(fix.message, fix.applicability, tuple(edits)) if edits else None
        mapped.append(replace(d, line=new_line, column=new_column, end_line=end_line, end_column=end_column, fix=fix))
    return mapped
