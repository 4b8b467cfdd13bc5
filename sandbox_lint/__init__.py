"""sandbox-lint: check Python orchestration code against the sandbox language.

    >>> from sandbox_lint import check
    >>> [d.code for d in check("import os")]
    ['SBX101']
"""

from .checker import check, check_host
from .diagnostics import Diagnostic, Edit, Fix
from .interface import InputDecl, Interface, Param, TaskSignature, parse_stub, render_stub
from .settings import Settings

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
