"""Passing verdicts of the gate, kept on disk: a new process that runs a
program this machine already checked skips the checker (and importing libcst,
most of a cold start).

The checker is a pure function of (source, interface, settings), and of the
checker itself, so the key is a SHA-256 over all of them: the checker is
fingerprinted by the name, size and modification time of every file of the
`sandbox_lint` package, plus the Python version. Only passes are kept, as
empty files named by their key; a rejection is re-checked every time.

Where: `$SANDBOX_LINT_CACHE_DIR`, else `$XDG_CACHE_HOME/sandbox-lint`, else
`~/.cache/sandbox-lint`, in a `verdicts-v1` directory. A verdict lets code
past the gate, so the directory is used only if it is a real directory (not a
symlink) owned by this user and closed to everyone else (mode 0700; the
runtime creates it so), and an entry counts only if it is a regular file
owned by this user. Anyone who can write there is this user already. POSIX
only; `SANDBOX_LINT_VERDICT_CACHE=0` turns it off. At most `MAX_ENTRIES`
entries: the oldest go first.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys

ENV_SWITCH = "SANDBOX_LINT_VERDICT_CACHE"
ENV_DIR = "SANDBOX_LINT_CACHE_DIR"
MAX_ENTRIES = 20_000
_OFF = frozenset({"0", "off", "false", "no"})

_state: dict[str, object] = {}


def _checker_fingerprint() -> bytes:
    import sandbox_lint

    root = os.path.dirname(os.path.abspath(sandbox_lint.__file__))
    digest = hashlib.sha256(f"{sys.version_info[:3]}|{root}".encode())
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    stack.append(entry.path)
            elif entry.name.endswith((".py", ".json", ".toml")):
                info = entry.stat()
                digest.update(f"{entry.path}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    return digest.digest()


def directory() -> str | None:
    """The verdict directory, created if missing; None when off or not safe to trust."""
    if "dir" in _state:
        return _state["dir"]  # type: ignore[return-value]
    path: str | None = None
    if os.name == "posix" and os.environ.get(ENV_SWITCH, "1").strip().lower() not in _OFF:
        base = os.environ.get(ENV_DIR) or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "sandbox-lint"
        )
        candidate = os.path.join(base, "verdicts-v1")
        try:
            os.makedirs(candidate, mode=0o700, exist_ok=True)
            info = os.lstat(candidate)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
                path = candidate
        except OSError:
            path = None
    _state["dir"] = path
    return path


def verdict_key(source: str, interface: object, settings: object) -> str:
    if "fingerprint" not in _state:
        _state["fingerprint"] = _checker_fingerprint()
    digest = hashlib.sha256(_state["fingerprint"])  # type: ignore[arg-type]
    for part in (repr(settings), repr(interface), source):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def known_pass(key: str) -> bool:
    folder = directory()
    if folder is None:
        return False
    try:
        info = os.lstat(os.path.join(folder, key))
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()


def remember_pass(key: str) -> None:
    folder = directory()
    if folder is None:
        return
    try:
        fd = os.open(os.path.join(folder, key), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError:
        return  # there already, or the disk said no: the verdict is only a shortcut
    os.close(fd)
    _prune(folder)


def _prune(folder: str) -> None:
    try:
        entries = list(os.scandir(folder))
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
        for entry in entries[: len(entries) - MAX_ENTRIES * 9 // 10]:
            os.unlink(entry.path)
    except OSError:
        pass


def reset() -> None:
    """Forget the directory and fingerprint (tests; after changing the environment)."""
    _state.clear()
