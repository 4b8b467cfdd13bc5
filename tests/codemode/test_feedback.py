"""`feedback(error)` for every kind of failure of a real run, and `success_feedback`; always bounded."""

from __future__ import annotations

import pytest

import runtime
from runtime import sandbox
from runtime.codemode import feedback, success_feedback

from .shop import add, fetch, price, size

TASKS = [add, fetch, price, size]


def failure(source: str, inputs: dict[str, object] | None = None, **limits: object) -> tuple[runtime.SandboxError, None]:
    with pytest.raises(runtime.SandboxError) as caught:
        sandbox.orchestrate_local_detailed(source, inputs=inputs or {}, tasks=TASKS, **limits)
    return caught.value, None


def test_a_rejection_is_the_gates_llm_text():
    error, _ = failure("total = 0\ntotal += 1\nimport json\n")
    assert isinstance(error, runtime.RejectedError)
    assert feedback(error) == str(error)
    assert "line 2: augmented assignment is not allowed: write `total = total + 1` [SBX103]" in feedback(error)


def test_a_sandbox_error_has_the_exception_the_line_and_its_source():
    error, _ = failure("print('starting')\nn = add(1, 2)\nd = {'a': n}\nd['b']\n")
    text = feedback(error)
    assert text.startswith("The program raised KeyError at line 4: ")
    assert "  line 4: d['b']" in text and "`d.get(key, default)`" in text
    assert "Printed output before the failure:\nstarting" in text
    assert "Task calls that already ran before the failure (1):\n  1. add(1, 2) -> 3  (line 2)" in text
    assert text.endswith("Send the whole corrected program again.\n")


def test_a_task_failure_names_the_task_its_arguments_and_the_message():
    error, _ = failure("a = price('apple')\nb = price('bread')\nc = price('caviar')\n[a, b, c]")
    assert isinstance(error, runtime.TaskError)
    text = feedback(error)
    assert "the task `price` failed at line 3: KeyError: \"no price for 'caviar'\"" in text
    assert "The failing call: price('caviar')" in text
    assert "  line 3: c = price('caviar')" in text
    assert "Task calls that already ran before the failure (2):\n  1. price('apple') -> 0.5  (line 1)\n  2. price('bread') -> 2.25  (line 2)" in text


def test_calls_come_from_the_error_when_it_carries_them():
    error, _ = failure("a = add(1, 2)\nprice('nothing')")
    assert "1. add(1, 2)" in feedback(error)


def test_results_are_shown_where_the_call_records_have_them():
    class Recorded:
        seq, task, args, kwargs, ok, line, result = 1, "add", (1, 2), {}, True, 1, 3

    error, _ = failure("add(1, 2)\nprice('nothing')")
    assert "  1. add(1, 2) -> 3  (line 1)" in feedback(error, calls=[Recorded()])


def test_a_type_error_names_the_path_and_the_types():
    error, _ = failure("add(1, 'two')")
    assert isinstance(error, runtime.BoundaryTypeError)
    text = feedback(error, calls=[])
    assert "a task was called with an argument of the wrong type" in text
    assert "  add.y: expected int, got str" in text
    assert "Task calls that already ran before the failure: none." in text


@pytest.mark.parametrize(
    "source, limits, limit, words",
    [
        ("while True:\n    pass\n", {"timeout_ms": 150}, "time", "look for a loop that never ends"),
        ("for i in range(10):\n    add(i, i)\n", {"max_task_calls": 3}, "task_calls", "too many task calls"),
        ("x = [0] * 100000000\nx", {"max_memory": 5_000_000}, "memory", "values that are too large"),
    ],
)
def test_a_limit_names_the_limit(source, limits, limit, words):
    error, _ = failure(source, **limits)
    assert isinstance(error, runtime.LimitExceeded) and error.limit == limit
    text = feedback(error)
    assert text.startswith(f"The run was stopped by the `{limit}` limit (") and words in text


def test_feedback_is_bounded():
    error, _ = failure(
        "for i in range(60):\n    print('x' * 500)\n    add(i, i)\nprice('" + "z" * 5000 + "')"
    )
    text = feedback(error, max_chars=2000)
    assert len(text) <= 2000 and text.endswith("... (feedback cut to its size limit)\n")
    full = feedback(error)
    assert len(full) <= 4000
    assert "... and 40 more" in full and "characters left out" in full


def test_success_feedback_bounds_the_result_and_counts_calls():
    result = sandbox.orchestrate_local_detailed(
        "print('hi')\nsizes = [size(u) for u in urls]\n{'sizes': sizes, 'blob': 'y' * 10000, 'n': add(1, 2)}",
        inputs={"urls": ["a", "bb"]}, tasks=TASKS,
    )
    text = success_feedback(result)
    assert text.startswith("The program ran successfully.\nResult (dict, 3 items): {'sizes': [1, 2], 'blob': 'yyy")
    assert "Printed output:\nhi" in text and "Task calls made: 3 (add x1, size x2)." in text
    assert len(text) < 2500


def test_the_calls_that_ran_are_listed_with_what_they_returned():
    error, _ = failure("a = add(1, 2)\npage = fetch('http://x')\nprice('nothing')\n")
    assert [c.result for c in error.calls if c.ok] == [3, {"status": 200, "bytes": 8}]
    text = feedback(error)
    assert "  1. add(1, 2) -> 3  (line 1)" in text
    assert "  2. fetch('http://x') -> " in text


