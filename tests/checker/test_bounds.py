"""The checker itself stays bounded: every source under the size limit is checked, or
stopped with SBX206, within a memory budget (measured in a subprocess), never hanging.

Time is not asserted here (the machine is shared): `bench/lint.py` section 6 prints the
time of each of these sources against the 2 s target. Memory is the peak RSS of a fresh
process, minus that process's own baseline after importing the checker.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BUDGET_MB = 300

SOURCES = {
    "40 lines of 199-deep parentheses": "''.join(f'x{i} = ' + '(' * 199 + '1' + ')' * 199 + '\\n' for i in range(40))",
    "40 lines of 150-deep lists": "''.join(f'x{i} = ' + '[' * 150 + '1' + ']' * 150 + '\\n' for i in range(40))",
    "400 lines of 150-deep lists": "''.join(f'x{i} = ' + '[' * 150 + '1' + ']' * 150 + '\\n' for i in range(400))",
    "4,000 lines of 10-deep lists": "''.join(f'x{i} = ' + '[' * 10 + '1' + ']' * 10 + '\\n' for i in range(4000))",
    "nested dicts and calls": "''.join(f'x{i} = ' + 'f({\"k\": ' * 60 + '1' + '})' * 60 + '\\n' for i in range(100))",
    "a 900 KB list literal": "'x = [' + ', '.join(str(i) for i in range(130000)) + ']\\n'",
    "20,000 lines of small lists": "''.join(f'x{i} = [[[[1, 2], [3]], 4], 5]\\n' for i in range(20000))",
    "a long chain of additions": "'x = ' + ' + '.join(['1'] * 60000) + '\\n'",
    "a code string of deep lists in a host file": (
        "'from runtime import sandbox\\nt = sandbox.orchestrate_local_sync(\"\"\"\\n' + "
        "''.join(f'x{i} = ' + '[' * 150 + '1' + ']' * 150 + '\\n' for i in range(40)) + '\"\"\")\\n'"
    ),
}
# Sources just under the work limit are checked, not stopped: still within the budget.
CHECKED = {
    "2,000 lines of ordinary code": "'items = [1, 2, 3]\\n' + 'total = 0\\nfor item in items:\\n    if item > 2:\\n        total = total + item\\n' * 500",
    "a 20,000-element list": "'x = [' + ', '.join(str(i) for i in range(20000)) + ']\\n'",
    "100 lines of 30-deep lists": "''.join(f'x{i} = ' + '[' * 30 + '1' + ']' * 30 + '\\n' for i in range(100))",
}

PROBE = textwrap.dedent(
    """
    import resource, sys
    from sandbox_lint import check, check_host, parse_stub
    from sandbox_lint.settings import Settings
    check("x = 1")  # imports done, caches warm: this is the baseline
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = eval(sys.argv[1])
    if "from runtime" in source:
        found = check_host(source)
    else:
        found = check(source, interface=parse_stub("def f(x: dict[str, int]) -> int: ..."), settings=Settings.gate())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(source), (peak - base) // 1024, ",".join(sorted({d.code for d in found})))
    """
)


def _probe(expression: str) -> tuple[int, int, str]:
    # Started through /bin/sh: Linux carries a parent's peak RSS into a child's
    # ru_maxrss across exec, which would hide the child's own growth under pytest.
    command = " ".join(["exec", sys.executable, "-c", _quote(PROBE), _quote(expression)])
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    size, grown_mb, *codes = done.stdout.split()
    return int(size), int(grown_mb), codes[0] if codes else ""


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_costly_sources_stop_with_sbx206_within_the_memory_budget(name: str) -> None:
    size, grown_mb, codes = _probe(SOURCES[name])
    assert size < 1_000_000  # under the size limit: the work limit must stop it
    assert codes == "SBX206"
    assert grown_mb < BUDGET_MB, f"{name}: {grown_mb} MB"


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_sources_under_the_work_limit_are_checked_within_the_memory_budget(name: str) -> None:
    _, grown_mb, codes = _probe(CHECKED[name])
    assert "SBX206" not in codes
    assert grown_mb < BUDGET_MB, f"{name}: {grown_mb} MB"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
