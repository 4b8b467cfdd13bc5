"""One generic test runs every rule's VALID and INVALID examples (Fixit's way)."""

from __future__ import annotations

import pytest

from sandbox_lint import check, check_host, parse_stub
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.fixes import apply_fixes
from sandbox_lint.rules import RULES_BY_CODE
from sandbox_lint.rules.base import Invalid, Rule, Valid

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety")


def _run(code: str, interface: str | None, host: bool) -> list[Diagnostic]:
    if host:
        return check_host(code)
    return check(code, interface=parse_stub(interface) if interface is not None else None)


def _cases(kind: str) -> list[object]:
    params = []
    for code, rule in RULES_BY_CODE.items():
        for index, example in enumerate(getattr(rule, kind)):
            params.append(pytest.param(rule, example, id=f"{code}-{index}"))
    return params


@pytest.mark.parametrize("rule,example", _cases("VALID"))
def test_valid_examples(rule: type[Rule], example: str | Valid) -> None:
    valid = example if isinstance(example, Valid) else Valid(example)
    found = [d for d in _run(valid.code, valid.interface, valid.host) if d.code == rule.code]
    assert found == [], f"{rule.code} reported on a VALID example:\n{valid.code}"


@pytest.mark.parametrize("rule,example", _cases("INVALID"))
def test_invalid_examples(rule: type[Rule], example: str | Invalid) -> None:
    invalid = example if isinstance(example, Invalid) else Invalid(example)
    expected = invalid.expect or rule.code
    diagnostics = _run(invalid.code, invalid.interface, invalid.host)
    found = [d for d in diagnostics if d.code == expected]
    assert found, f"{expected} not reported on:\n{invalid.code}\ngot: {diagnostics}"
    for d in found:
        assert d.name == RULES_BY_CODE[expected].name
        assert d.message and d.line >= 1 and d.column >= 1
        assert (d.end_line, d.end_column) >= (d.line, d.column)
    if invalid.line is not None:
        assert found[0].line == invalid.line
    if invalid.column is not None:
        assert found[0].column == invalid.column
    if invalid.fixed is not None:
        interface = parse_stub(invalid.interface) if invalid.interface else None

        def checker(text: str) -> list[Diagnostic]:
            return check_host(text) if invalid.host else check(text, interface=interface)

        fixed, count = apply_fixes(invalid.code, checker, unsafe=invalid.unsafe, codes=frozenset({expected}))
        assert count >= 1
        assert fixed == invalid.fixed
        # Idempotent: fixing the fixed text changes nothing.
        assert apply_fixes(fixed, checker, unsafe=invalid.unsafe)[0] == fixed


@pytest.mark.parametrize("code", list(RULES_BY_CODE))
def test_rule_docs_have_every_section(code: str) -> None:
    rule = RULES_BY_CODE[code]
    docs = rule.docs()
    for section in SECTIONS:
        assert section in docs, f"{code} docs lack {section!r}"
    assert rule.INVALID, f"{code} has no INVALID example"
    assert rule.VALID, f"{code} has no VALID example"
    assert rule.name and rule.summary
