"""Editor settings: what clients send, validated, and the severities they choose.

The same JSON object arrives as `initializationOptions`, as the answer to a
`workspace/configuration` request for section `sandbox-lint`, and inside
`workspace/didChangeConfiguration` as `{"settings": {"sandbox-lint": {...}}}`
(the shape `vscode-extension/src/settings.ts` sends):

    {"enable": true, "severity": {"SBX103": "warning"}, "select": [], "ignore": [], "debounce": 150}

`debounce` (milliseconds) is read by the server only; the VS Code extension
does not send it. The settings that say how to start the server
(`CLIENT_SETTINGS`: `args`, `interpreter`, `path`, ...) belong to the client;
the server accepts them in the same object and ignores them. Invalid values
are ignored with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from lsprotocol import types

from sandbox_lint.config import ConfigError, validate_codes
from sandbox_lint.rules import RULES_BY_CODE

SECTION = "sandbox-lint"
DEFAULT_DEBOUNCE_MS = 150
MAX_DEBOUNCE_MS = 10_000

LEVELS: dict[str, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}

# A rule's default severity is its own (`Rule.severity`): security rules and
# syntax errors are errors, SBX603's note about `# noqa` is information, the
# rest are warnings. Users override per code or prefix with `severity`.

# Settings a client reads to start the server; they may arrive with the others.
CLIENT_SETTINGS = frozenset({"args", "interpreter", "path", "importStrategy", "showNotifications", "trace"})


@dataclass(frozen=True)
class EditorSettings:
    """The settings of one editor session (window-wide)."""

    enable: bool = True
    severity: tuple[tuple[str, str], ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    debounce_ms: int = DEFAULT_DEBOUNCE_MS

    def severity_of(self, code: str) -> types.DiagnosticSeverity:
        """The longest matching prefix in `severity` wins; else the default for the code."""
        best = max((prefix for prefix, _ in self.severity if code.startswith(prefix)), key=len, default=None)
        if best is not None:
            return LEVELS[dict(self.severity)[best]]
        rule = RULES_BY_CODE.get(code)
        return LEVELS[rule.severity] if rule is not None else types.DiagnosticSeverity.Warning


def parse(raw: object, base: EditorSettings, origin: str) -> tuple[EditorSettings, list[str]]:
    """Overlay the keys present in `raw` on `base`. Returns (settings, problems).

    `None` (a client without settings) leaves `base` unchanged.
    """
    problems: list[str] = []
    if raw is None:
        return base, problems
    if not isinstance(raw, Mapping):
        return base, [f"{origin}: expected an object of sandbox-lint settings, got {_describe(raw)}"]
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key == "enable":
            if isinstance(value, bool):
                changes["enable"] = value
            else:
                problems.append(f"{origin}: `enable` must be true or false, got {_describe(value)}")
        elif key == "severity":
            changes["severity"] = _severity(value, origin, problems)
        elif key in ("select", "ignore"):
            codes = _strings(value, key, origin, problems)
            changes[key] = tuple(code.upper() for code in codes if _valid_code(code, key, origin, problems))
        elif key in CLIENT_SETTINGS:
            continue  # how the client starts the server: not the server's to read
        elif key == "debounce":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DEBOUNCE_MS:
                changes["debounce_ms"] = int(value)
            else:
                problems.append(
                    f"{origin}: `debounce` must be a number of milliseconds from 0 to {MAX_DEBOUNCE_MS}, "
                    f"got {_describe(value)}"
                )
        else:
            problems.append(
                f"{origin}: unknown setting `{key}` ignored (known: enable, severity, select, ignore, debounce)"
            )
    return replace(base, **changes), problems


def _strings(value: object, key: str, origin: str, problems: list[str]) -> list[str]:
    if isinstance(value, str):
        value = [value]  # a lone string is a common slip for a one-element list
    if not isinstance(value, list):
        problems.append(f"{origin}: `{key}` must be a list of strings, got {_describe(value)}")
        return []
    result = []
    for item in value:
        if isinstance(item, str) and item.strip():
            result.append(item.strip())
        else:
            problems.append(f"{origin}: `{key}`: ignored {_describe(item)}, expected a non-empty string")
    return result


def _valid_code(code: str, key: str, origin: str, problems: list[str]) -> bool:
    """A code or prefix of some rule (checked like `--select`, with a suggestion)."""
    try:
        validate_codes([code], f"{origin}: `{key}`")
    except ConfigError as error:
        problems.append(f"{error}: ignored")
        return False
    return True


def _severity(value: object, origin: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        problems.append(f"{origin}: `severity` must be an object of code -> level, got {_describe(value)}")
        return ()
    result: dict[str, str] = {}
    for code, level in value.items():
        key = str(code).strip().upper()
        if not _valid_code(key, "severity", origin, problems):
            continue
        if isinstance(level, str) and level.strip().lower() in LEVELS:
            result[key] = level.strip().lower()
        else:
            problems.append(
                f"{origin}: `severity`: ignored {key} = {_describe(level)}, expected one of {', '.join(LEVELS)}"
            )
    return tuple(sorted(result.items()))


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
