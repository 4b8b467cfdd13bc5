"""Suggestion work is bounded: a flood of unknown names against the same flood checked without it.

    python bench/suggestions.py [--quick]

The program of issue 10 §2: 4,000 bindings and 4,000 names that are not
defined, each close to a binding (about 53 KB). It is checked cold (caches
cleared) with the unit's default suggestion budget, and with the budget set
to 0 (no "did you mean" at all), interleaved, best of the repeats. The
suggestions' share of the check is the ratio of the two.

Targets: ratio <= 1.5 (before the budget, the same program took 30-35 s, about
20 times the check without suggestions), and the whole check under 2 s.
Prints PASS or MISS; never fails.
"""

from __future__ import annotations

import os
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from sandbox_lint import check, parse_stub  # noqa: E402
from sandbox_lint.checker import clear_caches  # noqa: E402
from sandbox_lint.rules import shared  # noqa: E402

QUICK = "--quick" in sys.argv
RATIO_TARGET = 1.5
SECONDS_TARGET = 2.0


def main() -> int:
    n = 4000
    source = "".join(f"v{i}=1\n" for i in range(n)) + "".join(f"v{i}x\n" for i in range(n))
    interface = parse_stub("def add(x: int, y: int) -> int: ...\nitems: list[int]")
    budget = shared.SUGGESTION_BUDGET
    timings: dict[int, float] = {budget: float("inf"), 0: float("inf")}
    suggested = 0
    for _ in range(2 if QUICK else 5):
        for value in (budget, 0):
            shared.SUGGESTION_BUDGET = value
            clear_caches()
            start = time.perf_counter()
            found = check(source, interface=interface)
            timings[value] = min(timings[value], time.perf_counter() - start)
            if value:
                suggested = sum("did you mean" in d.message for d in found)
    shared.SUGGESTION_BUDGET = budget
    ratio = timings[budget] / timings[0]
    print(f"flood of {n} unknown names ({len(source):,} bytes): {len(found)} findings, {suggested} with suggestions")
    print(f"  with suggestions {timings[budget]:.2f} s, without {timings[0]:.2f} s")
    print(f"  ratio {ratio:.2f} (target <= {RATIO_TARGET}): {'PASS' if ratio <= RATIO_TARGET else 'MISS'}")
    ok = timings[budget] <= SECONDS_TARGET
    print(f"  whole check {timings[budget]:.2f} s (target < {SECONDS_TARGET} s): {'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
