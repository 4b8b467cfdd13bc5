"""The SQLite run store: the standard library's `sqlite3`, in WAL mode.

Addresses: a path (`runs.sqlite`, a `pathlib.Path`) or `sqlite:///abs/path`
(the path is everything after `sqlite://`), with an optional
`?synchronous=normal|full` (the default is `normal`, see docs/durability.md).

Several processes may share the file: WAL lets readers run beside the one
writer, every write is one short `BEGIN IMMEDIATE` transaction, and a writer
waits up to `busy_timeout_s` for the lock. Run ownership is a POSIX lock per
run id in the sidecar file `PATH-runlock` (`runtime/store/locks.py`).

Checkpoints (copying the WAL back into the database, with its sync) run on a
thread of the store's own, every `CHECKPOINT_EVERY` commits, instead of inside
whichever commit crossed SQLite's threshold: a journal write then costs one
WAL append, not now and then a sync of the whole file in the middle of a run.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, unquote

from .base import SCHEMA, SELECT_SCHEMA_VERSION, RunStore, StoreConflict, check_schema_version
from .locks import RunLocks
from .records import StoreError

SYNCHRONOUS_MODES = ("normal", "full")
CHECKPOINT_EVERY = 200


class _Checkpointer:
    """A daemon thread that runs passive WAL checkpoints when poked."""

    def __init__(self, path: str, busy_timeout_s: float) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self.wake = threading.Event()
        self.stopping = False
        self.thread: threading.Thread | None = None

    def poke(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="sandbox-store-checkpoint", daemon=True)
            self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while True:
                self.wake.wait()
                self.wake.clear()
                if self.stopping:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # busy with another process's checkpoint: the next poke tries again
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


def parse_sqlite_url(url: str | os.PathLike[str]) -> tuple[str, dict[str, str]]:
    """The file path and the query options of a SQLite store address."""
    if isinstance(url, os.PathLike):
        return os.fspath(url), {}
    if "://" not in url:
        return url, {}
    rest = url.split("://", 1)[1]
    path, _, query = rest.partition("?")
    if not path.startswith("/"):
        raise StoreError(f"a SQLite URL names an absolute path: sqlite:///abs/path.sqlite (got {url!r}; a plain relative path works too)")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - {"synchronous"})
    if unknown:
        raise StoreError(f"unknown SQLite store option(s) {', '.join(unknown)} in {url!r} (known: synchronous)")
    return unquote(path), options


class SQLiteRunStore(RunStore, schemes=("sqlite",)):
    """A run store in one SQLite file (see the module docstring)."""

    def __init__(
        self,
        url: str | os.PathLike[str],
        *,
        create: bool = True,
        synchronous: str | None = None,
        busy_timeout_s: float = 10.0,
    ) -> None:
        super().__init__(url)
        path, options = parse_sqlite_url(url)
        mode = (synchronous or options.get("synchronous") or "normal").lower()
        if mode not in SYNCHRONOUS_MODES:
            raise StoreError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, got {mode!r}")
        self.path = path
        self.url = path
        self.synchronous = mode
        self._in_transaction = False
        self._locks: RunLocks | None = None
        self._commits = 0
        self._checkpointer: _Checkpointer | None = None
        if not path or path == ":memory:":
            raise StoreError("a SQLite run store needs a file path (several processes share it)")
        if not create and not os.path.isfile(path):
            raise StoreError(f"no run store at {path}: the file does not exist")
        if create and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise StoreError(f"cannot create the run store {path}: its directory does not exist")
        try:
            self._conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the SQLite store {path}: {exc}") from None
        try:
            self._fetch(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._fetch(f"PRAGMA synchronous = {mode.upper()}")
            if create:
                self._fetch("PRAGMA wal_autocheckpoint = 0")  # ours run on a thread (see the module docstring)
                self._checkpointer = _Checkpointer(path, busy_timeout_s)
                journal = self._fetch("PRAGMA journal_mode = WAL")[0][0]
                if str(journal).lower() != "wal":
                    raise StoreError(f"cannot use WAL mode for {path} (got {journal!r}); is it on a network file system?")
                with self._transaction():
                    for statement in SCHEMA:
                        if "TABLE IF NOT EXISTS sbx_calls" in statement:
                            # One b-tree keyed by (run_id, seq, attempt) instead of a rowid table
                            # plus its key index: fewer pages per commit (~25% cheaper).
                            statement += " WITHOUT ROWID"
                        self._execute(statement)
            try:
                rows = self._fetch(SELECT_SCHEMA_VERSION)
            except StoreError:
                rows = []
            check_schema_version(rows, path)
        except BaseException:
            self._conn.close()
            raise

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            changed = self._conn.execute(sql, params).rowcount
            if not self._in_transaction and sql != "BEGIN IMMEDIATE":
                self._committed()
            return changed
        except sqlite3.IntegrityError as exc:
            raise StoreConflict(f"SQLite store {self.path}: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from None

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._in_transaction:
            yield
            return
        # IMMEDIATE takes the write lock up front: a deferred transaction that
        # reads first cannot wait for it later (SQLITE_BUSY_SNAPSHOT in WAL).
        self._execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
            self._in_transaction = False
            self._execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False

    def _run_locks(self, create: bool) -> RunLocks | None:
        if self._locks is None:
            lock_path = self.path + "-runlock"
            if not create and not os.path.exists(lock_path):
                return None
            self._locks = RunLocks(lock_path)
        return self._locks

    def _lock_run(self, run_id: str) -> bool:
        locks = self._run_locks(create=True)
        assert locks is not None
        return locks.acquire(run_id)

    def _unlock_run(self, run_id: str) -> None:
        if self._locks is not None:
            self._locks.release(run_id)

    def _run_locked(self, run_id: str) -> bool:
        locks = self._run_locks(create=False)
        return locks is not None and locks.is_held(run_id)

    def _committed(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and self._checkpointer is not None:
            self._checkpointer.poke()

    def _close_connection(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._conn.close()
        if self._locks is not None:
            self._locks.close()

