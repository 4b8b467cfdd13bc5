"""Typed boundaries: inputs, outputs, task arguments and task results, with value paths."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import pytest
from sample_tasks import add, describe, wrong_result

from runtime import BoundaryTypeError, File, sandbox
from runtime.boundary import compile_validator, render_annotation, spec_from_annotation, validate
from sandbox_lint.typespec import DisallowedType


@pytest.mark.parametrize(
    "annotation, text",
    [
        (int, "int"),
        (None, "None"),
        (list[int], "list[int]"),
        (List[int], "list[int]"),
        (dict[str, list[float]], "dict[str, list[float]]"),
        (Dict[str, int], "dict[str, int]"),
        (tuple[int, ...], "tuple[int, ...]"),
        (Tuple[int, str], "tuple[int, str]"),
        (Optional[int], "int | None"),
        (Union[int, str], "int | str"),
        (int | None, "int | None"),
        (File, "File"),
        ("list[File]", "list[File]"),
    ],
)
def test_live_annotations_render_and_parse(annotation, text):
    assert spec_from_annotation(annotation).render() == text


@pytest.mark.parametrize("annotation", [set, frozenset, object, List[set], Optional[complex]])
def test_disallowed_live_annotations(annotation):
    with pytest.raises(DisallowedType):
        spec_from_annotation(annotation)


def test_a_foreign_class_named_file_is_not_a_handle():
    File = type("File", (), {})  # noqa: N806 - a user's own `File`
    with pytest.raises(DisallowedType):
        spec_from_annotation(File)


@pytest.mark.parametrize(
    "annotation, value, message",
    [
        (int, "3", "inputs.v: expected int, got str"),
        (int, True, "inputs.v: expected int, got bool"),
        (list[int], [1, 2, 3, "4"], "inputs.v[3]: expected int, got str"),
        (dict[str, list[int]], {"a": [1], "b": [2, None]}, "inputs.v['b'][1]: expected int, got None"),
        (dict[str, int], {1: 1}, "inputs.v[1] (key): expected str, got int"),
        (tuple[int, str], (1, 2), "inputs.v[1]: expected str, got int"),
        (tuple[int, str], (1,), "inputs.v: expected tuple[int, str], got a tuple of 1 items"),
        (Optional[list[int]], [1, "x"], "inputs.v[1]: expected int, got str"),
        (Optional[int], "x", "inputs.v: expected int | None, got str"),
        (File, "/tmp/a", "inputs.v: expected File, got str"),
        (list[int], (1, 2), "inputs.v: expected list[int], got tuple"),
    ],
)
def test_validation_errors_name_the_path(annotation, value, message):
    validator = compile_validator(spec_from_annotation(annotation), "in")
    with pytest.raises(BoundaryTypeError) as info:
        validate(value, validator, "inputs.v")
    assert str(info.value) == message


@pytest.mark.parametrize(
    "annotation, value, expected",
    [
        (float, 3, 3.0),
        (list[float], [1, 2.5], [1.0, 2.5]),
        (dict[str, Optional[int]], {"a": None, "b": 2}, {"a": None, "b": 2}),
        (tuple[int, ...], (1, 2, 3), (1, 2, 3)),
        (bytes, b"x", b"x"),
        (Union[int, str], "s", "s"),
    ],
)
def test_valid_values_pass(annotation, value, expected):
    validator = compile_validator(spec_from_annotation(annotation), "out")
    assert validate(value, validator, "output") == expected


def test_untyped_values_must_still_be_boundary_values():
    with pytest.raises(BoundaryTypeError) as info:
        sandbox.orchestrate_local_sync("len(xs)", inputs={"xs": [1, {2}]})
    assert str(info.value).startswith("inputs.xs[1]: expected a boundary value")


def test_input_errors_on_a_real_run(tracker):
    template = sandbox.orchestrator_from_str("add(items[0], items[3])", inputs={"items": list[int]}, output=int, tasks=[add])
    with pytest.raises(BoundaryTypeError) as info:
        template(items=[1, 2, 3, "4"])
    assert str(info.value) == "inputs.items[3]: expected int, got str"
    assert info.value.path == "inputs.items[3]"
    assert tracker.calls == []  # nothing ran
    with pytest.raises(BoundaryTypeError, match=r"inputs.items: missing"):
        template()
    with pytest.raises(BoundaryTypeError, match=r"inputs.other: not a declared input"):
        template(items=[1, 2, 3, 4], other=1)


def test_output_type_is_checked():
    template = sandbox.orchestrator_from_str("[1, 2, 'three']", output=list[int])
    with pytest.raises(BoundaryTypeError) as info:
        template()
    assert str(info.value) == "output[2]: expected int, got str"


def test_task_argument_type_is_checked_before_the_task_runs(tracker):
    with pytest.raises(BoundaryTypeError) as info:
        sandbox.orchestrate_local_sync("add(1, 'two')", tasks=[add])
    assert "add.y: expected int, got str" in str(info.value)
    assert tracker.calls == []


def test_task_argument_path_inside_a_container():
    with pytest.raises(BoundaryTypeError) as info:
        sandbox.orchestrate_local_sync("describe([1, 2, 'x'])", tasks=[describe])
    assert "describe.items[2]: expected int, got str" in str(info.value)


def test_task_result_type_is_checked():
    with pytest.raises(BoundaryTypeError) as info:
        sandbox.orchestrate_local_sync("wrong_result(1)", tasks=[wrong_result])
    assert "wrong_result.return: expected int, got str" in str(info.value)


def test_keyword_and_default_arguments_are_bound_and_checked():
    assert sandbox.orchestrate_local_sync("describe(items=[1, 2], label='n')", tasks=[describe]) == {"n": 3, "count": 2}
    assert sandbox.orchestrate_local_sync("describe([5])", tasks=[describe]) == {"sum": 5, "count": 1}
