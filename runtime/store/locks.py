"""Run ownership for SQLite stores: one POSIX record lock per run id.

A process owns a run while it holds an exclusive `lockf` lock on one byte of
the store's lock file (`runs.sqlite-runlock`), at an offset derived from the
run id. The kernel drops the lock the moment the process dies (SIGKILL
included), so a crashed run can be taken over at once, with no lease to wait
out and no guessing from process ids.

POSIX record locks belong to the process, not to a file descriptor, and
closing *any* descriptor of the file drops all of them. So each lock file is
opened once per process and shared by every store using it, and this module
keeps the process's own table of held run ids, which also refuses a second
owner inside the same process (the kernel would not).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time

from .records import StoreError

_OFFSET_MASK = (1 << 62) - 1
_ACQUIRE_TRIES = 3


def _offset(run_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(run_id.encode("utf-8"), digest_size=8).digest(), "big") & _OFFSET_MASK


class _LockFile:
    __slots__ = ("fd", "held", "users")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.held: set[str] = set()
        self.users = 0


_files: dict[str, _LockFile] = {}
_mutex = threading.Lock()


def _forget_after_fork() -> None:  # a forked child inherits the descriptors but none of the locks
    global _mutex
    _mutex = threading.Lock()
    for entry in _files.values():
        entry.held.clear()


if sys.platform != "win32":
    import fcntl

    os.register_at_fork(after_in_child=_forget_after_fork)

    def _try_lock(fd: int, offset: int, exclusive: bool) -> bool:
        try:
            fcntl.lockf(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
        except (BlockingIOError, PermissionError):
            return False
        return True

    def _unlock(fd: int, offset: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)

else:  # pragma: no cover - without POSIX locks only this process's own table guards a run

    def _try_lock(fd: int, offset: int, exclusive: bool) -> bool:
        return True

    def _unlock(fd: int, offset: int) -> None:
        return None


class RunLocks:
    """The run locks of one lock file, as seen by one store."""

    def __init__(self, path: str) -> None:
        self.path = os.path.realpath(path)
        with _mutex:
            entry = _files.get(self.path)
            if entry is None:
                try:
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
                except OSError as exc:
                    raise StoreError(f"cannot open the run lock file {self.path}: {exc.strerror}") from None
                entry = _files[self.path] = _LockFile(fd)
            entry.users += 1
        self._entry = entry
        self._closed = False

    def acquire(self, run_id: str) -> bool:
        """Own `run_id`; False when this process or another one owns it."""
        offset = _offset(run_id)
        for attempt in range(_ACQUIRE_TRIES):
            with _mutex:
                if run_id in self._entry.held:
                    return False
                if _try_lock(self._entry.fd, offset, exclusive=True):
                    self._entry.held.add(run_id)
                    return True
            if attempt + 1 < _ACQUIRE_TRIES:
                time.sleep(0.005)  # an `is_held` probe holds the byte for microseconds
        return False

    def release(self, run_id: str) -> None:
        with _mutex:
            if run_id in self._entry.held:
                self._entry.held.discard(run_id)
                _unlock(self._entry.fd, _offset(run_id))

    def is_held(self, run_id: str) -> bool:
        """Whether some live process (this one included) owns `run_id`."""
        with _mutex:
            if run_id in self._entry.held:
                return True
            # A shared lock conflicts only with an owner's exclusive one; it is
            # dropped at once, and `acquire` retries past such a probe.
            offset = _offset(run_id)
            if _try_lock(self._entry.fd, offset, exclusive=False):
                _unlock(self._entry.fd, offset)
                return False
            return True

    def close(self) -> None:
        with _mutex:
            if self._closed:
                return
            self._closed = True
            entry = self._entry
            entry.users -= 1
            if entry.users == 0 and not entry.held:
                os.close(entry.fd)
                del _files[self.path]
