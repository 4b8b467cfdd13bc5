"""`flyte_map(..., return_exceptions=True)`: failed elements come back as values.

With `return_exceptions=True`, an element whose task raised is its exception
in the result list, and the other elements still run; the sandbox can test
for it with `isinstance(r, Exception)`. Adapted from Flyte's
`tests/flyte/sandbox/test_map_in_sandbox.py` (`test_flyte_map_return_exceptions`).

Port: only the import lines differ from Flyte (`import flyte`, `import flyte.sandbox`), and
`flyte.run(...)` gives the value here, where Flyte's gives a Run (`.outputs()[0]`).
Run: python examples/flyte/map_errors.py
"""

import runtime as flyte
import runtime.sandbox

env = flyte.TaskEnvironment(name="checks")


@env.task
def parse_age(text: str) -> int:
    if not text.isdigit():
        raise ValueError("not a number: " + text)
    return int(text)


report = flyte.sandbox.orchestrator_from_str(
    """
    results = flyte_map("parse_age", rows, return_exceptions=True)
    ages = [r for r in results if not isinstance(r, Exception)]
    failed = [i for i, r in enumerate(results) if isinstance(r, Exception)]
    {"ages": ages, "failed_rows": failed, "messages": [str(results[i]) for i in failed]}
    """,
    inputs={"rows": list[str]},
    output=dict,
    tasks=[parse_age],
    name="age-report",
)


if __name__ == "__main__":
    flyte.init()
    print(flyte.run(report, rows=["31", "forty", "27", ""]))
