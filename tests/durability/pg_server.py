"""A throwaway PostgreSQL server for tests and benchmarks: Debian's binaries,
a temporary data directory, 127.0.0.1 only, a free port.

PostgreSQL refuses to run as root, so when this process is root the server runs
as the `postgres` system user that Debian's package creates (via `runuser`),
with the temporary directory handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

USER = "sbx_test"


def find_bindir() -> str | None:
    """The newest `/usr/lib/postgresql/N/bin` that has initdb and pg_ctl, or the
    directory of `initdb` on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(path.split("/")[-2]) if path.split("/")[-2].isdigit() else 0,
    )
    for bindir in reversed(candidates):
        if os.access(os.path.join(bindir, "initdb"), os.X_OK) and os.access(os.path.join(bindir, "pg_ctl"), os.X_OK):
            return bindir
    on_path = shutil.which("initdb")
    return os.path.dirname(on_path) if on_path and shutil.which("pg_ctl") else None


def why_unavailable() -> str | None:
    """None when a server can be started here, else the reason it cannot."""
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` system user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing (util-linux)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalPostgres:
    bindir: str
    root: str
    port: int
    as_user: str | None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    @classmethod
    def start(cls, *, fsync: bool = True) -> LocalPostgres:
        reason = why_unavailable()
        if reason is not None:
            raise RuntimeError(reason)
        bindir = find_bindir()
        assert bindir is not None
        root = tempfile.mkdtemp(prefix="sbx-pg-")
        as_user = None
        if os.geteuid() == 0:
            as_user = "postgres"
            entry = pwd.getpwnam("postgres")
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(bindir, root, 0, as_user)
        data = os.path.join(root, "data")
        server._run(
            os.path.join(bindir, "initdb"), "-D", data, "-U", USER, "--auth=trust", "--encoding=UTF8",
            "--locale=C", "--no-sync",
        )
        last_error = ""
        for _ in range(5):  # the free port can be taken between the probe and the bind
            server.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={root} "
                f"-c fsync={'on' if fsync else 'off'} -c max_connections=40 -c shared_buffers=16MB"
            )
            started = server._run(
                os.path.join(bindir, "pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(root, "log"),
                "-w", "-t", "60", "start", check=False,
            )
            if started.returncode == 0:
                return server
            last_error = started.stdout + started.stderr + server.log_tail()
            time.sleep(0.2)
        server.stop()
        raise RuntimeError(f"could not start PostgreSQL:\n{last_error}")

    def log_tail(self) -> str:
        try:
            with open(os.path.join(self.root, "log"), encoding="utf-8", errors="replace") as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        data = os.path.join(self.root, "data")
        if os.path.isdir(data):
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
