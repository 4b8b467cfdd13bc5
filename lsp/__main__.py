"""`python -m lsp [--tcp HOST:PORT] [--config PYPROJECT] [--verbose]`

`python -m` puts the working folder first on `sys.path`, so a workspace's own
`sandbox_lint.py` or `runtime.py` would shadow the server's packages (Python
3.11's `PYTHONSAFEPATH` prevents that; 3.10 ignores it). Unless the server
itself was loaded from the working folder (a source checkout), that entry is
dropped before anything else is imported. (A workspace `lsp.py` is found
before this file can run: editors start the server through the bundled
launcher or `sandbox-lint lsp`, see docs/lsp.md.)
"""

import os
import sys

_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_cwd = os.getcwd()
if os.path.normcase(_here) != os.path.normcase(_cwd):
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.normcase(os.path.abspath(p)) != os.path.normcase(_cwd)]

from lsp.server import main  # noqa: E402

sys.exit(main())
