"""`sandbox-lint stubs` and `sandbox-lint run` for a person at a terminal (issue 11 §5),
through the real console script."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from runtime.limits import Limits
from sandbox_lint.interface import InputDecl, Interface, Param, TaskSignature, parse_stub

from .conftest import run, write

FLOWS = '''\
from runtime import TaskEnvironment, sandbox

env = TaskEnvironment(name="shop")
other = TaskEnvironment(name="other")


@env.task
def price(item: str) -> float:
    return 2.5


@env.task
async def stock(item: str, *, store: str = "main") -> int:
    return 3


@env.sandbox.orchestrator
def total(items: list[str], discount: float = 0.0) -> float:
    return sum([price(i) for i in items]) - discount


summary = env.sandbox.orchestrator("len(items)", inputs={"items": list[str]}, output=int, name="summary-count")
loose = sandbox.orchestrator_from_str("price(x)", inputs={"x": str}, tasks=[price])
counter = 3
'''

PRICE = TaskSignature("price", (Param("item", "str"),), "float")
STOCK = TaskSignature("stock", (Param("item", "str"), Param("store", "str", "keyword_only", True)), "int", True)


@pytest.fixture
def flows(project: Path) -> Path:
    write(project, {"flows.py": FLOWS})
    return project


# ---------------------------------------------------------------- stubs


def test_an_environment_stub_lists_its_orchestrators_with_their_inputs(flows: Path) -> None:
    result = run("stubs", "flows.py:env", cwd=flows)
    assert result.code == 0, result.err
    assert result.lines == [
        "# Tasks of TaskEnvironment 'shop' (`sandbox-lint stubs flows.py:env`)",
        "def price(item: str) -> float: ...",
        "async def stock(item: str, *, store: str = ...) -> int: ...",
        "",
        "# Its orchestrators and templates, with their inputs and output. For one's whole stub:",
        "# `sandbox-lint stubs flows.py:NAME` (or `--orchestrator NAME`).",
        "# orchestrator total(items: list[str], discount: float = ...) -> float",
        "# template summary(items: list[str]) -> int  (named 'summary-count')",
    ]
    # What a script run with `--tasks flows.py:env` may name: the tasks, no inputs.
    assert parse_stub(result.out) == Interface(tasks=(PRICE, STOCK))


def test_an_orchestrator_or_template_stub_is_its_whole_interface(flows: Path) -> None:
    total = run("stubs", "flows.py:total", cwd=flows)
    assert total.code == 0 and total.lines[0].startswith("# Orchestrator `total`: its inputs, output and tasks")
    assert parse_stub(total.out) == Interface(
        tasks=(PRICE, STOCK), inputs=(InputDecl("items", "list[str]"), InputDecl("discount", "float")), output="float"
    )
    assert run("stubs", "flows.py:env", "--orchestrator", "total", cwd=flows).out == total.out
    summary = run("stubs", "flows.py:env", "--orchestrator", "summary-count", cwd=flows)  # its own name works too
    assert parse_stub(summary.out) == Interface(inputs=(InputDecl("items", "list[str]"),), output="int")
    loose = run("stubs", "flows.py:loose", cwd=flows)  # a template of no environment
    assert parse_stub(loose.out) == Interface(tasks=(PRICE,), inputs=(InputDecl("x", "str"),))


def test_a_stub_is_what_check_reads_as_the_interface(flows: Path) -> None:
    stub = run("stubs", "flows.py:total", cwd=flows)
    write(flows, {"total.pyi": stub.out, "body.py": "sum([price(i) for i in items]) - discount + stock(item)\n"})
    result = run("check", "--interface", "total.pyi", "body.py", cwd=flows)
    assert [line.split(": ")[1].split()[0] for line in result.findings] == ["SBX401"]
    assert "`item` is not defined" in result.findings[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (("flows.py:nope",), "`flows.py:nope` is not a TaskEnvironment, an orchestrator or a template: module `flows.py` has no "
                             "`nope`; its TaskEnvironments: `env`, `other`; its orchestrators and templates: `total`, `summary`, `loose`"),
        (("flows.py:totl",), "has no `totl` (did you mean `total`?)"),
        (("flows.py:counter",), "`flows.py:counter` is not a TaskEnvironment, an orchestrator or a template: it is an int;"),
        (("flows.py:env", "--orchestrator", "loose"), "TaskEnvironment 'shop' has no orchestrator or template `loose`; "
                                                      "its orchestrators and templates: `total`, `summary`"),
        (("flows.py:total", "--orchestrator", "x"), "--orchestrator goes with MODULE:ENV; `flows.py:total` is already an orchestrator"),
    ],
)
def test_stubs_names_what_the_module_has(flows: Path, args: tuple[str, ...], message: str) -> None:
    result = run("stubs", *args, cwd=flows)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("sandbox-lint stubs: error: ") and message in result.err


# ---------------------------------------------------------------- run


def test_run_without_tasks_says_which_names_look_like_tasks(flows: Path) -> None:
    write(flows, {"job.py": "n = len(items)\nsquares = map_task(square, [1, 2])\n[price(items[0]), n, squares]\n"})
    result = run("run", "job.py", "--input", 'items=["a"]', cwd=flows)
    assert result.code == 1 and result.out == ""
    note = result.err.splitlines()[0]
    assert note == (
        "sandbox-lint run: note: no --tasks given, and the script calls `price` and `square`, which it does not "
        "define: they look like tasks. Pass --tasks MODULE:ENV, the TaskEnvironment that registers them "
        "(`sandbox-lint stubs MODULE:ENV` lists an environment's tasks)"
    )
    assert "[SBX401]" in result.err  # the model-facing text is still there, unchanged
    ok = run("run", "job.py", "--tasks", "flows.py:env", "--input", 'items=["a"]', cwd=flows)
    assert "note:" not in ok.err


def test_run_with_an_unused_input_says_so_and_still_runs(flows: Path) -> None:
    write(flows, {"job.py": "price(item) * count\n"})
    result = run("run", "job.py", "--tasks", "flows.py:env", "-i", "item=a", "-i", "count=2", "-i", "cout=3", "-i", "extra=1", cwd=flows)
    assert (result.code, result.out) == (0, "5.0\n")
    notes = [line for line in result.err.splitlines() if "note:" in line]
    assert notes == [
        "sandbox-lint run: note: the script never reads the input `cout` given with --input; running it anyway",
        "sandbox-lint run: note: the script never reads the input `extra` given with --input; running it anyway",
    ]
    typo = run("run", "job.py", "--tasks", "flows.py:env", "-i", "item=a", "-i", "cout=3", cwd=flows)
    assert typo.code == 1
    assert typo.err.splitlines()[:2] == [
        "sandbox-lint run: note: the script never reads the input `cout` given with --input "
        "(did you mean `count`? the script reads that name); running it anyway",
        "sandbox-lint run: note: the script reads `count`, which it does not define and no --input gives: "
        "pass --input count=VALUE",
    ]


def test_run_tasks_names_what_the_module_has(flows: Path) -> None:
    write(flows, {"job.py": "1\n"})
    result = run("run", "job.py", "--tasks", "flows.py:nope", cwd=flows)
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "sandbox-lint run: error: `flows.py:nope` is not a TaskEnvironment: module `flows.py` has no `nope`; "
        "its TaskEnvironments: `env`, `other`\n"
    )
    typo = run("run", "job.py", "--tasks", "flows.py:evn", cwd=flows)
    assert "has no `evn` (did you mean `env`?)" in typo.err
    wrong = run("run", "job.py", "--tasks", "flows.py:total", cwd=flows)
    assert "`flows.py:total` is not a TaskEnvironment: it is an Orchestrator; its TaskEnvironments: `env`, `other`" in wrong.err
    write(flows, {"empty.py": "x = 1\n"})
    assert "it defines no TaskEnvironment" in run("run", "job.py", "--tasks", "empty.py:env", cwd=flows).err


def test_run_takes_every_limit_as_an_option(flows: Path) -> None:
    help_text = run("run", "--help", cwd=flows)
    for item in dataclasses.fields(Limits):  # generated from the fields: a new limit needs no CLI edit
        assert "--" + item.name.replace("_", "-") in help_text.out
    assert "Task calls per run" in help_text.out  # the field's docstring is the help
    write(flows, {"job.py": "[price(i) for i in items]\n", "spin.py": "x = 0\nwhile True:\n    x = x + 1\n"})
    args = ("run", "job.py", "--tasks", "flows.py:env", "-i", 'items=["a", "b", "c"]')
    assert run(*args, cwd=flows).out == "[2.5, 2.5, 2.5]\n"
    limited = run(*args, "--max-task-calls", "2", cwd=flows)
    assert limited.code == 1 and "LimitExceeded: task call limit reached" in limited.err
    spin = run("run", "spin.py", "--timeout-ms", "200", cwd=flows)
    assert spin.code == 1 and "LimitExceeded" in spin.err
    memory = run("run", "spin.py", "--max-memory", "lots", cwd=flows)
    assert memory.code == 2 and "argument --max-memory: expected a whole number, got 'lots'" in memory.err
    zero = run("run", "spin.py", "--concurrency", "0", cwd=flows)
    assert zero.code == 2 and "argument --concurrency: must be more than 0, got '0'" in zero.err
    deep = run("run", "spin.py", "--max-value-depth", "1000", cwd=flows)
    assert deep.code == 2 and deep.err == (
        "sandbox-lint run: error: --max-value-depth: limit `max_value_depth` must be at most 512, got 1000\n"
    )


def test_run_id_and_store_still_journal_the_run(flows: Path) -> None:
    write(flows, {"job.py": "price(item)\n"})
    store = str(flows / "runs.sqlite")
    first = run("run", "job.py", "--tasks", "flows.py:env", "-i", "item=a", "--run-id", "r-1", "--store", store, "--max-task-calls", "5", cwd=flows)
    assert (first.code, first.out) == (0, "2.5\n") and "run r-1 journaled in" in first.err
    shown = run("runs", "show", "r-1", "--store", store, cwd=flows)
    assert shown.code == 0 and "price" in shown.out
    assert json.loads(run("run", "job.py", "--tasks", "flows.py:env", "-i", "item=a", "--run-id", "r-1", "--store", store, cwd=flows).out) == 2.5
