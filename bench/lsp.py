"""Language-server latency: from `didChange` to `publishDiagnostics`, next to `ruff server`.

    python bench/lsp.py [--quick] [--rounds N]

For generated host files of 1,000 and 5,000 lines (tasks with host code,
orchestrators with findings, code-string templates: `bench/corpus.py`), our
server (`python -m lsp`, debounce 0, push diagnostics, UTF-16) and `ruff
server` (the same client capabilities) each get the same edits, one per
round, alternating so both see the same machine: the end-of-line comment of a
statement in an orchestrator's body (sandbox code) or in a task's body (host
code) is replaced with a new one. The file stays valid Python, and every
round writes a text not seen before, so no cache can answer it. (Until
2026-12-02 the edit replaced the statement's closing parenthesis, so both
servers were timed on a file with a syntax error.) The time runs from writing the `didChange` to reading the
`publishDiagnostics` for that version. Targets: ours <= 10x ruff at 1,000
lines, <= 15x at 5,000 lines (medians). Also, for reference, a direct
`check_host` call of the whole edited file with the caches cleared.

Benchmarks print; they never assert.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, Any

# This file is named like the package it measures; keep bench/ off the import path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.append(_HERE)  # bench/corpus.py, after the packages

from corpus import host_file  # noqa: E402

from sandbox_lint import check_host  # noqa: E402
from sandbox_lint.checker import clear_caches  # noqa: E402

ROOT = os.path.dirname(_HERE)
TARGETS = {1000: 10.0, 5000: 15.0}


class Server:
    """An LSP server over pipes, with just enough JSON-RPC for the benchmark."""

    def __init__(self, command: list[str], cwd: str) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.next_id = 0

    def send(self, method: str, params: Any, *, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stdin.flush()
        return ident

    def receive(self) -> dict[str, Any]:
        length = 0
        while True:
            line = self.stdout.readline()
            if not line:
                raise RuntimeError("the server exited")
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
            elif line == b"\r\n" and length:
                return json.loads(self.stdout.read(length))  # type: ignore[no-any-return]

    def wait_for(self, predicate: Any) -> dict[str, Any]:
        while True:
            message = self.receive()
            if "id" in message and "method" in message:  # a request from the server: answer it
                self.answer(message)
                continue
            if predicate(message):
                return message

    def answer(self, request: dict[str, Any]) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            result = [None for _ in request.get("params", {}).get("items", [])]
        body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stdin.flush()

    def start(self, root_uri: str) -> None:
        ident = self.send(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root_uri,
                "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                "initializationOptions": {"debounce": 0},
            },
            request=True,
        )
        self.wait_for(lambda m: m.get("id") == ident)
        self.send("initialized", {})

    def stop(self) -> None:
        ident = self.send("shutdown", None, request=True)
        self.wait_for(lambda m: m.get("id") == ident)
        self.send("exit", None)
        self.process.wait(timeout=30)


def published(uri: str, version: int) -> Any:
    def match(message: dict[str, Any]) -> bool:
        params = message.get("params") or {}
        return (
            message.get("method") == "textDocument/publishDiagnostics"
            and params.get("uri") == uri
            and params.get("version") == version
        )

    return match


def _edit_point(text: str, marker: str) -> tuple[int, int]:
    """(line, character) just after `marker`, which ends its line (0-based, LSP positions)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        at = line.find(marker)
        if at >= 0:
            column = at + len(marker)
            assert column == len(line), f"{marker!r} must end its line"
            return number, column
    raise ValueError(marker)


class Session:
    """One server with one open document, edited one digit at a time."""

    def __init__(self, server: Server, uri: str, text: str) -> None:
        self.server = server
        self.uri = uri
        self.version = 1
        server.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
        self.findings = len(server.wait_for(published(uri, 1))["params"]["diagnostics"])
        self.last_findings = self.findings

    def edit(self, line: int, character: int, old: str, new: str) -> float:
        """Replace `old` at (line, character) with `new`."""
        self.version += 1
        end = {"line": line, "character": character + len(old)}
        change = {"range": {"start": {"line": line, "character": character}, "end": end}, "text": new}
        started = time.perf_counter()
        self.server.send("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [change]})
        message = self.server.wait_for(published(self.uri, self.version))
        elapsed = time.perf_counter() - started
        self.last_findings = len(message["params"]["diagnostics"])
        return elapsed


def measure(ours: Server, ruff: Server, lines: int, rounds: int, workdir: str) -> None:
    text = host_file(lines, findings=True)
    # `SEED_LITERAL` digits: the orchestrator's and the task's code both hold one.
    places = {
        "an orchestrator's body": _edit_point(text, "spent = sum([order[\"total\"] for order in orders])"),
        "a task's body": _edit_point(text, "LOG.warning(\"bad row %r\", row)"),
    }
    uri = f"file://{workdir}/host_{lines}.py"
    sessions = {"ours": Session(ours, uri, text), "ruff": Session(ruff, uri, text)}
    for where, (line, column) in places.items():
        times: dict[str, list[float]] = {"ours": [], "ruff": []}
        direct: list[float] = []
        comment = ""  # the end-of-line comment the last round wrote after the statement
        for round_ in range(rounds + 3):  # the first three rounds warm up every side
            # A new comment each round (the code stays valid): no cache has seen the text.
            new = f"  # edit {round_}"
            for name, session in sessions.items():
                elapsed = session.edit(line, column, comment, new)
                if round_ >= 3:
                    times[name].append(elapsed)
            comment = new
            lines_now = text.split("\n")
            lines_now[line] = lines_now[line][:column] + new
            edited = "\n".join(lines_now)
            clear_caches()
            started = time.perf_counter()
            check_host(edited)
            if round_ >= 3:
                direct.append(time.perf_counter() - started)
        ours_ms = statistics.median(times["ours"]) * 1000
        ruff_ms = statistics.median(times["ruff"]) * 1000
        ratio = ours_ms / ruff_ms
        target = TARGETS[lines]
        spread = (min(times["ours"]) * 1000, max(times["ours"]) * 1000)
        print(
            f"{lines:>5} lines, edit in {where}: ours {ours_ms:.1f} ms (min {spread[0]:.1f}, max {spread[1]:.1f}), "
            f"ruff server {ruff_ms:.1f} ms; ratio {ratio:.1f} (target <= {target:.0f}) {'PASS' if ratio <= target else 'MISS'}"
        )
        print(f"      (info) cold check_host of the whole file: {statistics.median(direct) * 1000:.1f} ms; "
              f"findings: ours {sessions['ours'].findings}, ruff {sessions['ruff'].findings}; "
              f"after the edits: ours {sessions['ours'].last_findings}, ruff {sessions['ruff'].last_findings}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per edit (default 30, quick 6)")
    args = parser.parse_args()
    rounds = args.rounds or (6 if args.quick else 30)
    ruff_command = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if ruff_command is None:
        print("ruff is not installed in this environment (pip install ruff): no baseline, nothing measured")
        return 0
    workdir = os.path.join(ROOT, ".bench-cache", "lsp")
    os.makedirs(workdir, exist_ok=True)
    version = subprocess.run([ruff_command, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"language-server latency, ours vs {version} (push diagnostics, debounce 0)")
    ours = Server([sys.executable, "-m", "lsp"], ROOT)
    ruff = Server([ruff_command, "server"], workdir)
    try:
        ours.start(f"file://{workdir}")
        ruff.start(f"file://{workdir}")
        for lines in (1000, 5000):
            measure(ours, ruff, lines, rounds, workdir)
    finally:
        for server in (ours, ruff):
            try:
                server.stop()
            except Exception:
                server.process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
