"""Reusable templates from code strings with `flyte.sandbox.orchestrator_from_str`.

Code built at run time (from a template, a config file or a model) becomes a
typed, reusable task; the value of the last expression is the result.
Adapted from Flyte's `examples/sandbox/code_string.py` and
`examples/sandbox/dynamic_code.py` (reducers, formulas, grouping with
`TaskEnvironment.from_task`).

Port: only the import lines differ from Flyte (`import flyte`, `import flyte.sandbox`), and
`flyte.run(...)` gives the value here, where Flyte's gives a Run (`.outputs()[0]`).
Run: python examples/flyte/templates.py
"""

import runtime as flyte
import runtime.sandbox

BODIES = {
    "sum": """
        acc = 0
        for v in values:
            acc = acc + v
        acc
    """,
    "max": """
        acc = values[0]
        for v in values:
            if v > acc:
                acc = v
        acc
    """,
}


def make_reducer(operation: str) -> flyte.sandbox.CodeTaskTemplate:
    return flyte.sandbox.orchestrator_from_str(
        BODIES[operation],  # noqa: SBX601 - chosen at run time; the gate checks it at creation
        inputs={"values": list[int]},
        output=int,
        name=f"reduce-{operation}",
    )


def make_formula(formula: str, variables: list[str]) -> flyte.sandbox.CodeTaskTemplate:
    return flyte.sandbox.orchestrator_from_str(
        formula,  # noqa: SBX601 - built at run time; the gate checks it at creation
        inputs=dict.fromkeys(variables, float),
        output=float,
        name="formula-" + formula.replace(" ", ""),
    )


grade = flyte.sandbox.orchestrator_from_str(
    """
    def letter(mark):
        if mark >= 85:
            return "A"
        elif mark >= 70:
            return "B"
        return "C"
    [letter(m) for m in marks]
    """,
    inputs={"marks": list[int]},
    output=list[str],
    name="grade",
)

# No `output=`: the program returns None (a check that raises on bad input).
check_positive = flyte.sandbox.orchestrator_from_str(
    """
    for v in values:
        if v <= 0:
            raise ValueError("not positive: " + str(v))
    """,
    inputs={"values": list[int]},
    name="check-positive",
)

sum_task = make_reducer("sum")
max_task = make_reducer("max")
rectangle = make_formula("width * height", ["width", "height"])

# Standalone templates join an environment so they can be deployed together.
grouped = flyte.TaskEnvironment.from_task("reducers", sum_task, max_task, rectangle, grade, check_positive)


if __name__ == "__main__":
    flyte.init()
    print(flyte.run(sum_task, values=[4, 8, 15]))
    print(flyte.run(max_task, values=[4, 8, 15]))
    print(flyte.run(rectangle, width=2.5, height=4.0))
    print(flyte.run(grade, marks=[91, 72, 40]))
    print(flyte.run(check_positive, values=[1, 2]))
    print(sorted(grouped.tasks))
