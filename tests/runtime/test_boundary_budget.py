"""The boundary budget: every value leaving the sandbox is bounded in expanded size and depth.

The amplification programs (`a = [a, a]` forty times over, `[s] * 3000` of a
1 MB string, the same inside dicts, tuples, task arguments, `map_task`
elements, `print`, f-strings and joins) run in a subprocess that measures its
own peak RSS (`boundary_probe.py`); the host stays under 200 MB above its
baseline for each, and just-under-budget values pass and are expanded in full
by every consumer within the same bound. A hypothesis test generates
shared-reference structures in the sandbox: each run passes within the budget
or fails with `LimitExceeded`, never anything else.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import security_tasks
from boundary_probe import SHAPES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_tasks import add, take_any, take_list, take_text
from ungated import run_ungated

from runtime import BoundaryTypeError, LimitExceeded, Limits, codec, sandbox
from runtime.boundary import Budget, check_depth, measure_value
from runtime.errors import TaskDefinitionError

HERE = Path(__file__).parent
RSS_BOUND_MB = 200
TASKS = [take_any, take_list, take_text, add]


def _probe(shape: str) -> dict[str, object]:
    # Through a shell that forks the probe: Linux carries a parent's peak RSS
    # into `ru_maxrss` across exec, and the test runner's would hide the probe's.
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'boundary_probe.py'))} {shlex.quote(shape)}; exit $?"
    done = subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))},
    )
    assert done.stdout.strip(), done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{shape}: {report}")  # the figures, with -s
    return report


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_host_stays_bounded(shape):
    _, _, expected = SHAPES[shape]
    report = _probe(shape)
    assert report["outcome"] != "blew-up", report
    assert report["peak_mb"] < RSS_BOUND_MB, report
    if expected.startswith("exit") or expected == "ok":
        assert report["outcome"] == expected, report
    else:
        assert (report["outcome"], report["limit"]) == ("LimitExceeded", expected), report


# ------------------------------------------------------------- the errors


def _limit(source: str, **options) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync(source, tasks=TASKS, **options)
    return info.value


def test_the_error_names_the_limit_the_path_and_the_size():
    error = _limit("a = [0, 0]\nfor i in range(40):\n    a = [a, a]\n{'rows': [1, a]}")
    assert error.limit == "value_items" and error.value == Limits().max_value_items
    assert error.path.startswith("output['rows'][1][0]")
    assert error.size > error.value
    assert "max_value_items=1000000" in str(error) and "output['rows'][1]" in str(error)

    error = _limit("s = 'a' * 1000000\ntake_any({'k': [s] * 3000})")
    assert (error.limit, error.value) == ("value_bytes", 16 * 1024 * 1024)
    assert error.path == "take_any.x['k'][16]" and error.size > error.value
    assert error.calls == ()  # refused before the call: the task never ran


def test_keyword_arguments_and_map_task_elements_have_their_own_paths():
    error = _limit("a = [0, 0]\nfor i in range(30):\n    a = [a, a]\ntake_any(x=[a])")
    assert error.path.startswith("take_any.x[0]")
    error = _limit("s = 'a' * 100000\nmap_task(take_text, [s] * 200)")
    assert error.limit == "value_bytes" and error.path.startswith("map_task.args[1][")


def test_the_budget_is_configurable():
    assert sandbox.orchestrate_local_sync("[1, 2, 3]", max_value_items=4) == [1, 2, 3]
    error = _limit("[1, 2, 3, 4]", max_value_items=4)
    assert error.limit == "value_items" and error.value == 4 and error.path == "output[3]"
    assert _limit("'abcde'", max_value_bytes=4).limit == "value_bytes"
    assert sandbox.orchestrate_local_sync("'abcd'", max_value_bytes=4) == "abcd"
    assert sandbox.orchestrate_local_sync("'é'", max_value_bytes=2) == "é"  # UTF-8 bytes
    assert _limit("'éé'", max_value_bytes=3).limit == "value_bytes"
    with pytest.raises(TaskDefinitionError):
        Limits(max_value_depth=10_000)  # validation walks values recursively: kept far from Python's limit
    with pytest.raises(TaskDefinitionError):
        Limits(max_transfer_items=0)


def test_the_run_transfer_budget_covers_every_crossing():
    source = "s = 'a' * 100\nfor i in range(10):\n    take_any([s] * 10)\n1"
    assert sandbox.orchestrate_local_sync(source, tasks=TASKS, max_transfer_bytes=10_000) == 1
    error = _limit(source, max_transfer_bytes=5_000)
    assert error.limit == "transfer_bytes" and error.value == 5_000
    assert len(error.calls) == 5  # five calls of 1,000 bytes each fit, the sixth does not
    error = _limit("for i in range(10):\n    take_any([1, 2, 3])\n1", max_transfer_items=20)
    assert error.limit == "transfer_items" and len(error.calls) == 5


def test_shared_parts_stay_shared_on_the_host():
    value = sandbox.orchestrate_local_sync("a = [1, 'x']\nb = {'k': a}\n[a, a, b, (a, a)]")
    assert value[0] is value[1] is value[2]["k"] is value[3][0] is value[3][1]
    security_tasks.received.clear()
    sandbox.orchestrate_local_sync("a = {'n': 1}\necho_keys({'x': a, 'y': a})", tasks=[security_tasks.echo_keys])
    [seen] = security_tasks.received
    assert seen["x"] is seen["y"]  # the task sees the sandbox's sharing too


def test_a_value_that_contains_itself_is_refused():
    with pytest.raises(BoundaryTypeError) as info:
        run_ungated("a = []\na.append(a)\na")  # Monty sends the inner reference as the text '[...]'
    assert info.value.path == "output[0]" and "contains itself" in str(info.value)


# --------------------------------------------------- depth: no silent '<deeply nested>'


@pytest.mark.parametrize("depth", [256, 300, 2000])
def test_values_nested_too_deep_fail_with_the_path(depth):
    error = _limit(f"a = 0\nfor i in range({depth}):\n    a = [a]\na")
    assert error.limit == "value_depth" and error.value == 256
    assert error.path == "output" + "[0]" * 256
    assert "<deeply nested>" not in str(error)
    assert "..." in str(error) and len(str(error)) < 600  # the message shortens a long path


def test_depth_up_to_the_limit_passes_and_the_limit_follows_max_stack_depth():
    value = sandbox.orchestrate_local_sync("a = 0\nfor i in range(255):\n    a = [a]\na")
    for _ in range(255):
        value = value[0]
    assert value == 0
    error = _limit("a = 0\nfor i in range(40):\n    a = {'k': a}\na", max_stack_depth=30)
    assert error.limit == "value_depth" and error.value == 30 and "max_stack_depth=30" in str(error)


def test_deep_inputs_and_task_results_are_refused_too():
    deep: object = 0
    for _ in range(300):
        deep = [deep]
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("x", inputs={"x": deep})
    assert info.value.limit == "value_depth" and info.value.path.startswith("inputs.x[0]")
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("x", inputs={"x": cyclic})
    assert "contains itself" in str(info.value)


# ------------------------------------------------------------ measurement laws

_LEAVES = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.text(max_size=20), st.binary(max_size=20),
)


@st.composite
def shared_structures(draw):
    """Host values built as the sandbox builds them: later parts reuse earlier ones."""
    parts: list[object] = [draw(_LEAVES)]
    for _ in range(draw(st.integers(1, 14))):
        picks = draw(st.lists(st.integers(0, len(parts) - 1), max_size=5))
        chosen = [parts[i] for i in picks]
        kind = draw(st.sampled_from(["list", "tuple", "dict", "leaf"]))
        if kind == "list":
            parts.append(chosen)
        elif kind == "tuple":
            parts.append(tuple(chosen))
        elif kind == "dict":
            parts.append({f"k{i}": value for i, value in enumerate(chosen)})
        else:
            parts.append(draw(_LEAVES))
    return parts[-1]


def _expanded(value: object, depth: int = 1) -> tuple[int, int, int]:
    """(items, bytes, depth), by plain recursion: no memo, an independent definition."""
    if isinstance(value, (list, tuple)):
        children = [_expanded(v, depth + 1) for v in value]
    elif isinstance(value, dict):
        children = [_expanded(p, depth + 1) for pair in value.items() for p in pair]
    else:
        size = 0
        if isinstance(value, str):
            size = len(value.encode("utf-8", "surrogatepass"))
        elif isinstance(value, bytes):
            size = len(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**64:
            size = (value.bit_length() + 7) // 8
        return 1, size, depth
    return (1 + sum(c[0] for c in children), sum(c[1] for c in children), max([depth, *(c[2] for c in children)]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_structures(), st.integers(1, 400), st.integers(0, 400), st.integers(1, 12))
def test_measurement_matches_the_plain_expansion(value, max_items, max_bytes, max_depth):
    items, size, depth = _expanded(value)
    within = items <= max_items and size <= max_bytes and depth <= max_depth
    try:
        measured = measure_value(value, "v", max_items=max_items, max_bytes=max_bytes, max_depth=max_depth)
    except LimitExceeded as exc:
        assert not within
        assert exc.limit in ("value_items", "value_bytes", "value_depth")
        assert exc.path.startswith("v")
        return
    assert within and measured == (items, size)


@settings(max_examples=300, deadline=None)
@given(shared_structures(), st.integers(50, 5000))
def test_what_the_journal_codec_fits_the_boundary_also_fits(value, max_bytes):
    """The two bounded encoders agree: a value the codec records in `max_bytes`
    has at most that many bytes of text and items in the boundary's count."""
    try:
        codec.encode(value, max_bytes=max_bytes)
    except codec.ValueTooLarge:
        return
    items, size = measure_value(value, "v", max_items=10**9, max_bytes=10**9, max_depth=10**6)
    assert size <= max_bytes and items <= max_bytes


def test_the_codec_refuses_the_amplified_values_too():
    dag: list[object] = [0, 0]
    for _ in range(40):
        dag = [dag, dag]
    text = ["a" * 1_000_000] * 3000
    for value in (dag, text):
        with pytest.raises(codec.ValueTooLarge):
            codec.encode(value, max_bytes=codec.DEFAULT_MAX_BYTES)
        with pytest.raises(LimitExceeded):
            Budget(Limits()).charge(value, "output")


_PROGRAM_STEP = st.one_of(
    st.builds(lambda n: f"'{'x' * n}'", st.integers(0, 50)),
    st.builds(lambda n: str(n), st.integers(-5, 5)),
    st.just("[{a}, {b}]"), st.just("({a}, {b}, {a})"), st.just("{{'k': {a}, 'j': {b}}}"), st.just("[{a}] * 7"),
)


@st.composite
def sandbox_programs(draw):
    """A program that builds a shared structure in the sandbox, and where it sends it."""
    lines = ["v0 = 1"]
    for index in range(1, draw(st.integers(1, 12))):
        template = draw(_PROGRAM_STEP)
        a = f"v{draw(st.integers(0, index - 1))}"
        b = f"v{draw(st.integers(0, index - 1))}"
        lines.append(f"v{index} = " + template.format(a=a, b=b))
    last = f"v{len(lines) - 1}"
    lines.append(draw(st.sampled_from([last, f"take_any({last})\n{last}", f"map_task(take_any, [{last}, {last}])\n{last}"])))
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sandbox_programs(), st.integers(5, 3000), st.integers(1, 3000))
def test_generated_shared_structures_pass_within_the_budget_or_fail_with_limit_exceeded(program, max_items, max_bytes):
    try:
        value = sandbox.orchestrate_local_sync(program, tasks=TASKS, max_value_items=max_items, max_value_bytes=max_bytes)
    except LimitExceeded as exc:
        assert exc.limit in ("value_items", "value_bytes", "value_depth", "transfer_items", "transfer_bytes"), exc
        assert exc.path and exc.size is not None and exc.size > exc.value or exc.limit == "value_depth"
        return
    items, size, _ = _expanded(value)
    assert items <= max_items and size <= max_bytes  # what came out is within the budget, expanded
    repr(value)  # and expanding it is harmless


def test_check_depth_leaves_scalars_alone():
    check_depth(1, "inputs.x", 1)
    with pytest.raises(LimitExceeded):
        check_depth([[1]], "inputs.x", 2)


def test_the_probe_sees_the_memory_a_consumer_takes():
    """A control for the figures above: the 16 MB result that passes is
    expanded by `repr` and `json.dumps`, and the probe does see that."""
    report = _probe("edge-text-result")
    assert report["outcome"] == "ok" and 16 <= report["peak_mb"] < RSS_BOUND_MB, report
