"""`runtime.io`: the handle types where Flyte users import them (`flyte.io`).

    import runtime.io
    def count_rows(f: runtime.io.File) -> int: ...

The very same classes as `runtime.File`, `runtime.Dir`, `runtime.DataFrame`
(see `handles.py`): a handle made from either name crosses the boundary.
"""

from __future__ import annotations

from .handles import DataFrame, Dir, File

__all__ = ["DataFrame", "Dir", "File"]
