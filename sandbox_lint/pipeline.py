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

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .diagnostics import Diagnostic, Edit, Fix
from .engine import DepthExceeded, Dispatch, walk
from .interface import Interface
from .lines import LineIndex, split_lines
from .parsing import ParseFailure, big_stack, parse
from .rules import RULES_BY_CODE, rule_instances
from .rules.base import Context, Finding, Rule
from .settings import Settings
from .tree import has_top_level_await
from .units import CodeString, HostFile, UnitInfo, Unreadable

PositionMap = Callable[[int, int], tuple[int, int]]


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
    result = parse(source)
    if isinstance(result, ParseFailure):
        problem = Unreadable("parse-limit" if result.kind == "limit" else "syntax", result.line, result.column, result.message)
        found.append(unreadable(problem))
        return Prepared(found, None)
    return Prepared(found, result)


# ---------------------------------------------------------------- positions


class Positions:
    """Source positions of a module's nodes, computed at most once, on first need.

    PositionProvider costs about four parses, so it runs only when something
    is reported, and once per module however many units report.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._resolved: dict[cst.CSTNode, CodeRange] | None = None
        self._failed = False

    def get(self) -> dict[cst.CSTNode, CodeRange] | None:
        if self._resolved is None and not self._failed:
            self._resolved = resolve_positions(self.module)
            self._failed = self._resolved is None
        return self._resolved


def resolve_positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange] | None:
    """PositionProvider over the module, on the big-stack thread, RecursionError-safe."""

    def job() -> dict[cst.CSTNode, CodeRange] | None:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, 20_000))
        try:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            return dict(wrapper.resolve(PositionProvider))
        except (RecursionError, KeyError):
            # Past the recursion limit libcst's metadata visitor fails, and
            # sometimes surfaces that as a KeyError for a half-visited node.
            return None
        finally:
            sys.setrecursionlimit(previous)

    return big_stack.run(job)


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
    """Walk each unit, then turn findings into diagnostics (positions computed once, lazily).

    `source` is the text `module` was parsed from.
    """
    dispatch, rules = dispatch_for(settings)
    finishing = _with_hook(rules, "finish")
    positions = positions or Positions(module)
    findings: list[Finding] = []
    for unit in units:
        if unit.root is not None:
            try:
                walk(unit.root, unit.ctx, dispatch, skip=unit.skip)
            except DepthExceeded as exc:
                return [_depth_diagnostic(module, exc, settings, position_map, positions)]
            for rule in finishing:
                rule.finish(unit.ctx)
        findings.extend(finding for finding in unit.ctx.findings if finding.rule in rules)
    if not findings:
        return []
    resolved = positions.get()
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


def check_host_file(source: str, module: cst.Module, host: HostFile, settings: Settings) -> list[Diagnostic]:
    """The sandbox code a host file holds: its orchestrators, what it declares
    (the `check_host` hooks) and its code strings."""
    positions = Positions(module)
    rules = dispatch_for(settings)[1]
    host_globals = frozenset(host.globals)
    units: list[Unit] = []
    host_rules = _with_hook(rules, "check_host")
    if host_rules:
        ctx = Context(UnitInfo("host", Interface(tuple(host.tasks.values())), host_globals), settings)
        for rule in host_rules:
            rule.check_host(host, ctx)
        units.append(Unit(None, ctx))
    for orchestrator in host.orchestrators:
        info = UnitInfo(
            "orchestrator",
            Interface(tuple(host.tasks.values()), orchestrator.inputs, None),
            host_globals,
            declared=orchestrator.declared,
        )
        units.append(Unit(orchestrator.node, Context(info, settings), orchestrator.skip))
    diagnostics = run_units(module, source, units, settings, positions=positions) if units else []
    for call in host.code_string_calls:
        if call.code is not None:
            diagnostics.extend(_check_code_string(call.code, call.interface, host_globals, positions, settings))
    return diagnostics


def _check_code_string(
    code: CodeString,
    interface: Interface,
    host_globals: frozenset[str],
    positions: Positions,
    settings: Settings,
) -> list[Diagnostic]:
    # The host file's own scan already ran the whole-text rules.
    prepared = prepare(code.text, settings, text_rules=False)
    diagnostics = prepared.found
    inner = prepared.module
    if inner is not None:
        info = UnitInfo(
            "code-string", interface, host_globals, is_async_module="await" in code.text and has_top_level_await(inner)
        )
        diagnostics = diagnostics + run_units(inner, code.text, [Unit(inner, Context(info, settings))], settings)
    if not diagnostics:
        return []
    rng = (positions.get() or {}).get(code.literal)
    if rng is None:
        return []
    return _map_into_host(diagnostics, code, rng.start.line, rng.start.column + 1)


def _literal_content_start(literal: cst.BaseString, line: int, column: int) -> tuple[int, int]:
    """Line/column (1-based) of the first character of the string's content."""
    if isinstance(literal, cst.SimpleString):
        return line, column + len(literal.prefix) + len(literal.quote)
    return line, column


def _map_into_host(diagnostics: list[Diagnostic], code: CodeString, line: int, column: int) -> list[Diagnostic]:
    """Positions inside a code string, as positions in the host file.

    Exact for a plain string literal without escapes; otherwise every finding
    points at the start of the string, and fixes are dropped.
    """
    start_line, start_column = _literal_content_start(code.literal, line, column)
    exact = isinstance(code.literal, cst.SimpleString) and "\\" not in code.literal.value

    def position(inner_line: int, inner_column: int) -> tuple[int, int]:
        if not exact:
            return start_line, start_column
        index = inner_line - 1
        removed = code.removed_indent[index] if index < len(code.removed_indent) else 0
        raw_column = inner_column + removed
        if index == 0:
            return start_line, start_column + raw_column - 1
        return start_line + index, raw_column

    mapped: list[Diagnostic] = []
    for d in diagnostics:
        new_line, new_column = position(d.line, d.column)
        end_line, end_column = position(d.end_line, d.end_column)
        fix = d.fix
        if fix is not None:
            if exact and all("\n" not in e.content for e in fix.edits):
                edits = []
                for e in fix.edits:
                    a = position(e.line, e.column)
                    b = position(e.end_line, e.end_column)
                    edits.append(Edit(a[0], a[1], b[0], b[1], e.content))
                fix = Fix(fix.message, fix.applicability, tuple(edits))
            else:
                fix = None  # re-indenting inside a string literal is not exact
        mapped.append(replace(d, line=new_line, column=new_column, end_line=end_line, end_column=end_column, fix=fix))
    return mapped
