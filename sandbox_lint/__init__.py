"""sandbox-lint: check Python orchestration code against the sandbox language.

    >>> from sandbox_lint import check
    >>> [d.code for d in check("import os")]
    ['SBX101']

The names below load on first use, so `import sandbox_lint.interface` (what
the runtime needs to start) does not pay for the checker and libcst.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checker import check, check_host
    from .diagnostics import Diagnostic, Edit, Fix
    from .interface import InputDecl, Interface, Param, TaskSignature, parse_stub, render_stub
    from .settings import Settings

_HOMES = {
    "check": "checker",
    "check_host": "checker",
    "Diagnostic": "diagnostics",
    "Edit": "diagnostics",
    "Fix": "diagnostics",
    "Interface": "interface",
    "InputDecl": "interface",
    "Param": "interface",
    "TaskSignature": "interface",
    "parse_stub": "interface",
    "render_stub": "interface",
    "Settings": "settings",
}

__all__ = [
    "check",
    "check_host",
    "Diagnostic",
    "Edit",
    "Fix",
    "Interface",
    "InputDecl",
    "Param",
    "TaskSignature",
    "Settings",
    "parse_stub",
    "render_stub",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sandbox_lint' has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
