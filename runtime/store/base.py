"""`RunStore`: the journal of durable runs and the task cache, over SQL.

`RunStore(url)` picks the backend from the URL (see `runtime/store/__init__.py`);
this module holds what both backends share: the operations, their SQL, the
checks on what is written, and the rule that only the owner of a run writes
to it. A backend supplies the connection, transactions and run locks.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, ClassVar

from .records import (
    RUN_STATUSES,
    CallAttempt,
    CallEnd,
    CallEvent,
    CallStart,
    RunBusyError,
    RunHeader,
    RunRecord,
    RunState,
    RunStatus,
    StoreError,
)

SCHEMA_VERSION = 1
MAX_RUN_ID = 256

# One schema for both databases: SQLite reads DOUBLE PRECISION as REAL and
# BOOLEAN as 0/1 integers. Values are TEXT (never JSON/JSONB, which would not
# keep 1.0 apart from 1 or the order of keys).
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sbx_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS sbx_runs (
        run_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        inputs TEXT NOT NULL,
        runtime_version TEXT NOT NULL,
        monty_version TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error')),
        started_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
        result TEXT,
        error TEXT,
        resumes INTEGER NOT NULL DEFAULT 0,
        resumed_at DOUBLE PRECISION,
        owner TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS sbx_runs_by_start ON sbx_runs (started_at)",
    "CREATE INDEX IF NOT EXISTS sbx_runs_by_status ON sbx_runs (status, started_at)",
    """CREATE TABLE IF NOT EXISTS sbx_calls (
        run_id TEXT NOT NULL REFERENCES sbx_runs (run_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        call_key TEXT NOT NULL,
        task TEXT NOT NULL,
        args TEXT NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
        ok BOOLEAN,
        value TEXT,
        error_type TEXT,
        error_text TEXT,
        replayed BOOLEAN NOT NULL DEFAULT FALSE,
        cached BOOLEAN NOT NULL DEFAULT FALSE,
        interrupted BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (run_id, seq, attempt)
    )""",
    """CREATE TABLE IF NOT EXISTS sbx_cache (
        key TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        version TEXT NOT NULL,
        value TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    f"INSERT INTO sbx_meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING",
)
SELECT_SCHEMA_VERSION = "SELECT value FROM sbx_meta WHERE key = 'schema_version'"

_RUN_COLUMNS = (
    "run_id, name, code_hash, inputs, runtime_version, monty_version, trace_id, status, "
    "started_at, finished_at, result, error, resumes, resumed_at, owner"
)
_CALL_COLUMNS = (
    "run_id, seq, attempt, call_key, task, args, started_at, finished_at, ok, value, "
    "error_type, error_text, replayed, cached, interrupted"
)
SELECT_RUN = f"SELECT {_RUN_COLUMNS} FROM sbx_runs WHERE run_id = ?"
INSERT_RUN = (
    "INSERT INTO sbx_runs (run_id, name, code_hash, inputs, runtime_version, monty_version, trace_id, "
    "status, started_at, resumes, owner) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, 0, ?)"
)
TAKE_OVER_RUN = "UPDATE sbx_runs SET resumes = resumes + 1, resumed_at = ?, owner = ? WHERE run_id = ?"
MARK_INTERRUPTED = "UPDATE sbx_calls SET interrupted = ? WHERE run_id = ? AND finished_at IS NULL AND interrupted = ?"
SELECT_CALLS = f"SELECT {_CALL_COLUMNS} FROM sbx_calls WHERE run_id = ? ORDER BY seq, attempt"
INSERT_CALL = (
    "INSERT INTO sbx_calls (run_id, seq, attempt, call_key, task, args, started_at, replayed, cached, interrupted) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
FINISH_CALL = (
    "UPDATE sbx_calls SET finished_at = ?, ok = ?, value = ?, error_type = ?, error_text = ?, replayed = ?, cached = ? "
    "WHERE run_id = ? AND seq = ? AND attempt = ? AND finished_at IS NULL"
)
FINISH_RUN = (
    "UPDATE sbx_runs SET status = ?, result = ?, error = ?, finished_at = ? WHERE run_id = ? AND status = 'running'"
)
LIST_RUNS = f"SELECT {_RUN_COLUMNS} FROM sbx_runs ORDER BY started_at DESC, run_id LIMIT ?"
LIST_RUNS_BY_STATUS = f"SELECT {_RUN_COLUMNS} FROM sbx_runs WHERE status = ? ORDER BY started_at DESC, run_id LIMIT ?"
CACHE_GET = "SELECT value FROM sbx_cache WHERE key = ?"
CACHE_PUT = (
    "INSERT INTO sbx_cache (key, task, version, value, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, "
    "value = excluded.value, created_at = excluded.created_at"
)


def this_process() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def clean_text(text: str) -> str:
    """Free text (error messages, names) as both databases accept it: no NUL,
    no lone surrogates."""
    if text.isascii() and "\x00" not in text:
        return text  # the common case, without the copy `encode` makes
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def check_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not run_id:
        raise StoreError(f"a run id must be a non-empty string, got {run_id!r}")
    if len(run_id) > MAX_RUN_ID:
        raise StoreError(f"a run id must be at most {MAX_RUN_ID} characters, got {len(run_id)}")
    if not run_id.isprintable():
        raise StoreError(f"a run id must not contain control or invisible characters: {run_id!r}")
    return run_id


def _run_record(row: Sequence[Any]) -> RunRecord:
    return RunRecord(
        run_id=row[0], name=row[1], code_hash=row[2], inputs=row[3], runtime_version=row[4],
        monty_version=row[5], trace_id=row[6], status=row[7], started_at=float(row[8]),
        finished_at=None if row[9] is None else float(row[9]), result=row[10], error=row[11],
        resumes=int(row[12]), resumed_at=None if row[13] is None else float(row[13]), owner=row[14],
    )


_ATTEMPT_FIELDS = tuple(item.name for item in fields(CallAttempt))
_new = object.__new__


def _call_attempt(row: Sequence[Any]) -> CallAttempt:
    # A resume reads every attempt of its run: fill the frozen record's fields
    # directly (its generated __init__ costs 2-3x more per row).
    attempt: CallAttempt = _new(CallAttempt)
    attempt.__dict__.update(zip(_ATTEMPT_FIELDS, (
        row[0], int(row[1]), int(row[2]), row[3], row[4], row[5], float(row[6]),
        None if row[7] is None else float(row[7]), None if row[8] is None else bool(row[8]), row[9], row[10],
        row[11], bool(row[12]), bool(row[13]), bool(row[14]),
    )))
    return attempt


class RunStore:
    """The journal of durable runs and the task cache.

    `RunStore("runs.sqlite")`, `RunStore("sqlite:///abs/runs.sqlite")` or a
    `pathlib.Path`: SQLite. `RunStore("postgresql://user@host:5432/db")`:
    PostgreSQL (needs `psycopg`, extra `postgres`). `create=False` opens an
    existing store only (for readers such as `sandbox-lint runs`).

    A run has one owner at a time: `open_run` takes it (or raises
    `RunBusyError`), `finish_run` or `release` gives it back, and so does the
    death of the owning process, at once. Only the owner writes a run's
    journal. Every write is one short transaction, committed before the
    method returns. A store may be shared by the threads of one process.
    """

    _backends: ClassVar[dict[str, type[RunStore]]] = {}
    url: str
    """The store's address as shown to people (no password)."""

    def __init_subclass__(cls, schemes: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for scheme in schemes:
            RunStore._backends[scheme] = cls

    def __new__(cls, url: str | os.PathLike[str], **options: Any) -> RunStore:
        if cls is RunStore:
            backend = RunStore._backends.get(store_scheme(url))
            if backend is None:  # pragma: no cover - both backends are always registered
                raise StoreError(f"no backend for store {url!r}")
            return super().__new__(backend)
        return super().__new__(cls)

    def __init__(self, url: str | os.PathLike[str], **options: Any) -> None:
        self._mutex = threading.RLock()
        self._held: set[str] = set()
        self._owner = this_process()
        self._closed = False

    # ----------------------------------------------------------- backend hooks

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (in the open transaction, else on its own); rows changed."""
        raise NotImplementedError

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _transaction(self) -> Any:
        """A context manager: one write transaction, committed on exit."""
        raise NotImplementedError

    def _lock_run(self, run_id: str) -> bool:
        raise NotImplementedError

    def _unlock_run(self, run_id: str) -> None:
        raise NotImplementedError

    def _run_locked(self, run_id: str) -> bool:
        raise NotImplementedError

    def _close_connection(self) -> None:
        raise NotImplementedError

    def _fold_log(self, run_id: str, *, known: bool = True) -> object:
        """Apply the run's events kept outside the tables (SQLite's run log) in
        the open transaction; `known` false (no such run) discards them. The
        caller commits, then calls `_log_folded` with what this returned."""
        return None

    def _log_folded(self, token: object) -> None:
        """After the commit: drop the events `_fold_log` applied."""

    # ------------------------------------------------------------------- runs

    def open_run(self, header: RunHeader) -> RunState:
        """Create the run, or find it and take it over to resume it.

        Raises `RunBusyError` when another live process, or another open run
        in this process, owns it. A finished run, or one whose stored header
        differs (`RunState.changed`), is returned without being taken.
        """
        run_id = check_run_id(header.run_id)
        with self._mutex:
            self._check_open()
            if run_id in self._held or not self._lock_run(run_id):
                stored = self.get_run(run_id)
                owner = stored.owner if stored is not None else None
                where = "this process" if run_id in self._held else "another live process"
                raise RunBusyError(
                    f"run {run_id!r} is already being executed by {where}"
                    + (f" ({owner})" if owner and where != "this process" else ""),
                    run_id=run_id, owner=owner,
                )
            keep = False
            try:
                with self._transaction():
                    rows = self._fetch(SELECT_RUN, (run_id,))
                    # Under the run lock: a log left by a dead owner goes into the tables first.
                    token = self._fold_log(run_id, known=bool(rows))
                    created = resumed = False
                    changed: tuple[str, ...] = ()
                    if not rows:
                        self._execute(INSERT_RUN, (
                            run_id, clean_text(header.name), header.code_hash, header.inputs,
                            header.runtime_version, header.monty_version, header.trace_id,
                            float(header.started_at), self._owner,
                        ))
                        created = keep = True
                    else:
                        stored = _run_record(rows[0])
                        changed = tuple(
                            name for name, new in (("name", clean_text(header.name)), ("code_hash", header.code_hash), ("inputs", header.inputs))
                            if getattr(stored, name) != new
                        )
                        if stored.status == "running" and not changed:
                            self._execute(TAKE_OVER_RUN, (float(header.started_at), self._owner, run_id))
                            self._execute(MARK_INTERRUPTED, (True, run_id, False))
                            resumed = keep = True
                    run = _run_record(self._fetch(SELECT_RUN, (run_id,))[0])
                    calls = tuple(_call_attempt(row) for row in self._fetch(SELECT_CALLS, (run_id,)))
                self._log_folded(token)
            except BaseException:
                keep = False
                raise
            finally:
                if keep:
                    self._held.add(run_id)
                else:
                    self._unlock_run(run_id)
            return RunState(run=run, calls=calls, created=created, resumed=resumed, owned=keep, changed=changed)

    def finish_run(
        self, run_id: str, *, ok: bool, result: str | None, error: str | None, finished_at: float,
        events: Sequence[CallEvent] = (),
    ) -> None:
        """Record the run's outcome and give it up; calls still unfinished are
        marked interrupted. `events` (call starts and ends not yet written) go
        in the same transaction, first."""
        with self._mutex:
            self._check_owned(run_id)
            with self._transaction():
                token = self._fold_log(run_id)
                for event in events:
                    self._write_event(run_id, event)
                self._execute(MARK_INTERRUPTED, (True, run_id, False))
                self._execute(FINISH_RUN, (
                    "ok" if ok else "error", result, None if error is None else clean_text(error), float(finished_at), run_id,
                ))
            try:
                self._log_folded(token)
            finally:
                self.release(run_id)

    def release(self, run_id: str) -> None:
        """Give the run up unfinished (it stays resumable); no-op if not held."""
        with self._mutex:
            if run_id in self._held:
                self._held.discard(run_id)
                self._unlock_run(run_id)

    # ------------------------------------------------------------------ calls

    def call_started(
        self, run_id: str, seq: int, call_key: str, task: str, args: str, attempt: int, started_at: float
    ) -> None:
        """Record that a call attempt starts; committed when this returns."""
        self.record(run_id, CallStart(seq, call_key, task, args, attempt, started_at))

    def call_finished(
        self, run_id: str, seq: int, attempt: int, *, ok: bool, value: str | None, error_type: str | None,
        error_text: str | None, finished_at: float, replayed: bool = False, cached: bool = False,
    ) -> None:
        """Record a started call attempt's outcome."""
        self.record(run_id, CallEnd(seq, attempt, ok, value, error_type, error_text, finished_at, replayed, cached))

    def record(self, run_id: str, *events: CallEvent) -> None:
        """Write call starts and ends in order, in one transaction: an end and
        the next start back to back, or a call answered from the cache (a
        start and its end), cost one commit."""
        with self._mutex:
            self._check_owned(run_id)
            if len(events) == 1:
                self._write_event(run_id, events[0])
            elif events:
                self._write_batch(run_id, events)

    def _write_batch(self, run_id: str, events: Sequence[CallEvent]) -> None:
        """Several events, all or none (a backend may send them faster)."""
        with self._transaction():
            for event in events:
                self._write_event(run_id, event)

    def _write_event(self, run_id: str, event: CallEvent) -> None:
        if isinstance(event, CallStart):
            try:
                self._execute(INSERT_CALL, start_params(run_id, event))
            except StoreConflict:
                raise already_recorded(run_id, event) from None
        elif self._execute(FINISH_CALL, end_params(run_id, event)) != 1:
            raise not_started(run_id, event)

    # ------------------------------------------------------------------ reads

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._mutex:
            self._check_open()
            rows = self._fetch(SELECT_RUN, (run_id,))
            return _run_record(rows[0]) if rows else None

    def list_runs(self, limit: int = 20, status: RunStatus | None = None) -> tuple[RunRecord, ...]:
        """The newest runs first."""
        if type(limit) is not int or limit < 1:
            raise StoreError(f"limit must be a positive int, got {limit!r}")
        if status is not None and status not in RUN_STATUSES:
            raise StoreError(f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")
        with self._mutex:
            self._check_open()
            rows = self._fetch(LIST_RUNS, (limit,)) if status is None else self._fetch(LIST_RUNS_BY_STATUS, (status, limit))
            return tuple(_run_record(row) for row in rows)

    def calls(self, run_id: str) -> tuple[CallAttempt, ...]:
        """Every recorded attempt of the run's calls, by `seq` then `attempt`."""
        with self._mutex:
            self._check_open()
            return tuple(_call_attempt(row) for row in self._fetch(SELECT_CALLS, (run_id,)))

    def is_live(self, run_id: str) -> bool:
        """Whether a live process (this one included) owns the run now."""
        with self._mutex:
            self._check_open()
            return run_id in self._held or self._run_locked(run_id)

    # ------------------------------------------------------------------ cache

    def cache_get(self, key: str) -> str | None:
        with self._mutex:
            self._check_open()
            rows = self._fetch(CACHE_GET, (key,))
            return rows[0][0] if rows else None

    def cache_put(self, key: str, task: str, version: str, value: str, *, created_at: float | None = None) -> None:
        with self._mutex:
            self._check_open()
            stamp = time.time() if created_at is None else float(created_at)
            self._execute(CACHE_PUT, (key, clean_text(task), clean_text(version), value, stamp))

    # -------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Give up every run still held (they stay resumable) and disconnect."""
        with self._mutex:
            if self._closed:
                return
            for run_id in list(self._held):
                self.release(run_id)
            self._closed = True
            self._close_connection()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store {self.url} is closed")

    def _check_owned(self, run_id: str) -> None:
        self._check_open()
        if run_id not in self._held:
            raise StoreError(f"run {run_id!r} is not open in this store (open_run first; it may have been finished or released)")


def check_schema_version(rows: list[tuple[Any, ...]], where: str) -> None:
    """Refuse a store written by a newer sandbox-lint, or that is not a store."""
    if not rows:
        raise StoreError(f"{where} is not a sandbox-lint run store (no schema version)")
    try:
        version = int(rows[0][0])
    except (TypeError, ValueError):
        raise StoreError(f"{where} has an unreadable schema version {rows[0][0]!r}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has schema version {version}, newer than this sandbox-lint knows ({SCHEMA_VERSION}): upgrade sandbox-lint"
        )


def start_params(run_id: str, event: CallStart) -> tuple[Any, ...]:
    """`INSERT_CALL`'s parameters."""
    check_position(event.seq, event.attempt)
    return (
        run_id, event.seq, event.attempt, clean_text(event.call_key), clean_text(event.task), event.args,
        float(event.started_at), False, False, False,
    )


def end_params(run_id: str, event: CallEnd) -> tuple[Any, ...]:
    """`FINISH_CALL`'s parameters."""
    check_position(event.seq, event.attempt)
    return (
        float(event.finished_at), bool(event.ok), event.value,
        None if event.error_type is None else clean_text(event.error_type),
        None if event.error_text is None else clean_text(event.error_text),
        bool(event.replayed), bool(event.cached), run_id, event.seq, event.attempt,
    )


def already_recorded(run_id: str, event: CallStart) -> StoreError:
    return StoreError(f"run {run_id!r}: call {event.seq} attempt {event.attempt} is already recorded")


def not_started(run_id: str, event: CallEnd) -> StoreError:
    return StoreError(f"run {run_id!r}: call {event.seq} attempt {event.attempt} was not started, or has already finished")


class StoreConflict(StoreError):
    """A backend's unique-key violation (a call position recorded twice)."""


def check_position(seq: object, attempt: object) -> None:
    if type(seq) is not int or seq < 1 or type(attempt) is not int or attempt < 1:
        raise StoreError(f"call seq and attempt must be positive ints, got seq={seq!r} attempt={attempt!r}")


def store_scheme(url: str | os.PathLike[str]) -> str:
    """`sqlite` or `postgresql`, for a store address; `StoreError` if neither."""
    if isinstance(url, os.PathLike):
        return "sqlite"
    if not isinstance(url, str) or not url.strip():
        raise StoreError(f"a store is a path, sqlite:///PATH or postgresql://... URL, got {url!r}")
    scheme, sep, _ = url.partition("://")
    if not sep:
        return "sqlite"
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise StoreError(f"unsupported store URL scheme {scheme!r}: use a path, sqlite:///PATH or postgresql://USER@HOST/DB")
