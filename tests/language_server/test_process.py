"""The server as a process: command line, `--tcp`, `--config`, `sandbox-lint lsp`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from .conftest import ROOT, Session, recording_client

SANDBOX_LINT = Path(sys.executable).with_name("sandbox-lint")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_help_and_usage_errors() -> None:
    help_ = run(sys.executable, "-m", "lsp", "--help")
    assert help_.returncode == 0 and "--tcp HOST:PORT" in help_.stdout and "--config PYPROJECT" in help_.stdout
    bad = run(sys.executable, "-m", "lsp", "--tcp", "nowhere")
    assert bad.returncode == 2
    assert "argument --tcp: expected HOST:PORT such as 127.0.0.1:2087, got 'nowhere'" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = run(sys.executable, "-m", "lsp", "--config", "missing/pyproject.toml")
    assert missing.returncode == 2 and "--config missing/pyproject.toml: no such file" in missing.stderr


@pytest.mark.skipif(not SANDBOX_LINT.exists(), reason="the sandbox-lint console script is not installed")
def test_the_cli_starts_the_same_server() -> None:
    result = run(str(SANDBOX_LINT), "lsp", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sandbox-lint lsp") and "--tcp HOST:PORT" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RawConnection:
    """Just enough JSON-RPC over a socket to talk to the server."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def send(self, message: dict[str, object]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def receive(self) -> dict[str, object]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(65536)
        header, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += self.sock.recv(65536)
        self.buffer = rest[length:]
        return json.loads(rest[:length])  # type: ignore[no-any-return]

    def receive_until(self, predicate: object) -> dict[str, object]:
        while True:
            message = self.receive()
            if predicate(message):  # type: ignore[operator]
                return message


def test_tcp_serves_the_protocol(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lsp", "--tcp", f"127.0.0.1:{port}"], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        with sock:
            rpc = RawConnection(sock)
            rpc.send({"id": 1, "method": "initialize", "params": {"processId": os.getpid(), "capabilities": {}}})
            reply = rpc.receive_until(lambda m: m.get("id") == 1)
            capabilities = reply["result"]["capabilities"]  # type: ignore[index]
            assert capabilities["positionEncoding"] == "utf-16"
            assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.sandbox-lint"]
            rpc.send({"method": "initialized", "params": {}})
            uri = (tmp_path / "flows.py").as_uri()
            text = "@env.sandbox.orchestrator\ndef f(xs: list[int]) -> int:\n    t = 0\n    t += 1\n    return t\n"
            rpc.send(
                {
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
                }
            )
            published = rpc.receive_until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            diagnostics = published["params"]["diagnostics"]  # type: ignore[index]
            assert [(d["code"], d["range"]["start"]) for d in diagnostics] == [("SBX103", {"line": 3, "character": 4})]
            rpc.send({"id": 2, "method": "shutdown"})
            assert rpc.receive_until(lambda m: m.get("id") == 2)["result"] is None
            rpc.send({"method": "exit"})
    finally:
        server.kill()
        server.wait(timeout=30)


async def test_config_option_applies_one_pyproject_everywhere(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.sandbox-lint]\nscripts = ["jobs/**/*.py"]\nignore = ["SBX103"]\n', encoding="utf-8")
    # A nearer pyproject.toml that `--config` overrides.
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "pyproject.toml").write_text("[tool.sandbox-lint]\nscripts = []\n", encoding="utf-8")
    client = recording_client()
    await client.start_io(sys.executable, "-m", "lsp", "--config", str(config))
    try:
        capabilities = client_capabilities("visual-studio-code")
        result = await client.initialize_session(types.InitializeParams(capabilities=capabilities))
        session = Session(client, "visual-studio-code", capabilities, result)
        uri = session.open(tmp_path / "jobs" / "job.py", "import os\nx = 1\nx += 1\n")
        assert [d.code for d in await session.published(uri, 1)] == ["SBX101"]
        await client.shutdown_session()
    finally:
        process = client._server
        if process is not None and process.returncode is None:
            process.kill()
        await client.stop()
