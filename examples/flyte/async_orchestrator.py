"""An `async def` orchestrator: its task calls are awaited, or gathered to run concurrently.

This is a deliberate difference from Flyte. Flyte's sandbox
answers every task call with its value, in `async def` orchestrators too, so
its own example (`async_leaderboard` in `examples/sandbox/orchestrator.py`)
writes `goals = goals_scored(team)` without `await`, and refuses `await` on
a task call. Here a task call in async code is awaitable, as in Python:
`await` each call, or start several and `gather(...)` them, which runs them
concurrently. The Flyte form (no `await`) is refused by the checker with the
line of the call and `write goals = await goals_scored(team)`.

Port: the import line (`import flyte`), the `await`s, and `flyte.run(...)`
gives the value here, where Flyte's gives a Run (`flyte.run(...).outputs()[0]`).
Run: python examples/flyte/async_orchestrator.py
"""

import runtime as flyte

env = flyte.TaskEnvironment(name="league")


@env.task
def goals_scored(team: str) -> int:
    table = {"owls": 3, "foxes": 5, "moles": 1}
    return table.get(team, 0)


@env.task
async def bonus_points(goals: int) -> int:
    return goals * 2


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.sandbox.orchestrator
async def season_summary(teams: list[str]) -> dict[str, int]:
    # every team's goals at once, then a sequential running total
    scores = await gather(*[goals_scored(team) for team in teams])  # noqa: F821 - a sandbox builtin
    total = 0
    top = 0
    for goals in scores:
        total = await add(total, goals)
        if goals > top:
            top = goals
    return {"total": total, "top": top, "bonus": await bonus_points(top)}


if __name__ == "__main__":
    flyte.init()
    print(flyte.run(season_summary, teams=["owls", "foxes", "moles"]))
