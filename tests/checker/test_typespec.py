"""One reading of boundary types: annotation text (CPython's parser, what the
runtime uses for live functions) and the CST (what the checker sees) agree on
every annotation, accepted or refused, and on the message of a refusal."""

from __future__ import annotations

import itertools

import libcst as cst
import pytest

from sandbox_lint.typespec import DisallowedType, TypeSpec, parse_annotation, parse_annotation_node

ATOMS = [
    "int", "float", "str", "bool", "bytes", "None", "File", "Dir", "DataFrame", "typing.Any", "Any",
    "list", "dict", "tuple", "List", "t.Dict", "typing.Tuple", "set", "object", "'int'", "b'int'", "1", "...",
    "runtime.File", "flyte.io.Dir", "f()", "x.y.z", "lambda: 1",
]
SHAPES = [
    "{0}", "list[{0}]", "dict[str, {0}]", "dict[{0}, int]", "tuple[{0}, ...]", "tuple[{0}, {1}]", "{0} | {1}",
    "Optional[{0}]", "typing.Union[{0}, {1}]", "Optional[{0}, {1}]", "list[{0}, {1}]", "dict[{0}]",
    "tuple[..., {0}]", "list[{0}:{1}]", "Callable[[{0}], {1}]", "'list[{0}]'", "list['{0}']",
]


def _both(text: str) -> tuple[object, object]:
    def run(parse: object) -> object:
        try:
            return parse()  # type: ignore[operator]
        except DisallowedType as exc:
            return ("refused", str(exc))

    return run(lambda: parse_annotation(text)), run(lambda: parse_annotation_node(cst.parse_expression(text)))


CASES = sorted({shape.format(a, b) for shape in SHAPES for a, b in itertools.product(ATOMS[:12] + ATOMS[-6:], ATOMS[:6] + ATOMS[-3:])})


def test_text_and_cst_agree_on_every_annotation() -> None:
    disagreements = []
    for text in CASES:
        try:
            cst.parse_expression(text)
        except Exception:
            continue  # not an expression at all: only the text path sees it
        from_text, from_cst = _both(text)
        if from_text != from_cst:
            disagreements.append((text, from_text, from_cst))
    assert len(CASES) > 1000
    assert disagreements == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list[int] | None", TypeSpec("union", (TypeSpec("list", (TypeSpec("int"),)), TypeSpec("None")))),
        ("  dict[str, 'File']  ", TypeSpec("dict", (TypeSpec("str"), TypeSpec("File")))),
        ("tuple", TypeSpec("tuple", (TypeSpec("any"),), variadic=True)),
    ],
)
def test_text_annotations(text: str, expected: TypeSpec) -> None:
    assert parse_annotation(text) == expected


@pytest.mark.parametrize("text", ["", "list[", "int int", "x = 1", "(" * 2000 + "int" + ")" * 2000])
def test_unreadable_text_is_refused_clearly(text: str) -> None:
    with pytest.raises(DisallowedType) as info:
        parse_annotation(text)
    assert "is not a valid annotation" in str(info.value) or "is not a boundary type" in str(info.value)


def test_a_refusal_from_the_cst_points_at_the_part() -> None:
    node = cst.parse_expression("dict[list[int], str]")
    with pytest.raises(DisallowedType) as info:
        parse_annotation_node(node)
    assert isinstance(info.value.node, cst.Subscript)
    assert cst.Module([]).code_for_node(info.value.node) == "list[int]"
