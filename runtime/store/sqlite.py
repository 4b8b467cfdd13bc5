"""The SQLite run store: the standard library's `sqlite3`, in WAL mode.

Addresses: a path (`runs.sqlite`, a `pathlib.Path`) or `sqlite:///abs/path`
(the path is everything after `sqlite://`), with an optional
`?synchronous=normal|full` (the default is `normal`, see docs/durability.md).

Several processes may share the file: WAL lets readers run beside the one
writer, every write is one short `BEGIN IMMEDIATE` transaction, and a writer
waits up to `busy_timeout_s` for the lock. Run ownership is a POSIX lock per
run id in the sidecar file `PATH-runlock` (`runtime/store/locks.py`).

While the store owns a run, its call events do not go through SQLite at all:
`record` appends them to the run's log (`runtime/store/runlog.py`, in the
directory `PATH-runlog/`) with one `os.write`, and the log is folded into the
tables in one transaction when the run finishes, is released or taken over,
when the store closes, and whenever the log passes `runlog.MAX_EVENTS` or
`runlog.MAX_BYTES`. A fold commits first and deletes the log after, so a
crash between the two only applies the same events again, which changes
nothing. `calls` merges a live run's log over its rows.

Checkpoints (copying the WAL back into the database, with its sync) run on a
thread of the store's own, every `CHECKPOINT_EVERY` commits, instead of inside
whichever commit crossed SQLite's threshold: a commit then costs one WAL
append, not now and then a sync of the whole file in the middle of a run.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, unquote

from .base import (
    FINISH_CALL,
    INSERT_CALL,
    SCHEMA,
    SELECT_SCHEMA_VERSION,
    RunStore,
    StoreConflict,
    check_schema_version,
    clean_text,
    end_params,
    start_params,
)
from .locks import RunLocks
from .records import CallAttempt, CallEnd, CallEvent, CallStart, RunHeader, RunState, StoreError
from .runlog import LogDirectory, RunLog, merge_calls

SYNCHRONOUS_MODES = ("normal", "full")
CHECKPOINT_EVERY = 200

# Folding a run log: every statement may meet an event already applied (a
# fold that committed and died before deleting its log) and then changes nothing.
FOLD_START = INSERT_CALL + " ON CONFLICT (run_id, seq, attempt) DO NOTHING"
FOLD_CALL = (  # a start and its end, both in the log: one row written once
    "INSERT INTO sbx_calls (run_id, seq, attempt, call_key, task, args, started_at, finished_at, ok, value, "
    "error_type, error_text, replayed, cached, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id, seq, attempt) DO UPDATE SET finished_at = excluded.finished_at, ok = excluded.ok, "
    "value = excluded.value, error_type = excluded.error_type, error_text = excluded.error_text, "
    "replayed = excluded.replayed, cached = excluded.cached WHERE sbx_calls.finished_at IS NULL"
)
FOLD_END = FINISH_CALL
SELECT_STATUS = "SELECT status FROM sbx_runs WHERE run_id = ?"


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
        self._logs: dict[str, RunLog] = {}
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
            self._runlog = LogDirectory(_log_directory(path), _trusted_uids(path), sync=mode == "full")
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

    def _execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            try:
                self._conn.executemany(sql, rows)
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

    # ---------------------------------------------------------------- run logs

    def open_run(self, header: RunHeader) -> RunState:
        with self._mutex:  # no write of another thread between the takeover and its log
            state = super().open_run(header)
            if state.owned:
                self._logs[state.run.run_id] = RunLog(self._runlog, state.run.run_id, state.calls)
            return state

    def record(self, run_id: str, *events: CallEvent) -> None:
        """Append the events to the run's log with one write (see the module
        docstring); in the file, so durable against a crash of this process,
        when this returns."""
        with self._mutex:
            log = self._logs.get(run_id)
            if log is None:  # not owned (an owned run always has its log): the same error as elsewhere
                self._check_owned(run_id)
                super().record(run_id, *events)
                return
            if not events:
                return
            log.append(events)
            if log.due():
                with self._transaction():
                    token = self._fold_log(run_id)
                self._log_folded(token)

    def release(self, run_id: str) -> None:
        """Fold the run's log (if that fails, it stays: durable, read by
        readers, folded by the next owner) and give the run up."""
        with self._mutex:
            log = self._logs.get(run_id)
            if log is not None:
                try:
                    if log.pending or log.fd is not None:
                        with self._transaction():
                            token = self._fold_log(run_id)
                        self._log_folded(token)
                except StoreError:
                    pass
                finally:
                    del self._logs[run_id]
                    log.close()
            super().release(run_id)

    def calls(self, run_id: str) -> tuple[CallAttempt, ...]:
        """Every recorded attempt: the rows, and over them a live run's log.
        The log is read before the rows, so a fold that commits in between
        (another process owns the run) hides nothing."""
        with self._mutex:
            self._check_open()
            log = self._logs.get(run_id)
            if log is not None:  # ours: the events not yet folded are in memory
                return merge_calls(run_id, super().calls(run_id), log.pending)
            status = self._fetch(SELECT_STATUS, (run_id,))
            if not status or status[0][0] != "running":
                return super().calls(run_id)  # a finished run's log was folded with its outcome
            contents = self._runlog.read(run_id)
            rows = super().calls(run_id)
            return merge_calls(run_id, rows, contents.events) if contents is not None else rows

    def _fold_log(self, run_id: str, *, known: bool = True) -> object:
        log = self._logs.get(run_id)
        if log is not None:
            events: Sequence[CallEvent] = log.pending
        else:  # taking the run over (or finding it) under its lock: a dead owner's log, if any
            contents = self._runlog.read(run_id)
            if contents is None:
                return None
            events = contents.events
        if known:
            self._apply(run_id, events)
        return run_id

    def _log_folded(self, token: object) -> None:
        if token is None:
            return
        run_id = str(token)
        log = self._logs.get(run_id)
        if log is not None:
            log.folded()
        else:
            self._runlog.remove(run_id)

    def _apply(self, run_id: str, events: Sequence[CallEvent]) -> None:
        """The log's events as rows: an attempt whose start and end are both
        there is inserted complete, in one statement (an end follows its start)."""
        starts: dict[tuple[int, int], CallStart] = {}
        whole: list[tuple[Any, ...]] = []
        finish: list[tuple[Any, ...]] = []
        for event in events:
            if type(event) is CallStart:
                starts[(event.seq, event.attempt)] = event
                continue
            assert isinstance(event, CallEnd)
            start = starts.pop((event.seq, event.attempt), None)
            if start is None:
                finish.append(end_params(run_id, event))
                continue
            error_type, error_text = event.error_type, event.error_text
            whole.append((
                run_id, start.seq, start.attempt, clean_text(start.call_key), clean_text(start.task), start.args,
                float(start.started_at), float(event.finished_at), bool(event.ok), event.value,
                None if error_type is None else clean_text(error_type), None if error_text is None else clean_text(error_text),
                bool(event.replayed), bool(event.cached), False,
            ))
        self._execute_many(FOLD_START, [start_params(run_id, start) for start in starts.values()])
        self._execute_many(FOLD_CALL, whole)
        self._execute_many(FOLD_END, finish)

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
        for log in self._logs.values():
            log.close()
        self._logs.clear()
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._conn.close()
        if self._locks is not None:
            self._locks.close()



def _log_directory(path: str) -> str:
    """`PATH-runlog` beside the database, its parent resolved (as the lock
    file's is) but never the directory itself: a symbolic link there is refused."""
    absolute = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute) + "-runlog")


def _trusted_uids(path: str) -> frozenset[int]:
    """Who may own a run log: this user, and the owner of the database."""
    uids = {os.geteuid()} if hasattr(os, "geteuid") else set()
    try:
        uids.add(os.stat(path).st_uid)
    except OSError:
        pass
    return frozenset(uids)
