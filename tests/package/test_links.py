"""Links that leave the repository still work: the README as the package index
shows it (no relative links), and every rule's `url()` lands on its section
of docs/rules.md as GitHub renders it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from sandbox_lint.rules import RULES_BY_CODE

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://github.com/sandbox-lint/sandbox-lint"
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings (github-slugger: lowercase, drop
    punctuation but `-` and `_`, spaces to `-`, `-1`, `-2`... for repeats)."""
    seen: Counter[str] = Counter()
    anchors: set[str] = set()
    in_fence = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        heading = re.match(r"#{1,6} (.+)", line)
        if in_fence or heading is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        anchors.add(slug if seen[slug] == 0 else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return anchors


def test_readme_links_are_absolute_and_point_at_files_of_this_repository() -> None:
    links = MARKDOWN_LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert links
    for link in links:
        assert link.startswith("https://"), f"relative link {link!r} breaks on the package index"
        if link.startswith(REPOSITORY + "/"):
            kind, branch, *path = link.removeprefix(REPOSITORY + "/").split("#")[0].split("/")
            target = ROOT.joinpath(*path)
            assert branch == "main", link
            assert target.exists(), f"{link}: no such file in the repository"
            assert kind == ("tree" if target.is_dir() else "blob"), link


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_rule_url_is_an_anchor_of_docs_rules_md(code: str) -> None:
    page, _, anchor = RULES_BY_CODE[code].url().partition("#")
    assert page == f"{REPOSITORY}/blob/main/docs/rules.md"
    assert anchor in github_anchors((ROOT / "docs" / "rules.md").read_text(encoding="utf-8"))
    assert anchor.startswith(code.lower() + "-")


def test_the_anchor_model_matches_githubs_on_known_headings() -> None:
    page = "## SBX101 import\n### What it does\n```\n# not a heading\n```\n## What it does\n## `with` is: ok?\n"
    assert github_anchors(page) == {"sbx101-import", "what-it-does", "what-it-does-1", "with-is-ok"}


def test_the_readme_and_the_rules_page_count_the_rules_there_are() -> None:
    for page in ("README.md", "docs/rules.md"):
        counts = re.findall(r"\b(\d+) rules\b", (ROOT / page).read_text(encoding="utf-8"))
        assert counts and all(int(count) == len(RULES_BY_CODE) for count in counts), (page, counts)
