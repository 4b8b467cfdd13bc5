"""`flyte.io.File` handles passed through a sandboxed orchestrator.

The orchestrator receives files, hands them to worker tasks and combines what
the tasks report; it never opens a file itself. Adapted from Flyte's
`examples/sandbox/opaque_io.py` (file pass-through, parameterized pipeline),
with local files so it runs anywhere.

Port: only the import lines differ from Flyte (`import flyte`, `import flyte.io`), and
`flyte.run(...)` gives the value here, where Flyte's gives a Run (`.outputs()[0]`).
Run: python examples/flyte/file_handles.py
"""

import os
import tempfile

import runtime as flyte
import runtime.io

env = flyte.TaskEnvironment(name="files")


@env.task
def count_rows(f: flyte.io.File) -> int:
    """Data rows of a CSV file (the header is not counted)."""
    with open(f.path) as handle:
        return len(handle.read().strip().splitlines()) - 1


@env.task
def column_total(f: flyte.io.File, column: str) -> int:
    with open(f.path) as handle:
        header, *rows = handle.read().strip().splitlines()
    index = header.split(",").index(column)
    return sum(int(row.split(",")[index]) for row in rows)


@env.sandbox.orchestrator
def sales_summary(files: list[flyte.io.File]) -> dict[str, int]:
    rows = 0
    revenue = 0
    for f in files:
        rows = rows + count_rows(f)
        revenue = revenue + column_total(f, "revenue")
    return {"files": len(files), "rows": rows, "revenue": revenue}


biggest = env.sandbox.orchestrator(
    """
    counts = [count_rows(f) for f in files]
    best = max(counts)
    {"index": counts.index(best), "rows": best, "same_file": files[0] == files[-1]}
    """,
    inputs={"files": list[flyte.io.File]},
    output=dict,
    tasks=[count_rows],
    name="biggest-file",
)


def write_csv(folder: str, name: str, rows: list[tuple[str, int]]) -> flyte.io.File:
    path = os.path.join(folder, name)
    with open(path, "w") as handle:
        handle.write("region,revenue\n")
        handle.writelines(f"{region},{revenue}\n" for region, revenue in rows)
    return flyte.io.File(path=path)


if __name__ == "__main__":
    flyte.init()
    with tempfile.TemporaryDirectory() as folder:
        north = write_csv(folder, "north.csv", [("n1", 120), ("n2", 80)])
        south = write_csv(folder, "south.csv", [("s1", 95), ("s2", 110), ("s3", 40)])
        print(flyte.run(sales_summary, files=[north, south]))
        print(flyte.run(biggest, files=[north, south]))
