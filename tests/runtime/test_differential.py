"""Differential property: programs from the allowed grammar pass the checker and
return the same value in the runtime (Monty + task dispatch) as in CPython."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_tasks import add, square

from runtime import sandbox
from sandbox_lint.interface import InputDecl, Interface
from sandbox_lint.settings import Settings

EXAMPLES = int(os.environ.get("SANDBOX_DIFFERENTIAL_EXAMPLES", "300"))
INT_VARS = ["a", "b", "c"]
STR_VARS = ["s", "t"]
SMALL = st.integers(min_value=-20, max_value=20)
DIVISOR = st.sampled_from([1, 2, 3, 7, -4])
WORDS = st.sampled_from(["", "ab", "Hello", "x y", "42", "é"])


def int_expr(depth: int = 2) -> st.SearchStrategy[str]:
    leaves = st.one_of(SMALL.map(str), st.sampled_from(INT_VARS), st.just("len(xs)"), st.just("len(s)"))
    if depth == 0:
        return leaves
    sub = int_expr(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(sub, st.sampled_from(["//", "%"]), DIVISOR).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        sub.map(lambda e: f"abs({e})"),
        sub.map(lambda e: f"-{e}"),
        st.tuples(sub, sub).map(lambda p: f"min({p[0]}, {p[1]})"),
        st.tuples(sub, sub).map(lambda p: f"max({p[0]}, {p[1]})"),
        st.tuples(sub, sub).map(lambda p: f"add({p[0]}, {p[1]})"),
        sub.map(lambda e: f"square({e} % 50)"),
        sub.map(lambda e: f"helper({e})"),
        st.tuples(cond(depth - 1), sub, sub).map(lambda p: f"({p[1]} if {p[0]} else {p[2]})"),
        st.tuples(sub, st.integers(0, 4)).map(lambda p: f"sum([{p[0]} + v for v in range({p[1]})])"),
        st.tuples(sub, st.integers(0, 3)).map(lambda p: f"len([v for v in range({p[1]}) if v != {p[0]}])"),
        sub.map(lambda e: f"sum(map_task(square, [{e} % 10, 3]))"),
        sub.map(lambda e: f"int(str({e}))"),
    )


def cond(depth: int = 1) -> st.SearchStrategy[str]:
    sub = int_expr(max(depth - 1, 0))
    base = st.tuples(sub, st.sampled_from(["<", "<=", "==", "!=", ">"]), sub).map(lambda p: f"{p[0]} {p[1]} {p[2]}")
    if depth <= 0:
        return base
    return st.one_of(
        base,
        base.map(lambda c: f"not ({c})"),
        st.tuples(base, st.sampled_from(["and", "or"]), base).map(lambda p: f"({p[0]}) {p[1]} ({p[2]})"),
        st.tuples(st.sampled_from(STR_VARS), WORDS).map(lambda p: f"{p[1]!r} in {p[0]}"),
    )


def str_expr() -> st.SearchStrategy[str]:
    leaves = st.one_of(WORDS.map(repr), st.sampled_from(STR_VARS))
    return st.one_of(
        leaves,
        st.tuples(leaves, leaves).map(lambda p: f"{p[0]} + {p[1]}"),
        int_expr(1).map(lambda e: f"str({e})"),
        leaves.map(lambda e: f"{e}.upper()"),
        leaves.map(lambda e: f"{e}.strip()"),
        st.tuples(int_expr(1), leaves).map(lambda p: f'f"{{{p[0]}}}-{{{p[1]}}}"'),
        st.tuples(leaves, st.integers(0, 3)).map(lambda p: f"{p[0]} * {p[1]}"),
        st.tuples(leaves, st.integers(-3, 3), st.integers(-3, 3)).map(lambda p: f"{p[0]}[{p[1]}:{p[2]}]"),
        int_expr(1).map(lambda e: f'"%d items" % {e}'),
        st.just("'-'.join([str(v) for v in xs])"),
    )


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def block(depth: int) -> st.SearchStrategy[list[str]]:
    return st.lists(statement(depth), min_size=1, max_size=3).map(lambda blocks: [line for b in blocks for line in b])


def statement(depth: int = 2) -> st.SearchStrategy[list[str]]:
    # Assignments are bounded (ints mod a prime, strings cut) so loops cannot grow values exponentially.
    simple = st.one_of(
        st.tuples(st.sampled_from(INT_VARS), int_expr()).map(lambda p: [f"{p[0]} = ({p[1]}) % 10007"]),
        st.tuples(st.sampled_from(STR_VARS), str_expr()).map(lambda p: [f"{p[0]} = ({p[1]})[:40]"]),
        int_expr(1).map(lambda e: [f"xs.append(({e}) % 10007)"]),
        st.tuples(int_expr(1), int_expr(1)).map(lambda p: [f"a, b = ({p[0]}) % 10007, ({p[1]}) % 10007"]),
        st.just(["xs = sorted(xs)[-5:]"]),
        st.just(["d = {**d, s: a}", "c = len(d)"]),
    )
    if depth == 0:
        return simple
    inner = block(depth - 1)
    return st.one_of(
        simple,
        st.tuples(cond(), inner, inner).map(lambda p: [f"if {p[0]}:", *indent(p[1]), "else:", *indent(p[2])]),
        st.tuples(st.integers(0, 4), inner).map(lambda p: [f"for i in range({p[0]}):", *indent(p[1])]),
        st.tuples(st.integers(0, 3), inner).map(  # one counter per nesting depth
            lambda p: [f"w{depth} = 0", f"while w{depth} < {p[0]}:", *indent(p[1]), f"    w{depth} = w{depth} + 1"]
        ),
        st.tuples(inner, st.integers(0, 3)).map(
            lambda p: [f"for k in range({p[1]}):", "    if k == 2:", "        break", *indent(p[0])]
        ),
    )


PRELUDE = [
    "def helper(p):",
    "    if p > 100:",
    "        return p % 97",
    "    return p * 2 + 1",
    "a = 1",
    "b = 2",
    "c = 3",
    "s = 'ab'",
    "t = 'cd'",
    "xs = []",
    "d = {}",
]
RESULT = "[a, b, c, s, t, xs, d]"


def programs() -> st.SearchStrategy[str]:
    return st.lists(statement(), min_size=1, max_size=5).map(
        lambda blocks: "\n".join([*PRELUDE, *[line for b in blocks for line in b], RESULT]) + "\n"
    )


def cpython_result(source: str) -> object:
    namespace: dict[str, object] = {
        "add": add.func,
        "square": square.func,
        "map_task": lambda task, *its: [task(*args) for args in zip(*its)],
    }
    body, _, last = source.rstrip("\n").rpartition("\n")
    exec(compile(body, "<cpython>", "exec"), namespace)
    return eval(compile(last, "<cpython>", "eval"), namespace)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_runtime_matches_cpython(source):
    from sandbox_lint import check

    interface = Interface(tasks=(add.signature, square.signature), inputs=(InputDecl("unused", "int"),))
    assert check(source, interface=interface, settings=Settings.gate()) == [], source
    try:
        expected: object = ("ok", cpython_result(source))
    except Exception as exc:  # noqa: BLE001 - both sides must fail alike
        expected = ("error", type(exc).__name__)
    try:
        actual: object = ("ok", sandbox.orchestrate_local_sync(source, inputs={"unused": 0}, tasks=[add, square], max_task_calls=5000))
    except Exception as exc:  # noqa: BLE001
        actual = ("error", getattr(exc, "exc_type", type(exc).__name__))
    assert actual == expected, source
