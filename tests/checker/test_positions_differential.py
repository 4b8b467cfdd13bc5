"""Positions computed for the reported statements alone equal the whole module's.

The checker computes positions only inside the statements that hold findings
(`sandbox_lint.positions`); the reference is libcst's `PositionProvider` over
the whole parsed text (`pipeline.exact_positions = True`). Both must give the
same diagnostics — codes, messages, positions and fixes — on every rule
example, the examples folder, and generated programs in every embedding.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox_lint import Diagnostic, check, check_host, parse_stub, pipeline
from sandbox_lint.checker import clear_caches
from sandbox_lint.rules import RULES
from sandbox_lint.rules.base import Invalid, Valid

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_INTERFACE = parse_stub((ROOT / "examples" / "scripts" / "tasks.pyi").read_text(encoding="utf-8"))


def both_ways(run: object) -> tuple[list[Diagnostic], list[Diagnostic]]:
    assert callable(run)
    try:
        clear_caches()
        pipeline.exact_positions = False
        fast = run()
        clear_caches()
        pipeline.exact_positions = True
        reference = run()
    finally:
        pipeline.exact_positions = False
        clear_caches()
    return fast, reference


def rule_cases() -> Iterator[tuple[str, str, str | None, bool]]:
    for rule in RULES:
        for example in [*rule.VALID, *rule.INVALID]:
            if isinstance(example, str):
                yield rule.code, example, None, False
            else:
                assert isinstance(example, (Valid, Invalid))
                yield rule.code, example.code, example.interface, example.host


CASES = list(rule_cases())


@pytest.mark.parametrize("code, source, stub, host", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_examples(code: str, source: str, stub: str | None, host: bool) -> None:
    interface = parse_stub(stub) if stub else None
    if host:
        fast, reference = both_ways(lambda: check_host(source))
    else:
        fast, reference = both_ways(lambda: check(source, interface=interface))
    assert fast == reference


EXAMPLE_FILES = sorted((ROOT / "examples").rglob("*.py"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLE_FILES])
def test_example_files(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    fast, reference = both_ways(lambda: check_host(source))
    assert fast == reference
    fast, reference = both_ways(lambda: check(source, interface=EXAMPLES_INTERFACE))
    assert fast == reference


def _embedded(source: str) -> list[str]:
    """The program as a script, a decorated orchestrator (also as a method) and a code string."""
    body = "\n".join("    " + line if line.strip() else line for line in source.split("\n"))
    header = "import runtime\nfrom runtime import sandbox\nenv = runtime.TaskEnvironment('e')\n"
    return [
        source,
        header + "@env.sandbox.orchestrator\ndef main(items: list[int]) -> int:\n" + body + "\n    return 0\n",
        header + "class Flows:\n    @env.sandbox.orchestrator\n    def main(self) -> int:\n"
        + "\n".join("    " + line if line.strip() else line for line in body.split("\n")) + "\n        return 0\n",
        header + 't = sandbox.orchestrate_local_sync("""\n' + body + '\n""")\n' if '"""' not in source and "\\" not in source else source,
    ]


SNIPPETS = st.sampled_from(
    [
        "total += 1", "d[k] = v", "import os", "x = {1, 2}", "try:\n    pass\nexcept E:\n    pass",
        "for i in items:\n    xs.append(i)\n    xs.sort()", "assert x, 'm'", "f = open('x')", "y = ad(1, 2)",
        "def helper(a=[]):\n    return a", "s = '{}'.format(x)", "with a as b:\n    pass", "del x",
        "obj.attr = 1", "lambda: add(1, 2)", "while True:\n    break", "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x += 3",
        "z = __import__('os')", "class C:\n    pass", "match x:\n    case 1:\n        pass",
        "result = [add(i, 1) for i in items]", "async def g():\n    await fetch(1)\n    add(1, 2)",
        "x = (\n    1 +\n    2\n)", "# comment\n\n\nx: set[int] = []", "yield 1", "global q",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SNIPPETS, min_size=1, max_size=6))
def test_generated_programs_in_every_embedding(parts: list[str]) -> None:
    program = "\n".join(parts) + "\n"
    for source in _embedded(program):
        fast, reference = both_ways(lambda: check_host(source))
        assert fast == reference
        fast, reference = both_ways(lambda: check(source, interface=EXAMPLES_INTERFACE))
        assert fast == reference


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(hypothesmith.from_grammar())
def test_grammar_programs(source: str) -> None:
    fast, reference = both_ways(lambda: check(source, interface=EXAMPLES_INTERFACE))
    assert fast == reference
