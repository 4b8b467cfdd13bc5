"""`python -m sandbox_lint`: the same as the `sandbox-lint` command."""

import sys

from .cli import main

sys.exit(main())
