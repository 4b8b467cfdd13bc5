"""Code-mode benchmark: the loop's own cost per turn against one sandbox run of the same code.

    python bench/codemode.py [--quick]

A turn of `CodeModeAgent` is: call the model, extract the program, gate it,
run it, render the feedback, emit the events. Everything but the model call
is the loop's overhead plus the run itself; the baseline is one
`orchestrate_local_sync` run of the same program, measured in this process,
interleaved with the agent so both see the same machine. Two cases:

1. warm: the model resends the same program (both sides reuse the checked program);
2. cold: every turn is a new program (both sides gate and compile it);
3. warm, with a model that takes 5 ms (a real model takes far longer): the
   baseline runs are 5 ms apart too, and both sides have the 5 ms taken out.

Cases 1 and 2 compare the loop with runs made back to back, the Monty worker
never idle between them. Any host work between two runs (here the loop's own,
about 20 us of Python per turn) lets the worker's threads park, and the next
run pays to wake them: a run 20 ms after the previous one costs several times
a back-to-back run here. A real model call always leaves such a gap, which is
what case 3 puts on both sides.

The agent's runs carry no event hook of their own: the calls a failed run
made, with their results, come from the error (`SandboxError.calls`).

Target: median turn / median run <= 1.3. Prints PASS or MISS; never fails.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

# This file is named like nothing in the packages, but keep bench/ off the import path anyway.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import runtime  # noqa: E402
from runtime import codemode, sandbox  # noqa: E402

QUICK = "--quick" in sys.argv
TARGET = 1.3
env = runtime.TaskEnvironment(name="bench-codemode")


@env.task
def add(x: int, y: int) -> int:
    return x + y


PROGRAM = "total = 0\nfor x in xs:\n    total = add(total, x)\n{{'total': total, 'n': len(xs), 'k': {k}}}\n"
INPUTS = {"xs": [1, 2, 3]}


class CannedModel:
    """Replies with the next program, instantly or after `think_s`; its own
    time is measured and subtracted."""

    def __init__(self, programs: list[str], think_s: float = 0.0) -> None:
        self.replies = [f"```python\n{p}```" for p in programs]
        self.i = 0
        self.spent = 0.0
        self.think_s = think_s

    def __call__(self, messages: list[dict[str, str]]) -> str:
        t0 = time.perf_counter()
        if self.think_s:
            time.sleep(self.think_s)
        reply = self.replies[self.i % len(self.replies)]
        self.i += 1
        self.spent += time.perf_counter() - t0
        return reply


def per_turn(agent: codemode.CodeModeAgent, model: CannedModel, turns: int) -> float:
    """Seconds per turn of the loop, the model's own time taken out."""
    model.spent = 0.0
    t0 = time.perf_counter()
    result = agent.run("Sum the numbers.", **INPUTS)
    elapsed = time.perf_counter() - t0 - model.spent
    assert result.reason == "max_turns" and result.turns == turns and all(a.ok for a in result.attempts), result.error
    return elapsed / turns


def new_agent(model: CannedModel, turns: int) -> codemode.CodeModeAgent:
    return codemode.CodeModeAgent(model=model, tasks=[add], inputs={"xs": list[int]}, max_turns=turns)


def per_run(programs: list[str], gap_s: float = 0.0) -> float:
    """Seconds per run; with `gap_s`, each run follows a pause that long (not counted)."""
    paused = 0.0
    t0 = time.perf_counter()
    for program in programs:
        if gap_s:
            p0 = time.perf_counter()
            time.sleep(gap_s)
            paused += time.perf_counter() - p0
        sandbox.orchestrate_local_sync(program, inputs=INPUTS, tasks=[add])
    return (time.perf_counter() - t0 - paused) / len(programs)


def case(name: str, rounds: int, turns: int, fresh: bool, think_s: float = 0.0) -> None:
    """One agent serves every round, as in an application; in the warm case it
    has seen the program before (as `orchestrate_local`'s cache has)."""
    counter = iter(range(10**9))
    model = CannedModel([PROGRAM.format(k=0)], think_s)
    agent = new_agent(model, turns)
    per_turn(agent, model, turns)
    agent_times: list[float] = []
    run_times: list[float] = []
    for _ in range(rounds):
        if fresh:
            model.replies = [f"```python\n{PROGRAM.format(k=next(counter))}```" for _ in range(turns)]
            run_programs = [PROGRAM.format(k=next(counter)) for _ in range(turns)]
        else:
            run_programs = [PROGRAM.format(k=0)] * turns
        agent_times.append(per_turn(agent, model, turns))
        run_times.append(per_run(run_programs, think_s))
    turn = statistics.median(agent_times)
    run = statistics.median(run_times)
    ratio = turn / run
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"{name}: loop turn {turn * 1e6:.0f} us vs orchestrate_local run {run * 1e6:.0f} us -> ratio {ratio:.2f} (target <= {TARGET}) {verdict}")


def main() -> None:
    rounds, turns = (5, 10) if QUICK else (15, 20)
    sandbox.orchestrate_local_sync(PROGRAM.format(k=0), inputs=INPUTS, tasks=[add])  # start the worker pool
    print(f"code-mode loop overhead ({rounds} rounds x {turns} turns, medians)")
    case("1. warm (same program each turn)", rounds, turns, fresh=False)
    case("2. cold (a new program each turn)", rounds, turns, fresh=True)
    case("3. warm, a 5 ms model (runs 5 ms apart on both sides)", rounds, turns, fresh=False, think_s=0.005)


if __name__ == "__main__":
    main()
