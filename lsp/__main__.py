"""`python -m lsp [--tcp HOST:PORT] [--config PYPROJECT] [--verbose]`"""

import sys

from .server import main

sys.exit(main())
