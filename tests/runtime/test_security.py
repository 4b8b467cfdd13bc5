"""With the gate bypassed (test-only path), no program reaches the host filesystem, network or environment.

The gate rejects all of these programs; here they run anyway, straight into
Monty, to show the second wall holds: OS calls are refused by the driver,
imports of host modules fail, and handles stay opaque.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest

from runtime import File, SandboxError
from ungated import run_ungated

SECRET = "sandbox-lint-secret-4f1c"


@pytest.fixture
def host(tmp_path, monkeypatch):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    monkeypatch.setenv("SANDBOX_LINT_SECRET", SECRET)
    return tmp_path


def _attempt(source: str, inputs: dict | None = None) -> str:
    """Run ungated; everything the program produced (value, output or error) as text."""
    try:
        result = run_ungated(source, inputs=inputs)
    except SandboxError as exc:
        return f"{type(exc).__name__}: {exc} {exc.output}"
    return f"{result.value!r} {result.output}"


PROGRAMS = [
    "open(path).read()",
    "open(path, 'w').write('pwned')",
    "import os\nos.environ.get('SANDBOX_LINT_SECRET')",
    "import os\nos.getenv('SANDBOX_LINT_SECRET')",
    "import os\ndict(os.environ)",
    "import os\nos.listdir(folder)",
    "import os\nos.remove(path)",
    "import os\nos.system('touch ' + folder + '/owned')",
    "import pathlib\npathlib.Path(path).read_text()",
    "import pathlib\npathlib.Path(folder + '/owned').write_text('x')",
    "import pathlib\n[str(p) for p in pathlib.Path(folder).iterdir()]",
    "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', port))",
    "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:' + str(port)).read()",
    "import subprocess\nsubprocess.run(['cat', path])",
    "import sys\nsys.modules",
    "eval(\"open(path).read()\")",
    "exec(\"import os\\nx = os.environ\")",
    "__import__('os').environ",
    "import json\njson.loads(open(path).read())",
    "f.__class__",
    "g = type(f)\ng(path)",
]


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    accepted: list[object] = []

    def serve() -> None:
        try:
            conn, _ = server.accept()
            accepted.append(conn)
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    server.close()
    thread.join(1)


@pytest.mark.parametrize("source", PROGRAMS)
def test_ungated_program_cannot_reach_the_host(source, host, listener):
    port, accepted = listener
    secret = host / "secret.txt"
    before = sorted(os.listdir(host))
    outcome = _attempt(
        source, {"path": str(secret), "folder": str(host), "port": port, "f": File(str(secret))}
    )
    assert outcome.split(":")[0] in {"SandboxRuntimeError", "BoundaryTypeError"}, outcome  # every attempt failed
    assert SECRET not in outcome
    assert secret.read_text() == SECRET
    assert sorted(os.listdir(host)) == before
    assert not (host / "owned").exists()
    assert accepted == []
