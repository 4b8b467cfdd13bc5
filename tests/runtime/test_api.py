"""The Flyte-shaped API on real Monty workers: tasks, orchestrators, templates, run()."""

from __future__ import annotations

import asyncio
from typing import Dict, List, Optional

import pytest
from sample_tasks import add, await_wait, describe, env, fib, multiply, square

import runtime
from runtime import sandbox
from runtime.errors import RejectedError, TaskDefinitionError


@env.sandbox.orchestrator
def pipeline(n: int) -> dict[str, int]:
    fib_result = fib(n)
    linear_result = add(multiply(n, 2), 5)
    total = add(fib_result, linear_result)
    return {"fib": fib_result, "linear": linear_result, "total": total}


@env.sandbox.orchestrator
async def async_pipeline(n: int) -> list[int]:
    first = await add(n, 1)
    rest = await gather(square(first), square(n))
    return [first, *rest]


@env.sandbox.orchestrator(timeout_ms=5_000, max_task_calls=50, concurrency=4, name="configured")
def configured(values: List[int], factor: int = 3) -> List[int]:
    out = []
    for v in values:
        out.append(multiply(v, factor))
    return out


@runtime.sandbox.orchestrator
def envless(x: int) -> int:
    return add(x, x)


def test_decorated_sync_orchestrator_runs_in_sandbox(tracker):
    assert pipeline(5) == {"fib": 5, "linear": 15, "total": 20}
    assert [name for name, _ in tracker.calls] == ["fib", "multiply", "add", "add"]


def test_decorated_async_orchestrator_returns_awaitable():
    assert asyncio.run(async_pipeline(3)) == [4, 16, 9]
    assert async_pipeline.forward(3) == [4, 16, 9]


def test_orchestrator_options_and_defaults():
    assert configured([1, 2]) == [3, 6]
    assert configured([1, 2], factor=10) == [10, 20]
    assert configured.name == "configured"
    assert configured.limits.timeout_ms == 5_000
    assert configured.limits.max_task_calls == 50
    assert configured.limits.concurrency == 4


def test_module_level_orchestrator_finds_module_tasks():
    # `add` is imported into this module, so it is part of the interface
    assert envless(4) == 8


def test_run_and_execute():
    assert runtime.run(pipeline, n=5)["total"] == 20
    result = runtime.execute(pipeline, n=5)
    assert result.value["fib"] == 5
    assert [c.task for c in result.calls] == ["fib", "multiply", "add", "add"]
    assert runtime.run(add, x=1, y=2) == 3  # a task runs on the host


def test_tasks_are_plain_functions_on_the_host():
    assert add(2, 3) == 5
    assert asyncio.run(await_wait(7, 0)) == 7
    assert add.name == "add" and not add.is_async and await_wait.is_async
    assert "def add(x: int, y: int) -> int: ..." == add.stub()


def test_orchestrator_from_str_is_reusable():
    compute = sandbox.orchestrator_from_str(
        """
        partial = add(x, y)
        multiply(partial, scale)
        """,
        inputs={"x": int, "y": int, "scale": int},
        output=int,
        tasks=[add, multiply],
        name="compute-pipeline",
    )
    assert isinstance(compute, runtime.CodeTaskTemplate)
    assert runtime.run(compute, x=2, y=3, scale=4) == 20
    assert compute(x=1, y=1, scale=10) == 20
    assert asyncio.run(compute.aio(x=0, y=1, scale=2)) == 2
    assert compute.name == "compute-pipeline"
    assert "def multiply(x: int, y: int) -> int: ..." in compute.stub()


def test_orchestrator_from_str_checks_once_at_creation(monkeypatch, tracker):
    with pytest.raises(RejectedError) as info:
        sandbox.orchestrator_from_str("import os\nadd(x, 1)", inputs={"x": int}, tasks=[add])
    assert "SBX101" in info.value.codes
    assert tracker.calls == []
    template = sandbox.orchestrator_from_str("add(x, 1)", inputs={"x": int}, output=int, tasks=[add])
    import runtime.program as program

    def refuse(*args, **kwargs):
        raise AssertionError("the gate ran again at run time")

    monkeypatch.setattr(program, "run_gate", refuse)
    assert template(x=1) == 2
    assert template(x=2) == 3


def test_orchestrate_local_async_and_sync():
    assert asyncio.run(sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add])) == 6
    assert sandbox.orchestrate_local_sync("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add]) == 6
    assert sandbox.orchestrate_local_sync("2 ** 10") == 1024


def test_orchestrate_local_async_top_level_await():
    source = "a = await add(x, 1)\nb = await gather(square(a), square(x))\n[a, *b]"
    assert sandbox.orchestrate_local_sync(source, inputs={"x": 2}, tasks=[add, square]) == [3, 9, 4]


def test_last_expression_is_the_result_and_none_without_one():
    assert sandbox.orchestrate_local_sync("x = 1\ny = x + 1\ny * 10") == 20
    assert sandbox.orchestrate_local_sync("x = 1") is None


def test_typed_inputs_accept_typing_spellings():
    template = sandbox.orchestrator_from_str(
        "describe(items, label)", inputs={"items": List[int], "label": Optional[str]}, output=Dict[str, int], tasks=[describe]
    )
    assert template(items=[1, 2, 3], label=None) == {"sum": 6, "count": 3}
    assert template(items=[4], label="total") == {"total": 4, "count": 1}


@pytest.mark.parametrize(
    "func_source, message",
    [
        ("def t(x):\n    return 1", "parameter `x` has no type annotation"),
        ("def t(x: int):\n    return 1", "return type is not annotated"),
        ("def t(x: set) -> int:\n    return 1", "`set` is not a boundary type"),
        ("def t(x: 'typing.Any') -> int:\n    return 1", "not a boundary type"),
        ("class Model:\n    pass\ndef t(x: Model) -> int:\n    return 1", "not a boundary type"),
        ("def t(x: int) -> 'typing.Callable[[int], int]':\n    return 1", "return type"),
        ("from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\ndef t(p: list[P]) -> int:\n    return 1", "not a boundary type"),
    ],
)
def test_task_signature_validated_at_decoration(func_source, message):
    namespace: dict[str, object] = {"typing": __import__("typing")}
    exec(func_source, namespace)
    with pytest.raises(TaskDefinitionError) as info:
        env.task(namespace["t"])
    assert info.value.code == "SBX303"
    assert message in str(info.value)


def test_orchestrator_signature_and_template_types_validated():
    with pytest.raises(TaskDefinitionError) as info:

        @env.sandbox.orchestrator
        def bad(x: set) -> int:  # noqa: F811
            return 1

    assert info.value.code == "SBX302"
    with pytest.raises(TaskDefinitionError) as info:
        sandbox.orchestrator_from_str("x", inputs={"x": object}, output=int)
    assert info.value.code == "SBX302"
    with pytest.raises(TaskDefinitionError):
        sandbox.orchestrator_from_str("x", inputs={"x": int}, output=frozenset)


def test_unknown_option_is_rejected():
    with pytest.raises(TaskDefinitionError) as info:
        sandbox.orchestrator_from_str("1", timeout_msec=3)
    assert "timeout_msec" in str(info.value)
    with pytest.raises(TaskDefinitionError):
        sandbox.orchestrator_from_str("1", max_memory=-1)


def test_execute_and_run_name_themselves_in_type_errors():
    import runtime

    with pytest.raises(TypeError, match=r"^execute\(\) takes a sandbox orchestrator"):
        runtime.execute(len)
    with pytest.raises(TypeError, match=r"^run\(\) takes a task, a sandbox orchestrator"):
        runtime.run(42)
