"""The checker's pure core: source text + interface + settings → diagnostics.

No I/O, no printing, no global state beyond caches of pure results. The CLI,
the flake8 plugin, the language server and the runtime gate all call `check`
(script mode) or `check_host` (host files); none re-implements a rule.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .diagnostics import Diagnostic, Edit, Fix
from .engine import Context, DepthExceeded, Dispatch, Finding, children, walk
from .interface import Interface
from .lines import split_lines
from .parsing import ParseFailure, big_stack, parse
from .rules import RULES_BY_CODE, rule_instances
from .rules.base import Rule
from .rules.sbx199_unsupported_syntax import UnsupportedSyntax
from .rules.sbx205_bidi_control_character import scan_invisible
from .settings import Settings

DEFAULT_SETTINGS = Settings()
_CACHE_SIZE = 512

PositionMap = Callable[[int, int], tuple[int, int]]


def _identity(line: int, column: int) -> tuple[int, int]:
    return line, column


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[object, tuple[Diagnostic, ...]] = OrderedDict()

    def get(self, key: object) -> tuple[Diagnostic, ...] | None:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: object, value: tuple[Diagnostic, ...]) -> None:
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)


_cache = _LRU(_CACHE_SIZE)
_dispatch_cache: dict[tuple[str, ...], tuple[Dispatch, list[Rule]]] = {}


def dispatch_for(settings: Settings) -> tuple[Dispatch, list[Rule]]:
    """Rules enabled by `settings` and their dispatch table (cached)."""
    enabled = tuple(code for code in RULES_BY_CODE if settings.enabled(code))
    cached = _dispatch_cache.get(enabled)
    if cached is None:
        rules = [rule for rule in rule_instances() if rule.code in enabled]
        cached = (Dispatch(rules, rule_instances()), rules)
        _dispatch_cache[enabled] = cached
    return cached


def meta_diagnostic(code: str, message: str, line: int = 1, column: int = 1, end_column: int | None = None) -> Diagnostic:
    rule = RULES_BY_CODE[code]
    return Diagnostic(code, rule.name, message, line, column, line, end_column if end_column is not None else column + 1)


def _too_large(source: str, settings: Settings) -> Diagnostic | None:
    if len(source) * 4 <= settings.max_bytes:
        return None
    size = len(source.encode("utf-8", "surrogatepass"))
    if size <= settings.max_bytes:
        return None
    return meta_diagnostic(
        "SBX206",
        f"source is {size:,} bytes, over the limit of {settings.max_bytes:,}: split it into smaller programs",
    )


def _parse_failure_diagnostic(failure: ParseFailure, settings: Settings) -> Diagnostic:
    if failure.kind == "limit":
        return meta_diagnostic(
            "SBX206",
            f"nesting too deep to check ({failure.message}): flatten the expression into several assignments",
            failure.line,
            failure.column,
        )
    return meta_diagnostic("SBX900", f"syntax error: {failure.message}", failure.line, failure.column)


@dataclass
class Unit:
    """One piece of sandbox code inside a parsed module, checked with one context."""

    root: cst.CSTNode
    ctx: Context
    skip: frozenset[int] = frozenset()


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
    unsupported = UnsupportedSyntax()
    findings: list[Finding] = []
    for unit in units:
        try:
            walk(unit.root, unit.ctx, dispatch, unsupported, skip=unit.skip)
        except DepthExceeded as exc:
            return [_depth_diagnostic(module, exc, settings, position_map, positions or Positions(module))]
        for rule in rules:
            rule.finish(unit.ctx)
        findings.extend(
            finding for finding in unit.ctx.findings if settings.enabled(finding.rule.code)
        )
    if not findings:
        return []
    resolved = (positions or Positions(module)).get()
    if resolved is None:
        return [meta_diagnostic("SBX206", "nesting too deep to compute positions: flatten the code")]
    lines = split_lines(source)
    return [_to_diagnostic(finding, resolved, lines, position_map) for finding in findings]


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
    """SBX206 at the first node past the depth limit.

    Positions resolve on the big-stack thread with a raised recursion limit,
    which copes with anything CPython's parser let through; should that fail,
    the diagnostic falls back to the start of the enclosing top-level statement.
    """
    message = (
        f"code nested deeper than the limit of {settings.max_depth} levels: "
        "flatten it into helper functions or several assignments"
    )
    resolved = positions.get()
    rng = resolved.get(exc.node) if resolved is not None else None
    if rng is not None:
        line, column = position_map(rng.start.line, rng.start.column + 1)
        return meta_diagnostic("SBX206", message, line, column)
    line = 1
    statement = exc.statement
    if isinstance(statement, cst.BaseStatement) and any(stmt is statement for stmt in module.body):
        line = 1 + len(module.header)
        for stmt in module.body:
            if stmt is statement:
                line += len(stmt.leading_lines)
                break
            line += module.code_for_node(stmt).count("\n")
    mapped_line, mapped_column = position_map(line, 1)
    return meta_diagnostic("SBX206", message, mapped_line, mapped_column)


_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def noqa_lines(source: str) -> dict[int, frozenset[str] | None]:
    """Line → codes suppressed there (None: every code), from `# noqa` comments."""
    result: dict[int, frozenset[str] | None] = {}
    if "noqa" not in source.lower():
        return result
    for number, text in enumerate(split_lines(source), start=1):
        if "#" not in text:
            continue
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = None if codes is None else frozenset(re.split(r"[,\s]+", codes.upper().strip()))
    return result


def apply_noqa(source: str, diagnostics: list[Diagnostic], settings: Settings) -> list[Diagnostic]:
    if not settings.honor_noqa or not diagnostics:
        return diagnostics
    suppressed = noqa_lines(source)
    if not suppressed:
        return diagnostics
    kept = []
    for diagnostic in diagnostics:
        codes = suppressed.get(diagnostic.line, frozenset())
        if codes is None or (codes and any(diagnostic.code.startswith(code) for code in codes)):
            continue
        kept.append(diagnostic)
    return kept


def preflight(source: str, settings: Settings) -> tuple[list[Diagnostic], cst.Module | None]:
    """Size limit, invisible characters, parsing: (diagnostics so far, module or None)."""
    too_large = _too_large(source, settings)
    if too_large is not None:
        return [too_large], None
    found: list[Diagnostic] = []
    if settings.enabled("SBX205"):
        found.extend(scan_invisible(source))
    result = parse(source)
    if isinstance(result, ParseFailure):
        found.append(_parse_failure_diagnostic(result, settings))
        return found, None
    return found, result


def has_top_level_await(module: cst.Module) -> bool:
    """A script that awaits at module level runs as async code."""
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Await):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        stack.extend(children(node))
    return False


def check(
    source: str,
    *,
    interface: Interface | None = None,
    settings: Settings | None = None,
) -> list[Diagnostic]:
    """Check sandbox source in script mode. Never raises for any `str` input.

    With an `interface`, names and task calls are checked too (SBX401–SBX405).
    Results are cached by (source, interface, settings).
    """
    settings = settings or DEFAULT_SETTINGS
    if not isinstance(source, str):
        raise TypeError(f"check() takes source text (str), not {type(source).__name__}")
    key = ("script", source, interface, settings)
    cached = _cache.get(key)
    if cached is not None:
        return list(cached)
    diagnostics = _check_script(source, interface, settings)
    diagnostics = sorted(apply_noqa(source, diagnostics, settings), key=lambda d: d.sort_key)
    _cache.put(key, tuple(diagnostics))
    return diagnostics


def _check_script(source: str, interface: Interface | None, settings: Settings) -> list[Diagnostic]:
    found, module = preflight(source, settings)
    if module is None:
        return found
    ctx = Context(interface=interface, settings=settings, mode="script")
    ctx.async_module = "await" in source and has_top_level_await(module)
    return found + run_units(module, source, [Unit(module, ctx)], settings)


def check_host(source: str, *, settings: Settings | None = None, filename: str | None = None) -> list[Diagnostic]:
    """Check a host Python file: decorated orchestrators and code strings (SPEC §3)."""
    from .discovery import check_host_source

    settings = settings or DEFAULT_SETTINGS
    if not isinstance(source, str):
        raise TypeError(f"check_host() takes source text (str), not {type(source).__name__}")
    key = ("host", source, settings)
    cached = _cache.get(key)
    if cached is not None:
        return list(cached)
    diagnostics = check_host_source(source, settings)
    diagnostics = sorted(apply_noqa(source, diagnostics, settings), key=lambda d: d.sort_key)
    _cache.put(key, tuple(diagnostics))
    return diagnostics
