"""The Flyte API beyond the acceptance rows: option tables, environments, nested
orchestrators, flyte_map's run-time semantics and un-awaited calls the gate cannot see.

Every case runs real Monty workers; docs/runtime.md ("Flyte compatibility")
describes the behaviour tested here.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import runtime as flyte
import runtime.io
from runtime import pool, sandbox
from runtime.driver import Run
from runtime.errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxRuntimeError,
    TaskDefinitionError,
    TaskError,
)
from runtime.tasks import TASK_OPTION_NOTES, TaskOptions
from sandbox_lint import check_host

env = flyte.TaskEnvironment(name="flyte-api")


@env.task
def double(x: int) -> int:
    return x * 2


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def echo(s: str) -> str:
    return s


@env.task
def maybe_fail(x: int) -> int:
    if x == 2:
        raise ValueError("bad value")
    return x * 10


TASKS = [double, add, echo, maybe_fail]


def run_local(source: str, inputs: dict[str, Any] | None = None, tasks: list[Any] | None = None) -> Any:
    return sandbox.orchestrate_local_sync(source, inputs or {}, TASKS if tasks is None else tasks)


# ------------------------------------------------------------- @env.task options

scratch = flyte.TaskEnvironment(name="options")


def plain(x: int) -> int:
    return x + 1


def test_every_flyte_task_option_is_accepted_and_kept():
    options = {
        "short_name": "inc", "timeout": 30, "docs": "adds one", "pod_template": "small", "report": True,
        "interruptible": True, "max_inline_io_bytes": 1024, "queue": "batch", "service_account": "runner",
        "triggers": (), "links": (), "task_resolver": None, "entrypoint": True, "produces_artifacts": False,
    }
    assert set(options) == set(TASK_OPTION_NOTES)  # the documented table is the accepted one
    task = scratch.task(**options)(plain)
    assert task.options.timeout == 30.0 and task.options.queue == "batch" and task.options.report is True
    assert task.short_name == "inc" and task.name == "plain"  # the sandbox still calls it `plain`
    template = sandbox.orchestrator_from_str("plain(x)", inputs={"x": int}, output=int, tasks=[task])
    assert template(x=1) == 2


def test_task_options_parse_to_one_frozen_value():
    parsed = TaskOptions.parse({"timeout": timedelta(minutes=1), "short_name": "s"}, what="env.task")
    assert parsed == TaskOptions(short_name="s", timeout=60.0)
    with pytest.raises(AttributeError):
        parsed.timeout = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "options, text",
    [
        ({"retires": 1}, "unknown option `retires` (did you mean `retries`?)"),
        ({"bogus": 2}, "unknown option `bogus`"),
        ({"image": "python:3.12"}, "`image` is an option of the environment, not of a task"),
        ({"resources": flyte.Resources(cpu="1")}, "`resources` is an option of the environment"),
        ({"retries": -1}, "`retries` must be a count of retries"),
        ({"retries": True}, "`retries` must be a count of retries"),
        ({"timeout": "soon"}, "`timeout` must be a number of seconds or a timedelta"),
        ({"short_name": 3}, "`short_name` must be a string"),
        ({"report": "yes"}, "`report` must be True or False"),
        ({"cache": 3}, '`cache` must be True, False, "auto", "override" or "disable"'),
        ({"cache": "sometimes"}, '`cache` must be True, False, "auto", "override" or "disable"'),
        ({"max_inline_io_bytes": -5}, "`max_inline_io_bytes` must be an int >= 0"),
    ],
)
def test_bad_task_options_are_errors_naming_them(options, text):
    with pytest.raises(TaskDefinitionError) as caught:
        scratch.task(**options)  # checked before any function is given
    assert text in str(caught.value)


@pytest.mark.parametrize(
    "options, named",
    [
        ({"retries": 2}, "`retries`"),
        ({"cache": True}, "`cache`"),
        ({"cache": "auto"}, "`cache`"),
        ({"cache": "override"}, "`cache`"),
        ({"cache": True, "cache_version": "v2"}, "`cache`, `cache_version`"),
        ({"retries": 1, "retry_delay_s": 1.5}, "`retries`, `retry_delay_s`"),
        ({"cache": True, "retries": 1}, "`cache`, `retries`"),
    ],
)
def test_durability_options_are_real(options, named):
    task = scratch.task(**options)(plain)  # caching and retries are implemented (tests/durability)
    assert task.options.durability_requested() == [name.strip("`") for name in named.split(", ")]


@pytest.mark.parametrize("options", [{"cache": "disable"}, {"cache": False}, {"cache": None}, {"retries": 0}])
def test_durability_options_that_ask_for_nothing_are_accepted(options):
    task = scratch.task(**options)(plain)
    assert task.options.durability_requested() == []


def test_task_forward_aio_and_short_name():
    assert double.forward(4) == 8 and double(4) == 8
    assert asyncio.run(double.aio(4)) == 8
    assert double.short_name == "double"


# --------------------------------------------------------- TaskEnvironment options


def test_environment_keeps_flyte_deployment_options():
    base = flyte.TaskEnvironment(name="base")
    image = flyte.Image.from_debian_base(python_version=(3, 12)).with_pip_packages("pandas", "pyarrow")
    deploy = flyte.TaskEnvironment(
        "deploy-2", [base], image=image, resources=flyte.Resources(cpu="2", memory="4Gi"),
        secrets=[flyte.Secret(key="token"), "other"], env_vars={"A": "1"}, reusable="policy",
    )
    assert deploy.depends_on == [base]
    assert deploy.image == image and deploy.image.steps[-1] == ("pip", ("pandas", "pyarrow"))
    assert deploy.resources == flyte.Resources(cpu="2", memory="4Gi")
    assert deploy.env_vars == {"A": "1"} and deploy.reusable == "policy"


@pytest.mark.parametrize(
    "options, text",
    [
        ({"imag": "x"}, "unknown option `imag` (did you mean `image`?)"),
        ({"retries": 3}, "unknown option `retries` (it is an option of `@env.task(...)`)"),
        ({"plugin_config": object()}, "`plugin_config` is not supported"),
        ({"image": 3}, '`image` must be a str, an Image, "auto" or None, got int 3'),
        ({"resources": {"cpu": 1}}, "`resources` must be a Resources, got dict"),
        ({"env_vars": ["A=1"]}, "`env_vars` must be a dict of str to str, got list"),
        ({"depends_on": ["base"]}, "`depends_on` must be a list of TaskEnvironment"),
        ({"secrets": 3}, "`secrets` must be a str, a Secret or a list of them"),
        ({"interruptible": "yes"}, "`interruptible` must be True or False"),
        ({"cache": 3}, '`cache` must be True, False, "auto", "override" or "disable"'),
    ],
)
def test_bad_environment_options_are_errors_naming_them(options, text):
    with pytest.raises(TaskDefinitionError) as caught:
        flyte.TaskEnvironment(name="bad", **options)
    assert text in str(caught.value)


@pytest.mark.parametrize("name", ["Bad Name", "UPPER", "trailing-", "", "a__b"])
def test_environment_names_follow_flyte(name):
    with pytest.raises(TaskDefinitionError, match="snake_case or kebab-case"):
        flyte.TaskEnvironment(name=name)


def test_runtime_names_flyte_features_it_does_not_provide():
    with pytest.raises(AttributeError, match=r"flyte\.Cache.*cache=True"):
        flyte.Cache  # noqa: B018
    with pytest.raises(AttributeError, match="flyte_map"):
        flyte.map  # noqa: B018
    with pytest.raises(AttributeError, match="^module 'runtime' has no attribute 'nothing_like_it'$"):
        flyte.nothing_like_it  # noqa: B018


def test_io_module_is_importable_as_flyte_users_write_it():
    assert runtime.io.File is flyte.File
    template = sandbox.orchestrator_from_str("f == g", inputs={"f": runtime.io.File, "g": flyte.File}, output=bool)
    assert template(f=runtime.io.File(path="/a"), g=flyte.File(path="/a")) is True


# ------------------------------------------------------------------ init and run


def test_init_checks_its_keywords_and_does_nothing():
    assert flyte.init(project="p", domain="development", root_dir=".") is None
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'projet' \(did you mean `project`\?\)"):
        flyte.init(projet="p")
    assert flyte.init_from_config(None, project="p") is None
    with pytest.raises(FileNotFoundError, match="does not exist"):
        flyte.init_from_config("/nonexistent/config.yaml")


def test_run_and_execute_take_positional_inputs():
    template = sandbox.orchestrator_from_str("add(x, y)", inputs={"x": int, "y": int}, output=int, tasks=[add])
    assert flyte.run(template, 1, y=2) == 3
    assert flyte.execute(template, 1, 2).value == 3
    with pytest.raises(TypeError, match="given by position and as a keyword"):
        flyte.run(template, 1, x=2)
    with pytest.raises(TypeError, match="takes 2 input"):
        flyte.run(template, 1, 2, 3)


# ------------------------------------------------------- code-string orchestrators


def test_code_string_form_belongs_to_its_environment():
    code_env = flyte.TaskEnvironment(name="code-env", image="python:3.12")
    template = code_env.sandbox.orchestrator("double(x) + 1", inputs={"x": int}, output=int, tasks=[double])
    assert template.name == "sandboxed-code" and template.env is code_env and template.image == "python:3.12"
    assert template(x=2) == 5
    constant = code_env.sandbox.orchestrator("6 * 7")  # no inputs, unchecked result
    assert constant() == 42 and constant.inputs == {}


def test_code_string_form_is_gated_at_creation():
    with pytest.raises(RejectedError) as caught:
        env.sandbox.orchestrator("import os\nos.getcwd()", inputs={})
    assert caught.value.codes == ["SBX101"]


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: env.sandbox.orchestrator(3), TypeError, "orchestrator() expects a callable, string, or keyword arguments, got <class 'int'>"),
        (lambda: env.sandbox.orchestrator(inputs={"x": int}), TaskDefinitionError, "`inputs=` belongs to the code-string form"),
        (lambda: env.sandbox.orchestrator("1", cache="auto"), TaskDefinitionError, "`cache` not supported here"),
        (lambda: env.sandbox.orchestrator(retries=1), TaskDefinitionError, "`retries` not supported here"),
        (lambda: sandbox.orchestrator_from_str("1", retries=2), TaskDefinitionError, "`retries` not supported here"),
    ],
)
def test_orchestrator_option_errors(call, error, text):
    with pytest.raises(error) as caught:
        call()
    assert text in str(caught.value)


def test_a_template_cannot_be_a_task():
    template = sandbox.orchestrator_from_str("1", inputs={}, name="inner")
    with pytest.raises(TaskDefinitionError, match="template `inner` cannot be a task"):
        sandbox.orchestrator_from_str("inner()", inputs={}, tasks=[template])


# ---------------------------------------------------------------- from_task


def test_from_task_groups_and_claims_its_members():
    template = sandbox.orchestrator_from_str("1", inputs={}, output=int, name="member")
    loose = sandbox.orchestrator(lambda_free_orchestrator)
    grouped = flyte.TaskEnvironment.from_task("grouped-2", template, loose)
    assert sorted(grouped.tasks) == ["lambda_free_orchestrator", "member"]
    assert template.env is grouped and loose.env is grouped
    with pytest.raises(ValueError, match="Tasks cannot assigned to multiple environments."):
        flyte.TaskEnvironment.from_task("grouped-3", template)
    with pytest.raises(TaskDefinitionError, match="is not a task, an orchestrator or a template"):
        flyte.TaskEnvironment.from_task("grouped-4", 3)


def lambda_free_orchestrator(n: int) -> int:
    return double(n)


# ---------------------------------------------------------- orchestrators as tasks

nested_env = flyte.TaskEnvironment(name="nested")


@nested_env.sandbox.orchestrator
def inner(x: int) -> int:
    return double(x) + 1


@nested_env.sandbox.orchestrator
async def inner_async(x: int) -> int:
    return await add(x, 100)


@nested_env.sandbox.orchestrator(tasks=[inner, inner_async])
def outer(xs: list[int]) -> list[int]:
    out = []
    for x in xs:
        out.append(inner(x))
    return out + [inner_async(0)]


def test_an_orchestrator_runs_as_a_task_in_its_own_sandboxed_run():
    result = outer.execute(xs=[1, 2])
    assert result.value == [3, 5, 100]
    assert [call.task for call in result.calls] == ["inner", "inner", "inner_async"]


def test_flyte_map_over_an_orchestrator():
    assert run_local('flyte_map("inner", xs)', {"xs": [1, 2, 3]}, [inner]) == [3, 5, 7]


def test_a_nested_orchestrator_keeps_its_own_gate():
    @nested_env.sandbox.orchestrator
    def sneaky(x: int) -> int:
        y = x
        y += 1  # SBX103
        return y

    with pytest.raises(TaskError) as caught:
        run_local("sneaky(1)", {}, [sneaky])
    assert isinstance(caught.value.__cause__, RejectedError)
    assert caught.value.__cause__.codes == ["SBX103"]


_barrier: threading.Barrier | None = None


@nested_env.task
def all_outer_runs_hold_a_worker(x: int) -> int:
    assert _barrier is not None
    _barrier.wait(timeout=120)
    return x


def test_nested_runs_never_wait_for_workers_their_callers_hold():
    # As many outer runs as the pool has workers, each holding its worker while
    # its nested orchestrator needs one: with one shared pool this would hang.
    global _barrier
    width = pool.max_workers()
    _barrier = threading.Barrier(width)
    results: list[Any] = []
    source = "inner(all_outer_runs_hold_a_worker(x))"

    def one(x: int) -> None:
        results.append(run_local(source, {"x": x}, [inner, all_outer_runs_hold_a_worker]))

    threads = [threading.Thread(target=one, args=(x,), daemon=True) for x in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert sorted(results) == sorted(2 * x + 1 for x in range(width))


def test_nesting_deeper_than_the_limit_is_a_clear_error():
    with pytest.raises(TaskError) as caught:
        level_0.execute()
    cause: BaseException | None = caught.value
    while isinstance(cause, TaskError):
        cause = cause.__cause__
    assert isinstance(cause, LimitExceeded) and cause.limit == "nesting"
    assert f"at most {pool.MAX_NESTING} levels" in str(cause)


@nested_env.sandbox.orchestrator
def level_4() -> int:
    return 4


@nested_env.sandbox.orchestrator(tasks=[level_4])
def level_3() -> int:
    return level_4()


@nested_env.sandbox.orchestrator(tasks=[level_3])
def level_2() -> int:
    return level_3()


@nested_env.sandbox.orchestrator(tasks=[level_2])
def level_1() -> int:
    return level_2()


@nested_env.sandbox.orchestrator(tasks=[level_1])
def level_0() -> int:
    return level_1()


# ------------------------------------------------------------ flyte_map at run time

FLYTE_MAP_RUNS = [
    # (id, source, inputs, expected): what only the run can see
    ("range_is_its_values", 'flyte_map("double", range(3))', {}, [0, 2, 4]),
    ("range_with_a_step", 'flyte_map("double", range(6, 0, -2))', {}, [12, 8, 4]),
    ("dict_gives_its_keys", 'flyte_map("double", {1: "a", 2: "b"})', {}, [2, 4]),
    ("str_gives_its_characters", 'flyte_map("echo", "ab")', {}, ["a", "b"]),
    ("the_task_itself", "flyte_map(double, xs)", {"xs": [1, 2]}, [2, 4]),
    ("computed_name", 'name = "dou" + "ble"\nflyte_map(name, xs)', {"xs": [3]}, [6]),
    ("concurrency_none", 'flyte_map("double", xs, concurrency=None)', {"xs": [1]}, [2]),
    ("exceptions_are_values_by_default", 'r = flyte_map("maybe_fail", xs)\n[str(v) for v in r]', {"xs": [1, 2]}, ["10", "bad value"]),
    ("map_task_keeps_raising", 'r = map_task(maybe_fail, xs, return_exceptions=True)\nstr(r[1])', {"xs": [1, 2]}, "bad value"),
    (
        "gathered_in_async_code",
        'async def f(xs):\n    return await gather(flyte_map("double", xs), flyte_map("add", xs, xs))\nawait f(xs)',
        {"xs": [1, 2]},
        [[2, 4], [2, 4]],
    ),
]


@pytest.mark.parametrize("source, inputs, expected", [r[1:] for r in FLYTE_MAP_RUNS], ids=[r[0] for r in FLYTE_MAP_RUNS])
def test_flyte_map_at_run_time(source, inputs, expected):
    assert run_local(source, inputs) == expected


FLYTE_MAP_RUN_ERRORS = [
    # (id, source, error type, text): each raised in the sandbox, at its line
    ("negative_concurrency", 'flyte_map("double", [1], concurrency=-1)', "ValueError", "concurrency must be an int >= 0"),
    ("unknown_keyword", 'opts = {"bogus": 1}\nflyte_map("double", [1], **opts)', "TypeError", "unexpected keyword argument(s): bogus"),
    ("none_is_not_iterable", 'flyte_map("double", None)', "TypeError", "'NoneType' object is not iterable"),
    (
        "a_sandbox_function",
        'def f(x):\n    return x\nflyte_map(f, [1])',
        "RuntimeError",
        "flyte_map: task 'f' not found in registered tasks. Available: add, double, echo, maybe_fail",
    ),
    ("map_task_without_iterables", "args = [double]\nmap_task(*args)", "TypeError", "needs a task and at least one iterable"),
]


@pytest.mark.parametrize("source, exc_type, text", [r[1:] for r in FLYTE_MAP_RUN_ERRORS], ids=[r[0] for r in FLYTE_MAP_RUN_ERRORS])
def test_flyte_map_errors_at_run_time(source, exc_type, text):
    with pytest.raises(SandboxRuntimeError) as caught:
        run_local(source)
    assert caught.value.exc_type == exc_type and text in caught.value.exc_message
    assert caught.value.line == source.count("\n") + 1


# ------------------------------------------------- un-awaited calls the gate cannot see

PENDING = "async def f(xs):\n    pending = [add(x, 1) for x in xs]\n"
UNAWAITED_RUNS = [
    # (id, the rest of f, what the error must say)
    ("returned", "    return pending[0]\n", "the result: the task call `add(x, 1)` (line 2) was not awaited"),
    ("int_argument", "    return await double(pending[0])\n", "`double(...)` at line 3: the task call `add(x, 1)` (line 2)"),
    ("str_argument", "    return await echo(pending[0])\n", "`echo(...)` at line 3: the task call `add(x, 1)` (line 2)"),
    ("inside_a_list", "    return [1, [pending[1]]]\n", "the task call `add(x, 1)` (line 2) was not awaited"),
]


@pytest.mark.parametrize("rest, text", [r[1:] for r in UNAWAITED_RUNS], ids=[r[0] for r in UNAWAITED_RUNS])
def test_an_unawaited_result_is_an_error_naming_the_call(rest, text):
    with pytest.raises(BoundaryTypeError) as caught:
        run_local(PENDING + rest + "await f(xs)", {"xs": [1, 2]})
    assert text in str(caught.value)
    assert "write `await add(x, 1)`, or pass it to `gather(...)`" in str(caught.value)


def test_an_unawaited_result_in_arithmetic_names_the_call():
    with pytest.raises(SandboxRuntimeError) as caught:
        run_local(PENDING + "    return pending[0] + 1\nawait f(xs)", {"xs": [1]})
    assert "unsupported operand type(s) for +: 'coroutine' and 'int'" in str(caught.value)
    assert "the task call `add(x, 1)` (line 2) was not awaited" in str(caught.value)


@nested_env.sandbox.orchestrator
async def returns_a_pending_call(xs: list[int]) -> int:
    pending = [double(x) for x in xs]
    return pending[0]


def test_an_unawaited_result_names_the_host_file_line():
    with pytest.raises(BoundaryTypeError) as caught:
        returns_a_pending_call.execute(xs=[1])
    lines = Path(__file__).read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "pending = [double(x) for x in xs]" in text)
    assert f"the task call `double(x)` (line {line}) was not awaited" in str(caught.value)


def test_gathered_pending_calls_still_work():
    assert run_local(PENDING + "    return await gather(*pending)\nawait f(xs)", {"xs": [1, 2]}) == [2, 3]


def test_unawaited_message_maps_a_call_id_to_its_call():
    template = sandbox.orchestrator_from_str(PENDING + "    return pending[1]\nawait f(xs)", inputs={"xs": list}, tasks=[add])
    run = Run(template.program)
    with pytest.raises(BoundaryTypeError):
        run.execute({"xs": [5, 6]})
    assert run.unawaited_message("<coroutine external_future(1)>") == (
        "the task call `add(x, 1)` (line 2) was not awaited, so its result was never taken: in async code a task "
        "call gives an awaitable, not its value; write `await add(x, 1)`, or pass it to `gather(...)`"
    )
    assert run.unawaited_message("<coroutine external_future(99)>") is None  # not a call of this run
    assert run.unawaited_message("plain text") is None and run.unawaited_message(1) is None


# ------------------------------------------------------------------ the checker

HOST = "import runtime as flyte\nenv = flyte.TaskEnvironment(name='e')\n\n@env.task\ndef double(x: int) -> int:\n    return x * 2\n\n"


@pytest.mark.parametrize(
    "body, text",
    [
        ("@env.sandbox.orchestrator\ndef f(xs: list[int]) -> list[int]:\n    return flyte_map('doubel', xs)\n",
         "flyte_map: task 'doubel' not found in registered tasks. Available: double (did you mean 'double'?)"),
        ("t = flyte.sandbox.orchestrator_from_str(\"flyte_map('double')\", inputs={}, tasks=[double])\n",
         "flyte_map requires at least 2 arguments: flyte_map(task_name, iterable, ...)"),
        ("t = env.sandbox.orchestrator(\"flyte_map('double', xs, bogus=1)\", inputs={'xs': list[int]}, tasks=[double])\n",
         "`flyte_map` has no keyword `bogus`; it takes concurrency=, return_exceptions=, group_name="),
        ("@env.sandbox.orchestrator\nasync def f(xs: list[int]) -> list[int]:\n    return flyte_map('double', xs)\n",
         "`flyte_map('double', xs)` is used without `await`"),
    ],
)
def test_the_checker_knows_flyte_map_in_host_files(body, text):
    found = check_host(HOST + body)
    assert [d.code for d in found] in (["SBX403"], ["SBX405"])
    assert text in found[0].message


def test_the_checker_passes_flyte_map_with_a_known_task():
    assert check_host(HOST + "@env.sandbox.orchestrator\ndef f(xs: list[int]) -> list[int]:\n    return flyte_map('double', xs)\n") == []


def test_an_unawaited_map_is_named_as_a_call():
    source = 'async def f(xs):\n    maps = [flyte_map("double", xs)]\n    return maps[0]\nawait f(xs)'
    with pytest.raises(BoundaryTypeError) as caught:
        run_local(source, {"xs": [1]})
    assert 'the call `flyte_map("double", xs)` (line 2) was not awaited' in str(caught.value)
