"""The PostgreSQL run store, for hosts that share runs: `psycopg` 3 (extra `postgres`).

Address: any libpq URL, `postgresql://user:password@host:5432/db?sslmode=...`.
The tables (`sbx_runs`, `sbx_calls`, `sbx_cache`, `sbx_meta`) go in the
connection's current schema, so `?options=-csearch_path%3Dmyschema` puts a
store in its own schema.

Run ownership is a session-level advisory lock per run id, held on the store's
connection: the server drops it when the owner's connection ends, a killed
process included. The key hashes the database, the schema and the run id, so
stores in two schemas of one database do not collide.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .base import (
    FINISH_CALL,
    INSERT_CALL,
    SCHEMA,
    SELECT_SCHEMA_VERSION,
    RunStore,
    StoreConflict,
    already_recorded,
    check_schema_version,
    end_params,
    not_started,
    start_params,
)
from .records import CallEnd, CallEvent, CallStart, StoreError

# The end of one call and the start of the next, as one statement: one round
# trip and one commit. The insert reads the update's row, so a call that was
# not started (or already ended) inserts nothing either.
END_THEN_START = (
    f"WITH ended AS ({FINISH_CALL} RETURNING 1) "
    + INSERT_CALL.replace(" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM ended")
)
_SCHEMA_LOCK = int.from_bytes(hashlib.blake2b(b"sandbox-lint store schema", digest_size=8).digest(), "big", signed=True)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if parts.port is not None:
            host += f":{parts.port}"
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))
    except ValueError:
        return url.split("://", 1)[0] + "://..."


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PostgresRunStore(RunStore, schemes=("postgresql",)):
    """A run store in a PostgreSQL database (see the module docstring)."""

    def __init__(self, url: str | os.PathLike[str], *, create: bool = True, connect_timeout_s: int = 10) -> None:
        super().__init__(url)
        text = os.fspath(url)
        self.url = redact(text)
        try:
            import psycopg
        except ImportError:
            raise StoreError("a PostgreSQL store needs psycopg 3: pip install 'sandbox-lint[postgres]'") from None
        self._psycopg = psycopg
        self._sql: dict[str, str] = {}
        self._in_transaction = False
        try:
            self._conn = psycopg.connect(text, autocommit=True, connect_timeout=connect_timeout_s)
        except (psycopg.Error, ValueError) as exc:
            raise StoreError(f"cannot connect to the PostgreSQL store {self.url}: {_first_line(exc)}") from None
        try:
            if create:
                with self._transaction():
                    self._execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
                    for statement in SCHEMA:
                        self._execute(statement)
            try:
                rows = self._fetch(SELECT_SCHEMA_VERSION)
            except StoreError:
                rows = []
            check_schema_version(rows, self.url)
            database, schema = self._fetch("SELECT current_database(), current_schema()")[0]
            self._lock_space = f"{database}\0{schema}\0"
        except BaseException:
            self._conn.close()
            raise

    def _text(self, sql: str) -> str:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("?", "%s")
        return converted

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        psycopg = self._psycopg
        try:
            return int(self._conn.execute(self._text(sql), params).rowcount)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreConflict(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._conn.execute(self._text(sql), params).fetchall())
        except self._psycopg.Error as exc:
            if self._psycopg.errors.UndefinedTable is not None and isinstance(exc, self._psycopg.errors.UndefinedTable):
                raise StoreError(f"{self.url} is not a sandbox-lint run store (no tables)") from None
            raise StoreError(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        try:
            with self._conn.transaction():
                yield
        except self._psycopg.errors.UniqueViolation as exc:
            raise StoreConflict(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None
        except self._psycopg.Error as exc:
            raise StoreError(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None
        finally:
            self._in_transaction = False

    def _write_batch(self, run_id: str, events: Sequence[CallEvent]) -> None:
        first, *rest = events
        if len(events) == 2 and isinstance(first, CallEnd) and isinstance(rest[0], CallStart):
            second = rest[0]
            try:
                inserted = self._execute(END_THEN_START, end_params(run_id, first) + start_params(run_id, second))
            except StoreConflict:
                raise already_recorded(run_id, second) from None
            if inserted != 1:
                raise not_started(run_id, first)
        elif all(isinstance(event, CallStart) for event in events):
            # Inserts fail loudly, so they can be pipelined: one round trip for a fan-out's starts.
            params = [start_params(run_id, event) for event in events if isinstance(event, CallStart)]
            try:
                with self._conn.pipeline():
                    with self._transaction():
                        for values in params:
                            self._conn.execute(self._text(INSERT_CALL), values)
            except StoreConflict:
                seqs = ", ".join(str(values[1]) for values in params)
                raise StoreError(f"run {run_id!r}: one of calls {seqs} is already recorded") from None
            except self._psycopg.Error as exc:
                raise StoreError(f"PostgreSQL store {self.url}: {_first_line(exc)}") from None
        else:
            super()._write_batch(run_id, events)

    def _lock_key(self, run_id: str) -> int:
        data = (self._lock_space + run_id).encode("utf-8")
        return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)

    def _lock_run(self, run_id: str) -> bool:
        return bool(self._fetch("SELECT pg_try_advisory_lock(?)", (self._lock_key(run_id),))[0][0])

    def _unlock_run(self, run_id: str) -> None:
        self._fetch("SELECT pg_advisory_unlock(?)", (self._lock_key(run_id),))

    def _run_locked(self, run_id: str) -> bool:
        key = self._lock_key(run_id)
        if self._fetch("SELECT pg_try_advisory_lock(?)", (key,))[0][0]:
            self._fetch("SELECT pg_advisory_unlock(?)", (key,))
            return False
        return True

    def _close_connection(self) -> None:
        self._conn.close()
