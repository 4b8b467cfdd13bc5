"""With the gate bypassed (test-only path), no program reaches the host filesystem, network or environment.

The gate rejects all of these programs; here they run anyway, straight into
Monty, to show the second wall holds: OS calls are refused by the driver,
imports of host modules fail, and handles stay opaque.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
import security_tasks
from security_tasks import add, echo_keys, ident
from ungated import run_ungated

from runtime import (
    BoundaryTypeError, DataFrame, Dir, File, LimitExceeded, RejectedError, SandboxError, SandboxRuntimeError, sandbox,
)
from runtime.commands.run import run_command
from runtime.gate import _passed
from runtime.handles import handle_key
from sandbox_lint.caches import BoundedCache
from sandbox_lint import check

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


# ======================================================= issue 10: the smaller holes

HERE = Path(__file__).parent
run = sandbox.orchestrate_local_sync


def _child(script: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True, timeout=timeout, env=env)


# --- a print flood stops at the output cap ----------------------------------------


@pytest.mark.parametrize("source", [
    "while True:\n    print('x' * 100)",
    "while True:\n    print('x')",
    "s = 'a' * 1000000\nprint(*([s] * 30000))",
])
def test_a_print_flood_stops_at_the_output_cap(source):
    # The time limit is ten minutes: only the output cap can end these runs.
    with pytest.raises(LimitExceeded) as info:
        run(source, timeout_ms=600_000, max_output_bytes=64 * 1024)
    assert info.value.limit == "output" and info.value.value == 64 * 1024
    assert 0 < len(info.value.output.encode()) <= 64 * 1024
    assert run("add(20, 22)", tasks=[add]) == 42  # the killed worker was replaced


# --- tuple dict keys are validated as deeply as values ----------------------------


@pytest.mark.parametrize("source, part", [
    ("{(len, ValueError): 1}", "(key)[0]"),
    ("{(1, (2, print)): 1}", "(key)[1][1]"),
    ("echo_keys({(len, 1): 2})", "] (key)[0]"),
])
def test_tuple_keys_are_validated_like_values(source, part):
    security_tasks.received.clear()
    with pytest.raises(BoundaryTypeError) as info:
        run_ungated(source, tasks=[echo_keys])
    assert info.value.path.endswith(part), info.value.path
    assert security_tasks.received == []  # no host object reached the task


def test_legitimate_tuple_keys_pass():
    assert run("{(1, 'a'): 2, (): 3}") == {(1, "a"): 2, (): 3}
    security_tasks.received.clear()
    assert run("echo_keys({(1, (2.5, 'x')): 1})", tasks=[echo_keys]) == [(1, (2.5, "x"))]


# --- values of the wrong kind where str is declared -------------------------------


@pytest.mark.parametrize("source, got", [
    ("ident(add)", "the task `add` itself instead of a value"),
    ("f = add\nident(f)", "the task `add` itself instead of a value"),
    ("def g():\n    return 1\n\nident(g)", "a function (`g`) instead of a value"),
    ("ident(lambda: 1)", "a function (`<lambda>`)"),
    ("ident(range(3))", "a range object"),
    ("ident(iter([1]))", "a list_iterator object"),
    ("ident({1: 2}.keys())", "a dict_keys view"),
    ("ident(map_task)", "the task `map_task` itself"),
])
def test_a_value_of_the_wrong_kind_is_a_boundary_type_error(source, got):
    with pytest.raises(BoundaryTypeError) as info:
        run_ungated(source, tasks=[ident, add])
    assert info.value.path == "ident.x" and info.value.expected == "str"
    assert got in info.value.got, info.value.got


def test_an_unawaited_task_call_says_so_with_its_task_and_line():
    source = "async def main():\n    pending = add(1, 2)\n    return await ident(pending)\n\nawait main()"
    with pytest.raises(BoundaryTypeError) as info:
        run_ungated(source, tasks=[ident, add])
    message = str(info.value)
    assert "the task call `add(1, 2)` (line 2) was not awaited" in message and "write `await add(1, 2)`" in message
    assert "external_future" not in message and info.value.got == "an un-awaited task call"
    with pytest.raises(BoundaryTypeError) as info:  # the result, untyped: still not a value
        run_ungated("async def main():\n    return add(1, 2)\n\nawait main()", tasks=[add])
    assert "the task call `add(1, 2)` (line 2) was not awaited" in str(info.value)
    with pytest.raises(BoundaryTypeError) as info:  # an un-awaited coroutine of the program's own
        run_ungated("async def g():\n    return 1\n\nasync def main():\n    return await ident(g())\n\nawait main()", tasks=[ident])
    assert info.value.path == "ident.x" and "un-awaited coroutine `g`" in info.value.got


def test_tasks_still_work_through_other_names():
    assert run("f = add\nf(1, 2)", tasks=[add]) == 3
    assert run("map_task(add, [1, 2], [3, 4])", tasks=[add]) == [4, 6]
    assert run("map_task('add', [1], [3])", tasks=[add]) == [4]
    assert run("ident('add')", tasks=[ident]) == "add"  # a real string that names a task is a string
    assert run("ident('range(0, 3) is a text')", tasks=[ident]) == "range(0, 3) is a text"


# --- limit errors come only from the limits ---------------------------------------


@pytest.mark.parametrize("source, exc_type", [
    ("raise TimeoutError('time limit exceeded: 0.1s > 0s')", "TimeoutError"),
    ("raise TimeoutError('feed time limit exceeded: 300.1ms > 300ms')", "TimeoutError"),
    ("e = TimeoutError('time limit exceeded')\nraise e", "TimeoutError"),
    ("def f():\n    raise (TimeoutError)('time limit exceeded: 1s > 0s')\n\nf()", "TimeoutError"),
])
def test_a_program_cannot_forge_a_limit_error(source, exc_type):
    with pytest.raises(SandboxRuntimeError) as info:
        run(source)
    assert info.value.exc_type == exc_type


@pytest.mark.parametrize("source, exc_type", [
    ("raise MemoryError('memory limit exceeded: 100 bytes > 10 bytes')", "MemoryError"),
    ("raise MemoryError('the worker exceeded its memory limit and was terminated')", "MemoryError"),
    ("raise RecursionError('maximum recursion depth exceeded')", "RecursionError"),
    ("raise RuntimeError('suspension limit 10 exceeded')", "RuntimeError"),
    ("x = 'é'; raise (\n    MemoryError('memory limit exceeded')\n)", "MemoryError"),
    ("exec(\"raise MemoryError('memory limit exceeded: 100 bytes > 10 bytes')\")", "MemoryError"),
    ("exec(\"raise TimeoutError('time limit exceeded')\")", "TimeoutError"),
])
def test_forged_limit_errors_stay_runtime_errors_even_ungated(source, exc_type):
    with pytest.raises(SandboxRuntimeError) as info:
        run_ungated(source)
    assert info.value.exc_type == exc_type


def test_real_limits_are_still_limits():
    with pytest.raises(LimitExceeded) as info:
        run("i = 0\nwhile True:\n    i = i + 1", timeout_ms=200)
    assert info.value.limit == "time"
    with pytest.raises(LimitExceeded) as info:
        run_ungated("raise ValueError('a' * 100000000)", max_memory=10_000_000)  # allocation inside a raise
    assert info.value.limit == "memory"
    with pytest.raises(LimitExceeded) as info:
        run("def down(n):\n    return down(n + 1)\n\ndown(0)", max_stack_depth=40)
    assert info.value.limit == "recursion"


# --- allocation failures inside builtins ------------------------------------------


@pytest.mark.parametrize("source", [
    "s = 'a' * 1000000\nt = '-'.join([s] * 3000)\n1",
    "s = 'a' * 1000000\nt = str([s] * 3000)\n1",
    "s = 'a' * 1000000\nt = f'{[s] * 3000}'\n1",
    "xs = list(range(10 ** 7))\n1",
])
def test_allocation_failures_inside_builtins_are_the_memory_limit(source):
    with pytest.raises(LimitExceeded) as info:
        run(source)
    assert info.value.limit == "memory"
    assert run("add(20, 22)", tasks=[add]) == 42


def test_the_workers_noise_stays_out_of_stderr_and_goes_to_the_log():
    done = _child("""
        import logging, sys
        logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(name)s: %(message)s")
        from runtime import LimitExceeded, sandbox
        try:
            sandbox.orchestrate_local_sync("s = 'a' * 1000000\\nt = '-'.join([s] * 3000)\\n1")
        except LimitExceeded as exc:
            print("limit", exc.limit)
        import time; time.sleep(0.5)  # the log thread copies the worker's last line
    """)
    assert done.returncode == 0, done.stderr
    assert "limit memory" in done.stdout
    assert "monty worker" not in done.stderr and "allocation" not in done.stderr
    assert "runtime.worker: monty worker: allocation of" in done.stdout


# --- handle keys ------------------------------------------------------------------


def test_handle_keys_are_per_process_and_show_nothing_identifying():
    path = "/etc/passwd"
    shown = run("str(f)", inputs={"f": File(path)})
    unsalted = hashlib.blake2b(f"File\0{path}".encode(), digest_size=12).hexdigest()
    assert path not in shown and unsalted not in shown
    other = _child("""
        from runtime import File, sandbox
        print(sandbox.orchestrate_local_sync("str(f)", inputs={"f": File("/etc/passwd")}))
    """)
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() != shown  # a guess cannot be confirmed from another process
    frame = pd.DataFrame({"x": [1]})
    handle = DataFrame(frame)
    assert str(id(frame)) not in handle._sbx_key and f"{id(frame):x}" not in handle._sbx_key
    assert run("f == g", inputs={"f": File(path), "g": File(path)}) is True  # equality still works
    assert run("d == e", inputs={"d": handle, "e": DataFrame(frame)}) is True
    assert run("d == e", inputs={"d": handle, "e": DataFrame(pd.DataFrame({"x": [1]}))}) is False


def test_call_keys_of_handles_are_stable_across_processes():
    frame = pd.DataFrame({"x": [1, 2]})
    here = [handle_key(File("/data/a.csv")), handle_key(Dir("s3://bucket/d")), handle_key(DataFrame(frame))]
    there = _child("""
        import pandas as pd
        from runtime import DataFrame, Dir, File
        from runtime.handles import handle_key
        print(handle_key(File("/data/a.csv")), handle_key(Dir("s3://bucket/d")), handle_key(DataFrame(pd.DataFrame({"x": [3, 4]}))))
    """)
    assert there.returncode == 0, there.stderr
    assert there.stdout.split() == here  # the same path, the same frame shape: the same call key
    assert "/data/a.csv" not in here[0]


# --- terminal control sequences ---------------------------------------------------


def test_the_run_verb_escapes_control_sequences(tmp_path):
    script = tmp_path / "evil.py"
    script.write_text(
        "print('\\x1b[2J\\x1b]0;pwned\\x07 line\\u202e' + chr(155) + 'x')\n"
        "add(1, len('\\x1b[31m'))\n"
        "raise ValueError('\\x1b[1A\\x1b[K gone \\r over')\n"
    )
    out, err = _Capture(), _Capture()
    code = run_command(str(script), "security_tasks:env", stdout=out, stderr=err)
    assert code == 1
    text = err.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text and "\r" not in text and "\x07" not in text
    assert "\\x1b[2J" in text and "\\u202e" in text and "\\x9b" in text and "\\x1b[1A" in text and "\\r over" in text


def test_trace_lines_are_escaped_and_short(tmp_path):
    script = tmp_path / "trace.py"
    script.write_text("s = '\\x1b[31m' + 'a' * 100000\ntake_text(s)\n")
    out, err = _Capture(), _Capture()
    assert run_command(str(script), "security_tasks:env", stdout=out, stderr=err) == 0
    [trace] = [line for line in err.getvalue().splitlines() if line.startswith("[1]")]
    assert "\x1b" not in trace and "\\x1b[31m" in trace and len(trace) < 400
    assert json.loads(out.getvalue()) == 100005


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "".join(self.parts)


# --- Ctrl-C -----------------------------------------------------------------------


def _interrupt(script: str, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Start `script`, wait for its READY line, send SIGINT, collect the outcome."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == "READY", first + child.stderr.read()
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=240)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr), first


def test_ctrl_c_interrupts_orchestrate_local_sync_and_the_pool_stays_usable():
    done, _ = _interrupt("""
        import time
        from runtime import TaskEnvironment, sandbox
        env = TaskEnvironment(name="ctrl-c")

        @env.task
        def ready() -> int:
            print("READY", flush=True)
            return 1

        @env.task
        def add(x: int, y: int) -> int:
            return x + y

        started = time.perf_counter()
        try:  # ten minutes of sandbox time: only Ctrl-C ends this run
            sandbox.orchestrate_local_sync("ready()\\nwhile True:\\n    x = 1", tasks=[ready], timeout_ms=600_000)
        except KeyboardInterrupt:
            print(f"interrupted after {time.perf_counter() - started:.2f}s")
        print("after", sandbox.orchestrate_local_sync("add(20, 22)", tasks=[add]))
    """)
    assert done.returncode == 0, done.stderr
    assert "interrupted after" in done.stdout and "after 42" in done.stdout
    print(done.stdout)


def test_ctrl_c_interrupts_the_run_verb(tmp_path):
    script = tmp_path / "spin.py"
    script.write_text("ready()\nwhile True:\n    x = 1\n")
    done, _ = _interrupt("""
        import sys
        from runtime.commands.run import main
        sys.exit(main([sys.argv[1], "--tasks", "security_tasks:env"]))
    """, str(script))
    assert done.returncode == 130, done.stderr
    assert "interrupted" in done.stderr and "LimitExceeded" not in done.stderr  # not the 30 s time limit


def test_ctrl_c_while_a_task_runs_discards_the_session():
    done, _ = _interrupt("""
        import time
        from runtime import TaskEnvironment, sandbox
        env = TaskEnvironment(name="ctrl-c")

        @env.task
        def slow() -> int:
            print("READY", flush=True)
            time.sleep(600)
            return 1

        try:
            sandbox.orchestrate_local_sync("slow()", tasks=[slow])
        except KeyboardInterrupt:
            print("interrupted")
        print("after", sandbox.orchestrate_local_sync("1 + 1"))
    """)
    assert done.returncode == 0, done.stderr
    assert "interrupted" in done.stdout and "after 2" in done.stdout


# --- caches are bounded by bytes --------------------------------------------------


def test_caches_are_bounded_by_bytes():
    cache: BoundedCache[int, str] = BoundedCache(100, 1000, max_share=0.25)
    for index in range(50):
        cache.put(index, "x", 100)
    assert len(cache) == 10 and cache.chars == 1000 and cache.get(49) == "x" and cache.get(0) is None
    cache.put(99, "big", 400)  # over a quarter of the budget: not kept
    assert cache.get(99) is None and cache.chars <= 1000


def test_distinct_large_programs_do_not_grow_the_runtimes_caches():
    from runtime.sandbox import _programs

    padding = "# " + "a" * 200_000 + "\n"
    before = _passed.chars
    for index in range(12):
        assert run(f"{padding}{index}") == index
    assert _programs.chars <= _programs.max_chars and _passed.chars <= _passed.max_chars
    assert _passed.chars - before < 12 * 10_000  # digests, never the 200 KB texts


# --- SBX201 / SBX203: the static holes ---------------------------------------------

FRAME_WALKS = [
    "g = (x for x in [1])\nb = g.gi_frame.f_back.f_builtins",
    "async def c():\n    return 1\n\ng = c().cr_frame.f_globals",
    "async def c():\n    return 1\n\nw = c().cr_await",
    "e = ValueError('x')\nt = e.with_traceback(None)",
    "g = (x for x in [1])\nc = g.gi_code.co_consts",
    "g = (x for x in [1])\nf = g.gi_frame.f_locals",
    "k = int.mro()",
]


@pytest.mark.parametrize("source", FRAME_WALKS)
def test_frame_and_coroutine_introspection_is_rejected(source):
    assert "SBX201" in [d.code for d in check(source)]
    with pytest.raises(RejectedError):
        run(source)


def test_the_introspection_list_covers_cpythons_own_attributes():
    from sandbox_lint.rules.sbx201_private_name import is_introspection

    def gen():
        yield 1

    async def coro():
        return 1

    async def agen():
        yield 1

    c = coro()
    objects = [sys._getframe(), gen().gi_code, gen(), c, agen()]
    try:
        raise ValueError
    except ValueError as exc:
        objects.append(exc.__traceback__)
    c.close()
    names = {name for obj in objects for name in dir(obj) if name[:3] in ("f_", "co_", "tb_", "gi_", "cr_", "ag_") or name[:2] == "f_"}
    assert names and all(is_introspection(name) for name in names), sorted(n for n in names if not is_introspection(n))
    assert is_introspection("with_traceback")
    assert not any(is_introspection(name) for name in ("append", "replace", "format_x", "keys", "upper", "count"))


@pytest.mark.parametrize("source", [
    "s = f\"{dict:'\\x7B__fstring__.__class__.s\\x7D'}\"",
    "s = f\"{dict:'\\173__fstring__.__class__\\175'}\"",
    "s = f\"{dict:\\u007b0.__class__\\u007d}\"",
    "w = 3\ns = f'{dict:{w}}'",
    "s = f'{dict:__class__}'",
    "s = f'{1:%Y}'",
])
def test_format_specs_cannot_smuggle_fields(source):
    assert "SBX203" in [d.code for d in check(source)]


@pytest.mark.parametrize("source", [
    "x = 2.5\ns = f'{x:>10.2f}|{x:,}|{x:.1%}|{x:_^9}|{x!r:>8}|{7:#x}|{7:08d}'",
    "x = 1\ns = rf'{x:>4}\\d'",
])
def test_ordinary_format_specs_pass(source):
    assert [d.code for d in check(source)] == []
