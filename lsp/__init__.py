"""The sandbox-lint language server: the checker's findings, fixes and rule docs in editors.

Start it with `python -m lsp` or `sandbox-lint lsp` (stdio; `--tcp HOST:PORT`).
See docs/lsp.md for the settings and editor setup.
"""

from .server import create_server, main

__all__ = ["create_server", "main"]
