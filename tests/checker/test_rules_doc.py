"""docs/rules.md is generated from the rules' docstrings and must stay in sync."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sandbox_lint.rules import RULES_BY_CODE
from sandbox_lint.rules_doc import render_all, render_rule

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "rules.md"


def test_docs_rules_md_is_in_sync_with_the_registry() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_all(), (
        "docs/rules.md is out of date: run `python -m sandbox_lint.rules_doc > docs/rules.md`"
    )


def test_every_registered_rule_has_a_section_and_an_index_row() -> None:
    page = render_all()
    for code, rule in RULES_BY_CODE.items():
        assert page.count(f"\n## {code} {rule.name}\n") == 1
        assert f"| [{code}](#{code.lower()}-{rule.name}) | {rule.name} |" in page


def test_rule_section_demotes_the_docstring_headings() -> None:
    rule = RULES_BY_CODE["SBX103"]
    section = render_rule(rule)
    assert section.startswith("## SBX103 augmented-assignment\n")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"):
        assert f"\n### {heading}\n" in section
        assert f"\n## {heading}\n" not in section
    assert "safe fix" in section.splitlines()[2]
    # The docstring text itself is carried over unchanged.
    assert "total = total + item" in section


def test_module_entry_point_prints_the_page() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox_lint.rules_doc"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == render_all()


def test_python_comments_inside_code_fences_are_not_headings() -> None:
    from sandbox_lint.rules_doc import _demote_headings

    text = "## Example\n```python\n# a comment\nx = 1\n```\n## Use instead\n"
    assert _demote_headings(text) == "### Example\n```python\n# a comment\nx = 1\n```\n### Use instead\n"
