"""Language-server latency: from `didChange` to `publishDiagnostics`, as a ratio to
calling the checker's core (`check_host`) directly, measured in the same run.

    python bench/lsp.py [--quick] [--rounds N]

For a 100-line and a 1,000-line host file (orchestrators with findings), the
server (`python -m lsp`, debounce 0, push diagnostics, UTF-16) gets one small
incremental edit per round; the time runs from writing the `didChange` to
reading the `publishDiagnostics` for that version. Every round edits a number
literal to a value not seen before, so neither the server nor the direct call
can answer from the checker's cache. Direct calls and server rounds alternate,
so both see the same machine load. The ratio is of medians (target <= 1.3).

Benchmarks print; they never assert.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import IO, Any

# This file is named like the package it measures; keep bench/ off the import path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from sandbox_lint import check_host  # noqa: E402

ROOT = os.path.dirname(_HERE)
TARGET = 1.3

HEADER = '''\
"""A generated host file for bench/lsp.py."""

from runtime import TaskEnvironment

env = TaskEnvironment(name="bench")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def scale(x: int, factor: float) -> float:
    return x * factor


SEED = 1000000
'''

ORCHESTRATOR = '''

@env.sandbox.orchestrator
def pipeline_{n}(values: list[int], factor: float) -> dict[str, float]:
    total = 0
    scaled = []
    for v in values:
        total += add(v, {n})
        scaled.append(scale(v, factor))
    best = max(scaled) if scaled else 0.0
    return {{"total": float(total), "best": best, "count": float(len(values))}}
'''


def host_file(lines: int) -> str:
    """A host file of about `lines` lines: one finding (SBX103, with a fix) per orchestrator."""
    parts = [HEADER]
    n = 0
    while sum(part.count("\n") for part in parts) < lines:
        parts.append(ORCHESTRATOR.format(n=n))
        n += 1
    return "".join(parts)


class Server:
    """`python -m lsp` over pipes, with just enough JSON-RPC for the benchmark."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lsp"],
            cwd=ROOT,
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
            if predicate(message):
                return message

    def start(self) -> None:
        ident = self.send(
            "initialize",
            {"processId": os.getpid(), "capabilities": {}, "initializationOptions": {"debounce": 0}},
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


def measure(server: Server, lines: int, rounds: int, label: str) -> None:
    text = host_file(lines)
    seed_line = text.split("\n").index("SEED = 1000000")
    uri = f"file:///bench/host_{lines}.py"
    server.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    first = server.wait_for(published(uri, 1))
    findings = len(first["params"]["diagnostics"])

    def variant(value: int) -> str:
        return text.replace("SEED = 1000000", f"SEED = {value}")

    server_times: list[float] = []
    direct_times: list[float] = []
    direct_findings = 0
    for round_ in range(rounds + 2):  # the first two rounds warm up both sides
        value = 1_000_001 + round_
        edit = {
            "range": {"start": {"line": seed_line, "character": 7}, "end": {"line": seed_line, "character": 14}},
            "text": str(value),
        }
        version = round_ + 2
        started = time.perf_counter()
        server.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit]},
        )
        server.wait_for(published(uri, version))
        elapsed_server = time.perf_counter() - started

        other = variant(9_000_001 + round_)  # another text, so the direct call misses the cache too
        started = time.perf_counter()
        direct_findings = len(check_host(other))
        elapsed_direct = time.perf_counter() - started
        if round_ >= 2:
            server_times.append(elapsed_server)
            direct_times.append(elapsed_direct)

    server_ms = statistics.median(server_times) * 1000
    direct_ms = statistics.median(direct_times) * 1000
    ratio = server_ms / direct_ms
    verdict = "ok" if ratio <= TARGET else "over target"
    print(
        f"{label}: didChange -> diagnostics {server_ms:.2f} ms, check_host {direct_ms:.2f} ms "
        f"(median of {rounds}; {findings} findings via LSP, {direct_findings} direct)"
    )
    print(f"lsp ratio {label}: {ratio:.2f} (target <= {TARGET}, {verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per file size (default 40, quick 8)")
    args = parser.parse_args()
    rounds = args.rounds or (8 if args.quick else 40)
    server = Server()
    try:
        server.start()
        for lines in (100, 1000):
            measure(server, lines, rounds, f"{lines:>5}-line host file")
    finally:
        try:
            server.stop()
        except Exception:
            server.process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
