"""`sandbox-lint runs list | show`: through main() and as a real process."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points

import pytest

from runtime import codec
from runtime.commands.runs import main
from runtime.store import RunHeader, RunStore

PROG = "sandbox-lint runs"
EVIL = "\x1b[2J\x1b]0;pwned\x07\u202e"


def enc(value):
    return codec.encode(value, max_bytes=1 << 20)


@pytest.fixture
def filled(store_url):
    """A store with a finished run, a failed one and an interrupted one."""
    with RunStore(store_url) as store:
        store.open_run(RunHeader("order-42", "pipeline", "c1", enc({"n": 2}), "0.1.0", "1.4.0", "a" * 32, 1000.0))
        store.call_started("order-42", 1, "1:fetch:k", "fetch", codec.encode_arguments(("2026-01-01",), {}, max_bytes=1000), 1, 1000.0)
        store.call_finished("order-42", 1, 1, ok=True, value=enc([1, 2]), error_type=None, error_text=None, finished_at=1000.12)
        store.call_started("order-42", 2, "2:add:k", "add", codec.encode_arguments((1, 2), {"scale": 1.5}, max_bytes=1000), 1, 1000.2)
        store.call_finished("order-42", 2, 1, ok=True, value=enc(3), error_type=None, error_text=None, finished_at=1000.2, cached=True)
        store.finish_run("order-42", ok=True, result=enc({"total": 3}), error=None, finished_at=1000.5)

        store.open_run(RunHeader("bad", "pipeline", "c1", enc({}), "0.1.0", "1.4.0", "b" * 32, 2000.0))
        store.call_started("bad", 1, "1:t:k", "t" + EVIL, codec.encode_arguments((EVIL,), {}, max_bytes=1000), 1, 2000.0)
        store.call_finished("bad", 1, 1, ok=False, value=None, error_type="ValueError", error_text="boom " + EVIL, finished_at=2000.1)
        store.finish_run("bad", ok=False, result=None, error=f"TaskError: task t failed\n  called at x.py:3 {EVIL}", finished_at=2000.2)

        store.open_run(RunHeader("cut", "pipeline", "c1", enc({}), "0.1.0", "1.4.0", "c" * 32, 3000.0))
        store.call_started("cut", 1, "1:slow:k", "slow", codec.encode_arguments((), {}, max_bytes=1000), 1, 3000.0)
        store.release("cut")  # as if its process died
    return store_url


def run_main(capsys, *argv):
    code = main(list(argv), prog=PROG)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list(filled, capsys):
    code, out, err = run_main(capsys, "list", "--store", filled)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["RUN", "ID", "STATUS", "STARTED", "DURATION", "RESUMES", "NAME", "ERROR"]
    assert [line.split()[:2] for line in lines[1:]] == [["cut", "interrupted"], ["bad", "error"], ["order-42", "ok"]]
    assert "500 ms" in lines[3] and "TaskError: task t failed" in lines[2]
    code, out, _ = run_main(capsys, "list", "--store", filled, "--status", "interrupted")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["cut"]
    code, out, _ = run_main(capsys, "list", "--store", filled, "--limit", "1", "--output-format", "json")
    document = json.loads(out)
    assert [(r["run_id"], r["status"], r["stored_status"]) for r in document["runs"]] == [("cut", "interrupted", "running")]
    code, out, _ = run_main(capsys, "list", "--store", filled, "--status", "running")
    assert out.startswith("no runs with status running")


def test_show(filled, capsys, tmp_path):
    timeline = tmp_path / "order.svg"
    code, out, err = run_main(capsys, "show", "order-42", "--store", filled, "--timeline", str(timeline))
    assert code == 0 and err == f"timeline written to {timeline}\n"
    assert out.splitlines()[:2] == ["run order-42  (pipeline)", "status     ok"]
    assert "duration 500 ms" in out and "inputs     {'n': 2}" in out and "result     {'total': 3}" in out
    table = out[out.index("SEQ"):].splitlines()
    assert table[0].split() == ["SEQ", "ATTEMPT", "TASK", "ARGUMENTS", "DURATION", "STATE", "ERROR"]
    assert table[1].split() == ["1", "1", "fetch", "'2026-01-01'", "120", "ms", "ok"]
    assert table[2].split() == ["2", "1", "add", "1,", "2,", "scale=1.5", "0", "µs", "ok", "(cached)"]
    groups = [g for g in ET.parse(timeline).getroot().iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "call"]
    assert [g.get("data-seq") for g in groups] == ["1", "2"]


def test_show_failed_and_interrupted_runs(filled, capsys):
    code, out, _ = run_main(capsys, "show", "bad", "--store", filled)
    assert code == 0
    assert "status     error" in out and "\nerror\n    TaskError: task t failed\n      called at x.py:3 " in out
    assert "failed  ValueError: boom \\x1b[2J" in out
    code, out, _ = run_main(capsys, "show", "cut", "--store", filled)
    assert "status     interrupted  (no live process holds it" in out
    assert out.splitlines()[-1].split() == ["1", "1", "slow", "-", "interrupted"]
    code, out, _ = run_main(capsys, "show", "cut", "--store", filled, "--output-format", "json")
    document = json.loads(out)
    assert document["status"] == "interrupted" and document["calls"][0]["interrupted"] is True
    assert document["calls"][0]["state"] == "interrupted" and document["calls"][0]["duration_s"] is None


def test_show_json(filled, capsys):
    code, out, _ = run_main(capsys, "show", "order-42", "--store", filled, "--output-format", "json")
    document = json.loads(out)
    assert (document["run_id"], document["status"], document["duration_s"]) == ("order-42", "ok", 0.5)
    assert document["result"] == [1, {"total": 3}]  # the recorded value, tagged JSON (runtime.codec)
    assert [(c["seq"], c["task"], c["state"], c["cached"]) for c in document["calls"]] == [(1, "fetch", "ok", False), (2, "add", "ok", True)]
    assert document["calls"][1]["args_preview"] == "1, 2, scale=1.5"


def test_nothing_printed_can_drive_the_terminal(filled, capsys):
    for argv in (["list"], ["show", "bad"], ["show", "bad", "--output-format", "json"]):
        code, out, err = run_main(capsys, *argv, "--store", filled)
        assert code == 0
        assert not any(char in out + err for char in "\x1b\x07\u202e"), argv
    code, out, err = run_main(capsys, "show", "x" + EVIL, "--store", filled)
    assert code == 2 and "\x1b" not in err and "\\x1b" in err


def test_the_store_comes_from_the_environment(filled, capsys, monkeypatch):
    monkeypatch.setenv("SANDBOX_LINT_STORE", filled)
    code, out, _ = run_main(capsys, "show", "order-42")
    assert code == 0 and out.startswith("run order-42")


@pytest.mark.parametrize("argv, message", [
    (["show", "nope"], "no run 'nope' in "),
    (["show", "order-42", "--timeline", "x.png"], "--timeline writes FILE.svg or FILE.html"),
    (["show", "order-42", "--timeline", "/no/such/dir/t.svg"], "cannot write the timeline /no/such/dir/t.svg"),
    (["list", "--limit", "0"], "expected a positive integer"),
    (["list", "--status", "done"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
    ([], "expected a command"),
])
def test_usage_errors_are_one_line_exit_2(filled, capsys, argv, message):
    code, out, err = run_main(capsys, *argv, *(["--store", filled] if argv and argv[0] in ("show", "list") else []))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"{PROG}") and message in err, err


@pytest.mark.parametrize("store, message", [
    (None, "no run store given: pass --store"),
    ("missing.sqlite", "no run store at missing.sqlite: the file does not exist"),
    ("mysql://host/db", "unsupported store URL scheme 'mysql'"),
    ("sqlite://relative", "absolute path"),
    ("postgresql://nobody@127.0.0.1:1/x", "cannot connect to the PostgreSQL store"),
])
def test_bad_stores_are_one_line_exit_2(capsys, monkeypatch, tmp_path, store, message):
    monkeypatch.delenv("SANDBOX_LINT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "list", *(["--store", store] if store else []))
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "missing.sqlite").exists()


def test_help(capsys):
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and "list" in out and "show" in out


def test_as_a_process(filled, tmp_path):
    def run(*argv):
        return subprocess.run(
            [sys.executable, "-m", "runtime.commands.runs", *argv], capture_output=True, text=True, timeout=120,
        )

    listed = run("list", "--store", filled)
    assert listed.returncode == 0 and listed.stdout.splitlines()[3].split()[:2] == ["order-42", "ok"]
    shown = run("show", "order-42", "--store", filled, "--timeline", str(tmp_path / "t.html"))
    assert shown.returncode == 0 and "fetch" in shown.stdout and (tmp_path / "t.html").read_text().startswith("<!DOCTYPE html>")
    missing = run("show", "nope", "--store", filled)
    assert missing.returncode == 2 and missing.stdout == "" and "Traceback" not in missing.stderr
    with RunStore(filled) as store:
        assert missing.stderr.splitlines() == [f"{PROG}: error: no run 'nope' in {store.url}"]


def test_registered_as_the_runs_verb():
    found = {ep.name: ep.value for ep in entry_points(group="sandbox_lint.commands")}
    assert found.get("runs") == "runtime.commands.runs:main"
