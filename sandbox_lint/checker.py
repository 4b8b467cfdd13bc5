"""The checker's façade: source text + interface + settings → diagnostics.

No I/O, no printing, no global state beyond caches of pure results. The CLI,
the flake8 plugin, the language server and the runtime gate all call `check`
(script mode) or `check_host` (host files); none re-implements a rule. This
module validates input, caches verdicts and applies `# noqa`; `discovery.py`
finds sandbox code in host files and `pipeline.py` checks it.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from . import discovery, pipeline
from .diagnostics import Diagnostic
from .interface import Interface
from .lines import split_lines
from .settings import Settings

DEFAULT_SETTINGS = Settings()
_CACHE_SIZE = 512


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


def clear_caches() -> None:
    """Forget every cached verdict (the façade's and the pipeline's per-piece ones)."""
    _cache.data.clear()
    pipeline.clear_caches()


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
    diagnostics = pipeline.check_script(source, interface, settings)
    diagnostics = sorted(apply_noqa(source, diagnostics, settings), key=lambda d: d.sort_key)
    _cache.put(key, tuple(diagnostics))
    return diagnostics


def check_host(source: str, *, settings: Settings | None = None) -> list[Diagnostic]:
    """Check a host Python file: decorated orchestrators and code strings (SPEC §3)."""
    settings = settings or DEFAULT_SETTINGS
    if not isinstance(source, str):
        raise TypeError(f"check_host() takes source text (str), not {type(source).__name__}")
    key = ("host", source, settings)
    cached = _cache.get(key)
    if cached is not None:
        return list(cached)
    diagnostics = _check_host(source, settings)
    diagnostics = sorted(apply_noqa(source, diagnostics, settings), key=lambda d: d.sort_key)
    _cache.put(key, tuple(diagnostics))
    return diagnostics


def _check_host(source: str, settings: Settings) -> list[Diagnostic]:
    if not discovery.may_hold_sandbox_code(source):
        return []
    return pipeline.check_host_source(source, settings)
