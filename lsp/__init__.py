"""The sandbox-lint language server: the checker's findings, fixes and rule docs in editors.

Start it with `python -m lsp` or `sandbox-lint lsp` (stdio; `--tcp HOST:PORT`).
See docs/lsp.md for the settings and editor setup.

Importing the package imports nothing else, so `python -m lsp` can clean
`sys.path` (`__main__.py`) before the checker is imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_server", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module 'lsp' has no attribute {name!r}")
