"""Session-wide: the gate's on-disk verdicts (runtime/verdicts.py) go to a
directory of this test session, never the user's ~/.cache, and every
subprocess a test starts inherits it."""

from __future__ import annotations

import os
import tempfile

_VERDICTS = tempfile.mkdtemp(prefix="sandbox-lint-test-cache-")
os.environ["SANDBOX_LINT_CACHE_DIR"] = _VERDICTS


def pytest_unconfigure(config: object) -> None:
    import shutil

    shutil.rmtree(_VERDICTS, ignore_errors=True)
