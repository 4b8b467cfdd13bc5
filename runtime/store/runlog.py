"""The run log: a SQLite store's call events, appended to a file per run while
a process owns the run (docs/durability.md, "The run log").

A SQLite commit costs more than a whole task call; appending a record to a
file with `write(2)` costs well under a microsecond, and both survive the
death of the process (SIGKILL) but not a power loss. So while a store owns a
run, `SQLiteRunStore.record` appends the events to the run's log with one
`os.write`, and the store folds the log into its tables, in one transaction,
when the run ends, is released or taken over, and whenever the log passes
`MAX_EVENTS` or `MAX_BYTES`. Readers merge the unfolded events over the rows.

The file: `<store>-runlog/<blake2b of the run id>.log`, a sequence of frames

    u32 length of the payload (little endian) | u32 CRC-32 of the payload | payload

whose payload is compact JSON (UTF-8). The first frame is the header
`["sbx-runlog", 1, run_id]`; every other one holds the events of one
`record` call (so a batch is all or nothing on disk too), a list of

    ["s", seq, attempt, call_key, task, args, started_at]
    ["e", seq, attempt, ok, value, error_type, error_text, finished_at, replayed, cached]

`args` and `value` are already `runtime.codec` text; the store never decodes
them. A reader stops at the first frame that is incomplete, fails its CRC or
does not parse: a torn tail is a write that never completed, so a call that
never started (its start is written before it runs) or an end the caller
never saw acknowledged. Nothing is ever read from a frame that was not
completely written.

This module holds the format, the directory and the writer; the store (and
all SQL) is in `sqlite.py`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from .base import already_recorded, check_position, clean_text, not_started
from .records import CallAttempt, CallEnd, CallEvent, CallStart, StoreError

FORMAT_VERSION = 1
MAX_EVENTS = 1000
"""A log holding this many events is folded into the tables after the write that reached it."""
MAX_BYTES = 4 * 1024 * 1024
"""Likewise for a log of this many bytes."""
MAX_FRAME = (1 << 32) - 1

_FRAME = struct.Struct("<II")
_HEADER_TAG = "sbx-runlog"
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FD = os.open in os.supports_dir_fd
_datasync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync
# One encoder, built once: `json.dumps(..., separators=...)` builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_quote: Callable[[str], str] = json.encoder.encode_basestring  # the C escaper
_BOOL = ("false", "true")
_crc32 = zlib.crc32
_pack = _FRAME.pack


def log_name(run_id: str) -> str:
    """The file name of a run's log: run ids may hold any printable character."""
    return hashlib.blake2b(run_id.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() + ".log"


# ------------------------------------------------------------------ the format


def _frame_of(text: str) -> bytes:
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError("a call's arguments or value are not valid text (lone surrogates): they cannot be stored") from None
    if len(payload) > MAX_FRAME:
        raise StoreError(f"a call event of {len(payload)} bytes is too large for the run log (at most {MAX_FRAME})")
    return _pack(len(payload), _crc32(payload)) + payload


def header_frame(run_id: str) -> bytes:
    return _frame_of(_encode([_HEADER_TAG, FORMAT_VERSION, run_id]))


def _string(value: object, what: str, clean: bool = True) -> str:
    if type(value) is not str:
        raise StoreError(f"a call's {what} must be a string, got {type(value).__name__}")
    return _quote(clean_text(value) if clean else value)


def _optional(value: object, what: str, clean: bool = True) -> str:
    return "null" if value is None else _string(value, what, clean)


def _seconds(value: object, what: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StoreError(f"a call's {what} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(number):
        raise StoreError(f"a call's {what} must be finite, got {number!r}")
    return repr(number)


def event_json(event: CallEvent) -> str:
    """One event as JSON, its free text cleaned as the tables store it;
    `StoreError` for a field of the wrong type. Written directly (the fields
    are fixed): `json.dumps` costs three times more per event."""
    kind = type(event)
    seq, attempt = event.seq, event.attempt
    if type(seq) is not int or type(attempt) is not int or seq < 1 or attempt < 1:
        check_position(seq, attempt)
    if kind is CallStart:
        assert isinstance(event, CallStart)
        key, task, args, at = event.call_key, event.task, event.args, event.started_at
        if type(key) is str and type(task) is str and type(args) is str and type(at) is float and at - at == 0.0:
            return f'["s",{seq},{attempt},{_quote(clean_text(key))},{_quote(clean_text(task))},{_quote(args)},{at!r}]'
        return (f'["s",{seq},{attempt},{_string(key, "call_key")},{_string(task, "task")},'
                f'{_string(args, "args", False)},{_seconds(at, "started_at")}]')
    if kind is CallEnd:
        assert isinstance(event, CallEnd)
        value, error_type, error_text, at = event.value, event.error_type, event.error_text, event.finished_at
        if error_type is None and error_text is None and type(value) is str and type(at) is float and at - at == 0.0:
            return (f'["e",{seq},{attempt},{_BOOL[bool(event.ok)]},{_quote(value)},null,null,{at!r},'
                    f'{_BOOL[bool(event.replayed)]},{_BOOL[bool(event.cached)]}]')
        return (f'["e",{seq},{attempt},{_BOOL[bool(event.ok)]},{_optional(value, "value", False)},'
                f'{_optional(error_type, "error_type")},{_optional(error_text, "error_text")},'
                f'{_seconds(at, "finished_at")},{_BOOL[bool(event.replayed)]},{_BOOL[bool(event.cached)]}]')
    raise StoreError(f"not a call event: {event!r}")


def batch_frame(events: Sequence[CallEvent]) -> bytes:
    """The events of one `record` call as one frame: on disk, too, all or none."""
    if len(events) == 1:
        return _frame_of(f"[{event_json(events[0])}]")
    return _frame_of(f"[{','.join([event_json(event) for event in events])}]")


def _int(value: object) -> int:
    if type(value) is not int or value < 1:
        raise ValueError("not a position")
    return value


def _text(value: object) -> str:
    if type(value) is not str:
        raise ValueError("not text")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _time(value: object) -> float:
    if type(value) is not float and type(value) is not int:
        raise ValueError("not a time")
    return float(value)


def _flag(value: object) -> bool:
    if type(value) is not bool:
        raise ValueError("not a flag")
    return value


def _event(item: object) -> CallEvent:
    if type(item) is not list:
        raise ValueError("not an event")
    if len(item) == 7 and item[0] == "s":
        return CallStart(_int(item[1]), _text(item[3]), _text(item[4]), _text(item[5]), _int(item[2]), _time(item[6]))
    if len(item) == 10 and item[0] == "e":
        return CallEnd(
            _int(item[1]), _int(item[2]), _flag(item[3]), _optional_text(item[4]), _optional_text(item[5]),
            _optional_text(item[6]), _time(item[7]), _flag(item[8]), _flag(item[9]),
        )
    raise ValueError("not an event")


@dataclass(frozen=True)
class LogContents:
    """What a reader found in a run's log: the events of its complete frames, in order."""

    events: tuple[CallEvent, ...]
    length: int
    """Bytes of complete frames (the header included)."""
    torn: bool
    """Bytes after them were ignored: an incomplete or corrupt frame (and all that follows it)."""


def decode_log(data: bytes, run_id: str, where: str) -> LogContents:
    """The events of a log's complete frames. A torn or corrupt header means
    no events; a complete header naming another run is an error."""
    events: list[CallEvent] = []
    pos, size = 0, len(data)
    unpack = _FRAME.unpack_from
    header = True
    while pos + 8 <= size:
        length, crc = unpack(data, pos)
        end = pos + 8 + length
        if length == 0 or end > size:
            break
        payload = data[pos + 8:end]
        if _crc32(payload) != crc:
            break
        try:
            item = json.loads(payload.decode("utf-8"))
            if header:
                if type(item) is not list or len(item) != 3 or item[0] != _HEADER_TAG or item[1] != FORMAT_VERSION:
                    break
                if item[2] != run_id:
                    raise StoreError(f"the run log {where} belongs to run {item[2]!r}, not {run_id!r}")
                header = False
            elif type(item) is list and item:
                events.extend([_event(entry) for entry in item])
            else:
                break
        except (ValueError, UnicodeDecodeError, IndexError):
            break
        pos = end
    return LogContents(tuple(events), pos, pos < size)


def merge_calls(run_id: str, rows: Sequence[CallAttempt], events: Iterable[CallEvent]) -> tuple[CallAttempt, ...]:
    """The rows with the log's events applied over them, by `seq` then `attempt`.
    Idempotent: a start already present, or an end of a finished attempt, changes nothing."""
    by_key = {(row.seq, row.attempt): row for row in rows}
    for event in events:
        key = (event.seq, event.attempt)
        if type(event) is CallStart:
            if key not in by_key:
                by_key[key] = CallAttempt(
                    run_id, event.seq, event.attempt, clean_text(event.call_key), clean_text(event.task), event.args,
                    float(event.started_at), None, None, None, None, None, False, False, False,
                )
        elif type(event) is CallEnd:
            row = by_key.get(key)
            if row is not None and row.finished_at is None:
                by_key[key] = replace(
                    row, finished_at=float(event.finished_at), ok=bool(event.ok), value=event.value,
                    error_type=None if event.error_type is None else clean_text(event.error_type),
                    error_text=None if event.error_text is None else clean_text(event.error_text),
                    replayed=bool(event.replayed), cached=bool(event.cached),
                )
    return tuple(by_key[key] for key in sorted(by_key))


# ------------------------------------------------------------------ the directory


class LogDirectory:
    """`<store>-runlog/`: one log file per run, private to the user who owns the store.

    Created with mode 0700 on the first write. A log tells the store what a
    run did, so the directory is used only if it is a real directory (not a
    symbolic link) owned by this user or by the owner of the database, and
    writable by no one else; a log file only if it is a regular file owned by
    one of them. Anything else is refused with a `StoreError` naming the path.
    """

    def __init__(self, path: str, trusted_uids: frozenset[int], *, sync: bool) -> None:
        self.path = path
        self.trusted_uids = trusted_uids
        self.sync = sync

    def file_path(self, run_id: str) -> str:
        return os.path.join(self.path, log_name(run_id))

    def _refuse(self, what: str) -> StoreError:
        return StoreError(f"cannot use the run log directory {self.path}: {what}")

    def open(self, *, create: bool) -> int | None:
        """A descriptor of the directory, checked; None when it does not exist and `create` is false."""
        made = False
        if create:
            try:
                os.mkdir(self.path, 0o700)
                made = True
            except FileExistsError:
                pass
            except OSError as exc:
                raise self._refuse(exc.strerror or str(exc)) from None
        try:
            fd = os.open(self.path, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC)
        except FileNotFoundError:
            if create:  # removed between mkdir and open
                raise self._refuse("it vanished while being created") from None
            return None
        except OSError as exc:
            if os.path.islink(self.path):
                raise self._refuse("it is a symbolic link") from None
            if not os.path.isdir(self.path):
                raise self._refuse("it is not a directory") from None
            raise self._refuse(exc.strerror or str(exc)) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISDIR(info.st_mode):
                raise self._refuse("it is not a directory")
            if info.st_uid not in self.trusted_uids:
                raise self._refuse(f"it is owned by uid {info.st_uid}, not by this user or the store's owner")
            if info.st_mode & 0o022:
                raise self._refuse(f"others may write to it (mode {stat.S_IMODE(info.st_mode):o}); it must be 0700")
            if made:  # 0700 whatever the umask
                os.fchmod(fd, 0o700) if hasattr(os, "fchmod") else os.chmod(self.path, 0o700)
                if self.sync:
                    _sync_parent(self.path)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _open_in(self, dir_fd: int, name: str, flags: int, mode: int = 0o600) -> int:
        if _DIR_FD:
            return os.open(name, flags | _O_NOFOLLOW | _O_CLOEXEC, mode, dir_fd=dir_fd)
        return os.open(os.path.join(self.path, name), flags | _O_NOFOLLOW | _O_CLOEXEC, mode)  # pragma: no cover

    def create(self, run_id: str) -> int:
        """A new, empty log for the run, open for appending."""
        dir_fd = self.open(create=True)
        assert dir_fd is not None
        try:
            try:
                fd = self._open_in(dir_fd, log_name(run_id), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL)
            except FileExistsError:
                raise StoreError(
                    f"run log {self.file_path(run_id)} already exists: another store in this process "
                    "left it behind; it is folded when the run is next opened"
                ) from None
            except OSError as exc:
                raise StoreError(f"cannot create the run log {self.file_path(run_id)}: {exc.strerror or exc}") from None
            if self.sync:
                try:
                    os.fsync(dir_fd)  # the new name survives a power loss too
                except OSError as exc:
                    os.close(fd)
                    raise StoreError(f"cannot sync the run log directory {self.path}: {exc.strerror or exc}") from None
            return fd
        finally:
            os.close(dir_fd)

    def read(self, run_id: str) -> LogContents | None:
        """The run's log as it is now, or None when there is none."""
        dir_fd = self.open(create=False)
        if dir_fd is None:
            return None
        where = self.file_path(run_id)
        try:
            try:
                fd = self._open_in(dir_fd, log_name(run_id), os.O_RDONLY)
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise StoreError(f"cannot read the run log {where}: {exc.strerror or exc}") from None
        finally:
            os.close(dir_fd)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid not in self.trusted_uids:
                raise StoreError(f"refusing the run log {where}: not a regular file owned by this user or the store's owner")
            chunks = []
            while True:
                chunk = os.read(fd, max(info.st_size + 65536, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as exc:
            raise StoreError(f"cannot read the run log {where}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        return decode_log(b"".join(chunks), run_id, where)

    def remove(self, run_id: str) -> None:
        """Delete the run's log (after its events were committed to the tables)."""
        dir_fd = self.open(create=False)
        if dir_fd is None:
            return
        try:
            if _DIR_FD:
                os.unlink(log_name(run_id), dir_fd=dir_fd)
            else:  # pragma: no cover
                os.unlink(self.file_path(run_id))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot remove the folded run log {self.file_path(run_id)}: {exc.strerror or exc}") from None
        finally:
            os.close(dir_fd)


def _sync_parent(path: str) -> None:
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------ the writer


class RunLog:
    """The log of one run this store owns: what it knows of the run's attempts
    (so the API's checks cost no I/O), the events written since the last fold,
    and the open file."""

    def __init__(self, directory: LogDirectory, run_id: str, calls: Iterable[CallAttempt]) -> None:
        self.directory = directory
        self.run_id = run_id
        self.attempts: dict[tuple[int, int], bool] = {(c.seq, c.attempt): c.finished_at is not None for c in calls}
        """(seq, attempt) -> finished, for every attempt recorded."""
        self.pending: list[CallEvent] = []
        """The events in the file: those not yet folded into the tables."""
        self.size = 0
        self.fd: int | None = None
        self.damaged: str | None = None

    def due(self) -> bool:
        """Whether the log has grown enough to be folded now."""
        return len(self.pending) >= MAX_EVENTS or self.size >= MAX_BYTES

    def _check(self, events: Sequence[CallEvent]) -> dict[tuple[int, int], bool]:
        """The attempts' new states; `StoreError` (and nothing changed) if one event is not allowed."""
        attempts = self.attempts
        changes: dict[tuple[int, int], bool] = {}
        for event in events:
            key = seq, attempt = event.seq, event.attempt
            if type(seq) is not int or type(attempt) is not int or seq < 1 or attempt < 1:
                check_position(seq, attempt)  # before the lookup: True would find call 1
            state = changes[key] if key in changes else attempts.get(key)
            if type(event) is CallStart:
                if state is not None:
                    raise already_recorded(self.run_id, event)
                changes[key] = False
            elif type(event) is CallEnd:
                if state is not False:
                    raise not_started(self.run_id, event)
                changes[key] = True
            else:
                raise StoreError(f"not a call event: {event!r}")
        return changes

    def append(self, events: Sequence[CallEvent]) -> None:
        """Write the events with one `os.write`, all or none; synced first when the store is `synchronous=full`."""
        if self.damaged is not None:
            raise StoreError(self.damaged)
        changes = self._check(events)
        data = batch_frame(events)
        if self.fd is None:
            self.fd = self.directory.create(self.run_id)
            self.size = 0
        if self.size == 0:  # a new file, or one whose first write was cut off
            data = header_frame(self.run_id) + data
        fd = self.fd
        try:
            written = os.write(fd, data)
            if written != len(data):  # a short write: the disk or the file size limit is near
                view = memoryview(data)
                while written < len(data):
                    written += os.write(fd, view[written:])
            if self.directory.sync:
                _datasync(fd)
        except OSError as exc:
            self._undo()
            raise StoreError(f"cannot write the run log {self.directory.file_path(self.run_id)}: {exc.strerror or exc}") from None
        self.size += len(data)
        self.pending.extend(events)
        self.attempts.update(changes)

    def _undo(self) -> None:
        """Cut a failed write off the file, so the next write is not hidden behind a torn frame."""
        assert self.fd is not None
        try:
            os.ftruncate(self.fd, self.size)
        except OSError as exc:
            self.damaged = (
                f"the run log {self.directory.file_path(self.run_id)} has a torn tail that could not be cut off "
                f"({exc.strerror or exc}); the run cannot record more calls"
            )

    def folded(self) -> None:
        """The events are committed to the tables: delete the file; the next write starts a new one."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self.directory.remove(self.run_id)
        self.pending = []
        self.size = 0
        self.damaged = None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
