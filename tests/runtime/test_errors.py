"""Errors: sandbox errors with the user's line, task failures with call site and cause, output kept."""

from __future__ import annotations

import inspect

import pytest
from sample_tasks import add, env, fail

from runtime import SandboxRuntimeError, TaskError, sandbox


@env.sandbox.orchestrator
def divides(n: int) -> int:
    total = add(n, 1)
    print("before the error")
    return total // (n - n)


@env.sandbox.orchestrator
def calls_failing(n: int) -> int:
    first = add(n, 1)
    return fail(first)


def _line_of(func, text: str) -> int:
    lines, start = inspect.getsourcelines(func.__wrapped__)
    for offset, line in enumerate(lines):
        if text in line:
            return start + offset
    raise AssertionError(text)


def test_runtime_error_in_a_code_string_names_the_line():
    source = """
    x = 1
    y = [1, 2]
    y[x + 5]
    """
    with pytest.raises(SandboxRuntimeError) as info:
        sandbox.orchestrate_local_sync(source)
    error = info.value
    assert error.line == 4
    assert error.exc_type == "IndexError"
    assert error.source_line == "y[x + 5]"
    assert str(error).startswith("<sandbox>:4: IndexError")


def test_runtime_error_in_a_decorated_orchestrator_names_the_host_file_line():
    with pytest.raises(SandboxRuntimeError) as info:
        divides(3)
    error = info.value
    assert error.filename == __file__
    assert error.line == _line_of(divides, "total // (n - n)")
    assert error.exc_type == "ZeroDivisionError"
    assert f"{__file__}:{error.line}" in str(error)
    assert error.output == "before the error\n"


def test_raise_in_the_sandbox_keeps_message_and_line():
    with pytest.raises(SandboxRuntimeError) as info:
        sandbox.orchestrate_local_sync("x = 2\nif x > 1:\n    raise ValueError(f'too big: {x}')\n")
    assert info.value.exc_type == "ValueError"
    assert info.value.exc_message == "too big: 2"
    assert info.value.line == 3


def test_error_inside_a_helper_points_at_the_innermost_line():
    source = "def helper(v):\n    return v['missing']\nhelper({'a': 1})"
    with pytest.raises(SandboxRuntimeError) as info:
        sandbox.orchestrate_local_sync(source)
    assert info.value.exc_type == "KeyError" and info.value.line == 2


def test_task_failure_names_task_arguments_and_call_site():
    with pytest.raises(TaskError) as info:
        calls_failing(4)
    error = info.value
    assert error.task == "fail"
    assert error.args_ == (5,)
    assert error.line == _line_of(calls_failing, "return fail(first)")
    assert isinstance(error.__cause__, ValueError) and str(error.__cause__) == "bad value 5"
    assert error.original is error.__cause__
    text = str(error)
    assert "task `fail(5)` failed with ValueError: bad value 5" in text
    assert f"called at {__file__}:{error.line}: return fail(first)" in text
    assert error.call_key.startswith("2:fail:")


def test_task_failure_in_gather_and_map_task_is_attributed():
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync("await gather(add(1, 2), fail(7))", tasks=[add, fail])
    assert info.value.task == "fail" and info.value.args_ == (7,) and info.value.line == 1
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync("xs = [1, 2, 3]\nmap_task(fail, xs)", tasks=[fail])
    assert info.value.task == "fail" and info.value.line == 2
    assert isinstance(info.value.__cause__, ValueError)


def test_map_task_return_exceptions_gives_values():
    result = sandbox.orchestrate_local_sync(
        "rs = map_task(fail, [1, 2], return_exceptions=True)\n[str(r) for r in rs]", tasks=[fail]
    )
    assert result == ["bad value 1", "bad value 2"]


def test_printed_output_is_returned_and_kept_on_error():
    result = sandbox.orchestrate_local_detailed("print('a')\nprint('b', 1)\n3")
    assert result.value == 3 and result.output == "a\nb 1\n"
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync("print('working on', 9)\nfail(9)", tasks=[fail])
    assert info.value.output == "working on 9\n"


def test_unknown_function_call_is_a_name_error_when_ungated():
    from ungated import run_ungated

    with pytest.raises(SandboxRuntimeError) as info:
        run_ungated("not_a_task(1)", tasks=[add])
    assert info.value.exc_type == "NameError"


def test_wrong_arity_reaches_the_sandbox_as_type_error(tracker):
    from ungated import run_ungated

    with pytest.raises(SandboxRuntimeError) as info:
        run_ungated("add(1)", tasks=[add])
    assert info.value.exc_type == "TypeError" and "y" in info.value.exc_message
    assert tracker.calls == []


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x0c", "\x85", "\x1c"])
@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r"])
def test_runtime_errors_quote_the_line_python_counts(separator: str, brk: str) -> None:
    # str.splitlines breaks at these characters inside the string; Python does not.
    source = brk.join([f"x = 'a{separator}b'", "y = 1", "raise ValueError('boom')", ""])
    with pytest.raises(SandboxRuntimeError) as info:
        sandbox.orchestrate_local_sync(source)
    assert info.value.line == 3
    assert info.value.source_line == "raise ValueError('boom')"
