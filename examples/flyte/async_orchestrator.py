"""An `async def` orchestrator whose task calls are not awaited.

Flyte's sandbox answers every task call with its value, in `def` and
`async def` orchestrators alike: its own example (`async_leaderboard` in
`examples/sandbox/orchestrator.py`) calls tasks without `await`. This program
does the same, with a sync and an async worker task.

Port: only the import line differs from Flyte (`import flyte`).
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
    total = 0
    top = 0
    for team in teams:
        goals = goals_scored(team)
        total = add(total, goals)
        if goals > top:
            top = goals
    return {"total": total, "top": top, "bonus": bonus_points(top)}


if __name__ == "__main__":
    flyte.init()
    run = flyte.run(season_summary, teams=["owls", "foxes", "moles"])
    print(run.outputs()[0])
