"""`type_check=True`: Monty's bundled ty against the interface stub, before the first run."""

from __future__ import annotations

import pytest
from sample_tasks import add, env, read_file, square

from runtime import File, TypeCheckError, sandbox


def test_type_errors_are_reported_like_the_checker_and_nothing_runs(tracker):
    template = sandbox.orchestrator_from_str(
        "print('never')\ny = add(x, 'one')\nsquare(y)", inputs={"x": int}, tasks=[add, square], type_check=True
    )
    with pytest.raises(TypeCheckError) as info:
        template(x=1)
    error = info.value
    assert [d.code for d in error.diagnostics] == ["ty[invalid-argument-type]"]
    diagnostic = error.diagnostics[0]
    assert (diagnostic.line, diagnostic.column) == (2, 12)
    assert "Expected `int`" in diagnostic.message
    assert error.output == "" and tracker.calls == []


def test_well_typed_program_passes_and_runs():
    template = sandbox.orchestrator_from_str(
        "y = add(x, 1)\nsquare(y)", inputs={"x": int}, output=int, tasks=[add, square], type_check=True
    )
    assert template(x=2) == 9
    assert template(x=3) == 16  # checked before the first run only
    assert template.program.type_checked


def test_handles_and_async_code_are_typed():
    ok = sandbox.orchestrator_from_str(
        "await gather(read_file(f), read_file(f))", inputs={"f": File}, tasks=[read_file], type_check=True
    )
    assert ok(f=File("/a")) == ["/a", "/a"]
    bad = sandbox.orchestrator_from_str("read_file(n)", inputs={"n": int}, tasks=[read_file], type_check=True)
    with pytest.raises(TypeCheckError) as info:
        bad(n=1)
    assert "File" in info.value.diagnostics[0].message


@env.sandbox.orchestrator(type_check=True)
def typed_orchestrator(n: int) -> int:
    return add(n, "x")


def test_decorated_orchestrator_type_check_uses_host_lines():
    import inspect

    with pytest.raises(TypeCheckError) as info:
        typed_orchestrator(1)
    lines, start = inspect.getsourcelines(typed_orchestrator.__wrapped__)
    expected = start + next(i for i, line in enumerate(lines) if 'add(n, "x")' in line)
    assert info.value.diagnostics[0].line == expected
