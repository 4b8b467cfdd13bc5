"""The gate: every path runs the checker with the exact interface; a rejection runs nothing."""

from __future__ import annotations

import inspect

import pytest
from sample_tasks import add, env, square

from runtime import RejectedError, sandbox

HOST_CONSTANT = 10


def test_rejection_carries_diagnostics_and_renders_llm(tracker):
    source = "print('never')\nx = add(1, 2)\nx += 1\nimport os\nx"
    with pytest.raises(RejectedError) as info:
        sandbox.orchestrate_local_sync(source, tasks=[add])
    error = info.value
    assert {"SBX103", "SBX101"} <= set(error.codes)
    assert all(d.line in (3, 4) for d in error.diagnostics if d.code in ("SBX103", "SBX101"))
    from sandbox_lint.output import format_llm

    assert str(error) == format_llm(list(error.diagnostics), "<sandbox>")
    assert error.output == "" and tracker.calls == []


@pytest.mark.parametrize(
    "source, code",
    [
        ("eval('1')", "SBX202"),
        ("x = ().__class__", "SBX201"),
        ("'{0.x}'.format(1)", "SBX203"),
        ("unknown_task(1)", "SBX401"),
        ("add(1)", "SBX403"),
        ("add = 3", "SBX402"),
        ("class A:\n    pass", "SBX104"),
        ("try:\n    x = 1\nexcept Exception:\n    x = 2", "SBX106"),
        ("sorted([1, 2], key=lambda v: square(v))", "SBX501"),
        ("x = 1  # noqa: SBX103\nx += 1  # noqa", "SBX103"),
    ],
)
def test_gate_rejects_with_the_exact_interface(source, code, tracker):
    with pytest.raises(RejectedError) as info:
        sandbox.orchestrate_local_sync(source, tasks=[add, square])
    assert code in info.value.codes
    assert tracker.calls == []


def test_undeclared_input_is_an_unknown_name():
    with pytest.raises(RejectedError) as info:
        sandbox.orchestrator_from_str("x + y", inputs={"x": int})
    assert "SBX401" in info.value.codes


def test_decorated_orchestrator_rejected_at_host_lines():
    @env.sandbox.orchestrator
    def uses_host_global(n: int) -> int:
        total = add(n, HOST_CONSTANT)
        return total

    with pytest.raises(RejectedError) as info:
        uses_host_global(1)
    lines, start = inspect.getsourcelines(uses_host_global.__wrapped__)
    expected = start + next(i for i, line in enumerate(lines) if "HOST_CONSTANT)" in line)
    diagnostic = next(d for d in info.value.diagnostics if d.code == "SBX401")
    assert diagnostic.line == expected
    assert info.value.filename == __file__


def test_check_runs_the_gate_early():
    @env.sandbox.orchestrator
    def fine(n: int) -> int:
        return add(n, 1)

    program = fine.check()
    assert program.interface.task("add") is not None
    assert fine(1) == 2
