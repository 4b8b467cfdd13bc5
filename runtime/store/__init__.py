"""The run store: the journal of durable runs and the task cache (docs/durability.md).

    store = RunStore("runs.sqlite")                        # SQLite, the embedded default
    store = RunStore("postgresql://user@host:5432/db")     # PostgreSQL, shared by hosts

The seam that runs task calls writes through `open_run`, `call_started` /
`call_finished` (or `record` for several at once) and `finish_run`; readers
use `get_run`, `list_runs`, `calls` and `is_live`; the cache is `cache_get` /
`cache_put`. Values are `runtime.codec` text.
"""

from __future__ import annotations

from .base import SCHEMA_VERSION, RunStore, store_scheme
from .postgres import PostgresRunStore
from .records import (
    CallAttempt,
    CallEnd,
    CallEvent,
    CallStart,
    CallState,
    RunBusyError,
    RunHeader,
    RunRecord,
    RunState,
    RunStatus,
    StoreError,
)
from .sqlite import SQLiteRunStore

__all__ = [
    "SCHEMA_VERSION", "CallAttempt", "CallEnd", "CallEvent", "CallStart", "CallState", "PostgresRunStore",
    "RunBusyError", "RunHeader", "RunRecord", "RunState", "RunStatus", "RunStore", "SQLiteRunStore",
    "StoreError", "store_scheme",
]
