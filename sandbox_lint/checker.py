"""The checker's façade: source text + interface + settings → diagnostics.

No I/O, no printing, no global state beyond caches of pure results. The CLI,
the flake8 plugin, the language server and the runtime gate all call `check`
(script mode) or `check_host` (host files); none re-implements a rule. This
module validates input, caches verdicts and applies `# noqa` (and the rules
about `# noqa` comments); `discovery.py` finds sandbox code in host files and
`pipeline.py` checks it. `check_report` / `check_host_report` also say how
much sandbox code was checked (`Coverage`), so a clean report is never
mistaken for "nothing was found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import discovery, pipeline
from .caches import DIAGNOSTIC_COST, BoundedCache
from .gc_pause import paused
from .diagnostics import Diagnostic
from .interface import Interface
from .rules import RULES_BY_CODE
from .settings import Settings
from .suppressions import noqa_lines, suppress
from .units import Coverage, HostFile

DEFAULT_SETTINGS = Settings()

__all__ = ["Coverage", "Report", "check", "check_host", "check_host_report", "check_report", "clear_caches", "noqa_lines"]


@dataclass(frozen=True)
class Report:
    """A check's diagnostics (sorted, `# noqa` applied) and what it covered."""

    diagnostics: tuple[Diagnostic, ...]
    coverage: Coverage


_cache: BoundedCache[tuple[object, ...], Report] = BoundedCache(
    512, 64_000_000, lambda key, report: len(str(key[1])) + DIAGNOSTIC_COST * len(report.diagnostics)
)


def clear_caches() -> None:
    """Forget every cached verdict (the façade's and the pipeline's per-piece ones)."""
    _cache.clear()
    pipeline.clear_caches()


def _text(source: object, function: str) -> str:
    if not isinstance(source, str):
        raise TypeError(f"{function}() takes source text (str), not {type(source).__name__}")
    return source


def check_report(source: str, *, interface: Interface | None = None, settings: Settings | None = None) -> Report:
    """`check`, with what it covered."""
    settings = settings or DEFAULT_SETTINGS
    source = _text(source, "check")
    key = ("script", source, interface, settings)
    cached = _cache.get(key)
    if cached is None:
        with paused():
            found = pipeline.check_script(source, interface, settings)
        cached = Report(_finish(source, found, settings, lambda line: True), Coverage(scripts=1))
        _cache.put(key, cached)
    return cached


def check(source: str, *, interface: Interface | None = None, settings: Settings | None = None) -> list[Diagnostic]:
    """Check sandbox source in script mode. Never raises for any `str` input.

    With an `interface`, names and task calls are checked too (SBX401–SBX405).
    Results are cached by (source, interface, settings).
    """
    return list(check_report(source, interface=interface, settings=settings).diagnostics)


def check_host_report(source: str, *, settings: Settings | None = None) -> Report:
    """`check_host`, with what it covered."""
    settings = settings or DEFAULT_SETTINGS
    source = _text(source, "check_host")
    key = ("host", source, settings)
    cached = _cache.get(key)
    if cached is None:
        if not discovery.may_hold_sandbox_code(source):
            cached = Report((), Coverage(script_like=_reads_like_a_script(source)))
        else:
            with paused():
                found, host = pipeline.check_host_source(source, settings)
            lines = _enforced_lines(host) if host is not None else frozenset()
            cached = Report(_finish(source, found, settings, lines.__contains__), _coverage(host))
        _cache.put(key, cached)
    return cached


def check_host(source: str, *, settings: Settings | None = None) -> list[Diagnostic]:
    """Check a host Python file: decorated orchestrators and code strings (SPEC §3)."""
    return list(check_host_report(source, settings=settings).diagnostics)


# ---------------------------------------------------------------- coverage


def _coverage(host: HostFile | None) -> Coverage:
    if host is None:
        return Coverage()
    return Coverage(
        orchestrators=len(host.orchestrators),
        code_strings=sum(1 for call in host.code_string_calls if call.code is not None),
        dynamic=len(host.dynamic),
        tasks=len(host.task_defs),
    )


# Statements at module level that only a script has: loops, branches (not the
# `__main__` guard), expression statements, augmented assignments, awaits.
_SCRIPT_LINE = re.compile(
    r"^(?:for |while |async |await |if (?!__name__)|try:|with |return |print\(|[A-Za-z_][\w.]*\s*(?:[-+*/%|&^@]|//|\*\*)=)",
    re.MULTILINE,
)


def _reads_like_a_script(source: str) -> bool:
    """A cheap look (no parse) at whether a file with no sandbox code is a script."""
    return _SCRIPT_LINE.search(source) is not None


def _enforced_lines(host: HostFile) -> frozenset[int]:
    """Host lines the runtime checks whatever `# noqa` says: sandbox code (orchestrators,
    code strings) and what the runtime validates when it is defined (task and code-string
    signatures)."""
    lines: set[int] = set()
    for orchestrator in host.orchestrators:
        snippet = orchestrator.snippet
        first = 2 if snippet.wrapped else 1
        count = snippet.text.count("\n")
        lines.update(range(snippet.line_offset + first, snippet.line_offset + count + 1))
    for task in host.task_defs:
        header = task.header
        first = 2 if header.wrapped else 1
        lines.update(range(header.line_offset + first, header.line_offset + header.text.count("\n")))
    for call in host.code_string_calls:
        for declared in call.declared:
            lines.update(range(declared.line, declared.line + declared.snippet.text.count("\n")))
        for piece in call.code.pieces if call.code is not None else ():
            lines.update(range(piece.line, piece.line + piece.value.count("\n") + 1))
    return frozenset(lines)


# ---------------------------------------------------------------- noqa


def _enforced_rule(code: str) -> bool:
    rule = RULES_BY_CODE.get(code)
    return rule is not None and rule.enforced_at_runtime


def _finish(source: str, found: list[Diagnostic], settings: Settings, enforced: object) -> tuple[Diagnostic, ...]:
    """Apply `# noqa`, add the findings about the comments themselves, sort."""
    if not settings.honor_noqa:
        return tuple(sorted(found, key=lambda d: d.sort_key))
    assert callable(enforced)
    judges = pipeline.rules_with_hook(settings, "check_noqa")
    own = [rule.code for rule in judges]
    kept, suppressions = suppress(source, found, list(RULES_BY_CODE), enforced, _enforced_rule, own)
    for rule in judges:
        for suppression in suppressions:
            for finding in rule.check_noqa(suppression):
                kept.append(Diagnostic(
                    rule.code, rule.name, finding.message, finding.line, finding.column, finding.end_line, finding.end_column
                ))
    return tuple(sorted(kept, key=lambda d: d.sort_key))
