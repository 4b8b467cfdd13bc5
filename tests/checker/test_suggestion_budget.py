"""Suggestion work is bounded (issue 10 §2): a flood of unknown names or
misspelled keywords costs no more than the unit's budget, and the first
findings still carry their "did you mean".

Each flood runs in a fresh subprocess (its own memory high-water mark) under
a generous timeout; the time goal itself is in bench/suggestions.py, since
the machine is shared.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from sandbox_lint import check, parse_stub
from sandbox_lint.rules import shared

FLOOD = r'''
import json, resource, sys
from sandbox_lint import check, parse_stub

kind, n = sys.argv[1], int(sys.argv[2])
if kind == "names":  # bindings, then as many names that are not defined, each close to one of them
    source = "".join(f"v{i}=1\n" for i in range(n)) + "".join(f"v{i}x\n" for i in range(n))
    interface = parse_stub("def add(x: int, y: int) -> int: ...\nitems: list[int]")
elif kind == "keywords":  # a task with n parameters, called n times with a misspelled keyword
    params = ", ".join(f"p{i}: int" for i in range(n))
    interface = parse_stub(f"def t({params}) -> int: ...")
    source = "".join(f"r{i} = t(px{i}=1)\n" for i in range(n))
else:  # n tasks, n calls of flyte_map with a misspelled task name
    interface = parse_stub("".join(f"def task{i}(x: int) -> int: ...\n" for i in range(n)) + "xs: list[int]")
    source = "".join(f"r{i} = flyte_map('tsak{i}', xs)\n" for i in range(n))
found = check(source, interface=interface)
print(json.dumps({
    "bytes": len(source),
    "findings": [[d.code, d.message] for d in found],
    "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
'''

MEMORY_KB = 300 * 1024  # issue 10's budget for any check


def _flood(kind: str, n: int) -> dict[str, object]:
    # Through a shell that forks the probe: Linux carries a parent's peak RSS into
    # `ru_maxrss` across exec, and the test runner's would hide the probe's.
    command = " ".join(shlex.quote(part) for part in (sys.executable, "-c", FLOOD, kind, str(n))) + "; exit $?"
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_flood_of_unknown_names_is_bounded_and_the_first_get_suggestions() -> None:
    result = _flood("names", 4000)
    findings = result["findings"]
    assert isinstance(findings, list) and isinstance(result["bytes"], int)
    assert 50_000 <= result["bytes"] <= 60_000  # the 53 KB program of the report
    assert len(findings) == 4000 and {code for code, _ in findings} == {"SBX401"}
    suggested = ["did you mean" in message for _, message in findings]
    assert all(suggested[:100]), findings[:3]
    assert findings[0][1].startswith("`v0x` is not defined: did you mean `v0`")
    assert not all(suggested)  # past the budget, no more suggestion work
    assert isinstance(result["rss_kb"], int) and result["rss_kb"] < MEMORY_KB


def test_a_flood_of_misspelled_keywords_is_bounded() -> None:
    result = _flood("keywords", 3000)
    findings = result["findings"]
    assert isinstance(findings, list) and len(findings) == 3000
    assert "(did you mean `p0`?)" in findings[0][1]
    assert "missing arguments `p0`, `p1`" in findings[0][1] and "and 2980 more" in findings[0][1]
    assert all(len(message) < 2000 for _, message in findings)  # signatures are counted, not spelled out
    assert isinstance(result["rss_kb"], int) and result["rss_kb"] < MEMORY_KB


def test_a_flood_of_misspelled_task_names_is_bounded() -> None:
    result = _flood("tasks", 3000)
    findings = result["findings"]
    assert isinstance(findings, list) and len(findings) == 3000
    assert "(did you mean 'task0'?)" in findings[0][1]
    assert all(len(message) < 2000 for _, message in findings)
    assert isinstance(result["rss_kb"], int) and result["rss_kb"] < MEMORY_KB


def test_the_budget_is_per_unit_and_memoized_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same unknown name costs once; past the budget, messages keep their other advice."""
    stub = parse_stub("def add(x: int, y: int) -> int: ...")
    source = "value = 1\n" + "vlaue\n" * 50 + "valeu\n"
    monkeypatch.setattr(shared, "SUGGESTION_BUDGET", 60)
    found = check(source, interface=stub)
    assert all("did you mean `value`" in d.message for d in found[:50])  # memoized: one lookup for the 50
    monkeypatch.setattr(shared, "SUGGESTION_BUDGET", 0)
    from sandbox_lint.checker import clear_caches

    clear_caches()
    found = check(source, interface=stub)
    assert found and all("did you mean" not in d.message and "define it before use" in d.message for d in found)
    assert all(d.fix is None for d in found)


def test_close_names_are_found_by_first_or_last_letter() -> None:
    suggester = shared.Suggester()
    pool = [("pool", lambda: ["length", "items", "count", "total_price", "results"])]
    assert suggester.close("lenght", pool) == ["length"]
    assert suggester.close("itemz", pool) == ["items"]
    assert suggester.close("xount", pool) == ["count"]  # a typo in the first letter
    assert suggester.close("total_prices", pool) == ["total_price"]
    assert suggester.close("zzz", pool) == []
