"""`sandbox-lint mcp`: code mode as an MCP server over stdio (the official `mcp` SDK).

    sandbox-lint mcp --tasks myapp.tasks:env [--tasks other.py:env] [--max-task-calls 100]
    python -m runtime.codemode.mcp --tasks myapp.tasks:env

Two tools, whose descriptions carry the sandbox language and the task stubs,
so the client's model knows what it may write:

* `run_code(code, inputs)`: gate and run the program with the registered
  tasks; on success the result as JSON (`value`, `output`, `task_calls`), on
  failure an error result whose text is `codemode.feedback(error)` (the same
  text the agent loop sends). Task calls per run are bounded
  (`--max-task-calls`), and so is the sandbox time (`--timeout-ms`).
* `check_code(code, inputs)`: the gate's findings in the `llm` format,
  without running anything.

A fenced program (```python ... ```) is unwrapped first, as in the agent loop.
Exit codes: 0 after the client closes the connection, 2 for usage errors
(a bad `--tasks`, the `mcp` package missing).
"""

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import anyio

from sandbox_lint.commands.arguments import positive

from ..commands.environments import UsageError, load_environment
from ..errors import RejectedError, SandboxError, TaskDefinitionError
from ..handles import DataFrame, Dir, File
from ..sandbox import orchestrate_local_detailed, orchestrator_from_str
from ..tasks import Task
from ..terminal import terminal_safe
from .extract import extract_code
from .feedback import DEFAULT_MAX_CHARS, feedback, summarize
from .prompt import SANDBOX_LANGUAGE, task_stubs

__all__ = ["build_server", "load_tasks", "main", "run_code", "check_code", "to_json"]

MAX_LISTED_CALLS = 50
MAX_RESULT_CHARS = 20_000


def to_json(value: Any) -> Any:
    """A sandbox value as JSON: tuples become lists, bytes and handles tagged objects."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, (File, Dir)):
        return {"$" + type(value).__name__.lower(): value.path}
    if isinstance(value, DataFrame):
        return {"$dataframe": summarize(value, 200)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return summarize(value, 500)


def _program(code: str) -> str:
    extracted = extract_code(code)
    return extracted.code if extracted.kind == "fenced" and extracted.code is not None else code


def load_tasks(specs: Sequence[str]) -> list[Task]:
    """The tasks of every `MODULE:ENV`; two tasks with one name are a usage error."""
    tasks: dict[str, Task] = {}
    for spec in specs:
        for name, task in load_environment(spec).tasks.items():
            if not isinstance(task, Task):
                continue  # a template `from_task` grouped in: not callable by name
            if name in tasks and tasks[name] is not task:
                raise UsageError(f"two environments define a task named `{name}` (the second in {spec})")
            tasks[name] = task
    return [tasks[name] for name in sorted(tasks)]


def check_code(code: str, inputs: Sequence[str] | None, tasks: Sequence[Task]) -> str:
    """The gate's verdict in the `llm` format (what `RejectedError` says)."""
    try:
        orchestrator_from_str(_program(code), inputs=dict.fromkeys(inputs or ()), tasks=tasks, name="sandbox")
    except RejectedError as error:
        return str(error)
    except TaskDefinitionError as error:
        return f"<sandbox>: the inputs cannot be declared: {error}\n"
    return "<sandbox>: no problems found.\n"


def run_code(
    code: str, inputs: dict[str, Any] | None, tasks: Sequence[Task], *, max_task_calls: int, timeout_ms: int
) -> tuple[bool, str, dict[str, Any] | None]:
    """Run one program: (ok, text for the model, structured result or None)."""
    values = dict(inputs or {})
    bad = sorted(k for k in values if not isinstance(k, str) or not k.isidentifier() or k.startswith("_"))
    if bad:
        return False, f"Input names must be identifiers not starting with `_`: {', '.join(map(repr, bad))}.\n", None
    try:
        result = orchestrate_local_detailed(
            _program(code), inputs=values, tasks=tasks, max_task_calls=max_task_calls, timeout_ms=timeout_ms,
        )
    except SandboxError as error:
        return False, feedback(error, max_chars=DEFAULT_MAX_CHARS), None
    except TaskDefinitionError as error:
        return False, f"The inputs cannot be used: {error}\n", None
    calls = result.calls
    structured: dict[str, Any] = {
        "value": to_json(result.value),
        "output": result.output,
        "task_calls": [
            {"seq": c.seq, "task": c.task, "args": to_json(c.args), "kwargs": to_json(c.kwargs), "line": c.line, "ok": c.ok}
            for c in calls[:MAX_LISTED_CALLS]
        ],
        "task_call_count": len(calls),
    }
    text = json.dumps(structured, ensure_ascii=False)
    if len(text) > MAX_RESULT_CHARS:
        structured = {**structured, "value": summarize(result.value, 2000), "output": result.output[-4000:]}
        text = json.dumps(structured, ensure_ascii=False)
    return True, text, structured


def _run_description(tasks: Sequence[Task], max_task_calls: int) -> str:
    stubs = task_stubs(tasks)
    return "\n".join(
        [
            "Run a Python program in a sandbox and return its result. The sandbox calls the tasks listed below; "
            f"at most {max_task_calls} task calls per run. Arguments: `code`, the whole program; `inputs`, an "
            "optional object whose keys become names the program can read. The result is the value of the "
            "program's last expression, with its printed output and the task calls it made. A rejected or failed "
            "program returns an error whose text says what to fix; send the whole corrected program again.",
            "",
            SANDBOX_LANGUAGE.rstrip("\n"),
            "",
            "# Tasks",
            "",
            "```python",
            stubs or "# no tasks: compute with the builtins only",
            "```",
        ]
    )


_CHECK_DESCRIPTION = (
    "Check a Python program against the sandbox language rules (listed in the description of `run_code`) "
    "without running it. Arguments: `code`; `inputs`, the names of the inputs the program reads. Returns one "
    "line per problem, each with what to write instead, or 'no problems found'."
)


_INSTRUCTIONS = (
    "Answer by writing Python programs for the sandbox: call `run_code` with the whole program (its description "
    "lists the language rules and the tasks), read the result or the problems it reports, and fix and resend the "
    "whole program. `check_code` checks a program without running it."
)


def build_server(
    tasks: Sequence[Task], *, max_task_calls: int = 100, timeout_ms: int = 10_000, name: str = "sandbox-lint"
) -> Any:
    """The `MCPServer` with the two tools (imports the `mcp` SDK)."""
    from mcp.server import MCPServer
    from mcp_types import CallToolResult, TextContent, ToolAnnotations

    from sandbox_lint import __version__

    server = MCPServer(name=name, version=__version__, instructions=_INSTRUCTIONS, log_level="WARNING")
    task_list = list(tasks)

    async def run_code_tool(code: str, inputs: dict[str, Any] | None = None) -> CallToolResult:
        ok, text, structured = await anyio.to_thread.run_sync(
            lambda: run_code(code, inputs, task_list, max_task_calls=max_task_calls, timeout_ms=timeout_ms)
        )
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured, is_error=not ok)

    async def check_code_tool(code: str, inputs: list[str] | None = None) -> str:
        text: str = await anyio.to_thread.run_sync(lambda: check_code(code, inputs, task_list))
        return text

    run_code_tool.__name__ = "run_code"  # the argument schema's title
    check_code_tool.__name__ = "check_code"
    server.add_tool(
        run_code_tool, name="run_code", title="Run sandbox code", description=_run_description(task_list, max_task_calls),
        annotations=ToolAnnotations(read_only_hint=False, open_world_hint=True),
    )
    server.add_tool(
        check_code_tool, name="check_code", title="Check sandbox code", description=_CHECK_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    return server


def main(argv: Sequence[str] | None = None, *, prog: str = "sandbox-lint mcp") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Serve code mode (tools run_code and check_code) over MCP on stdio.")
    parser.add_argument(
        "--tasks", action="append", default=[], metavar="MODULE:ENV",
        help="a TaskEnvironment whose tasks the programs may call (repeatable)",
    )
    parser.add_argument(
        "--max-task-calls", type=positive(), default=100, metavar="N", help="task calls allowed per run_code (default 100)"
    )
    parser.add_argument(
        "--timeout-ms", type=positive(), default=10_000, metavar="MS", help="sandbox execution time per run_code (default 10000)"
    )
    parser.add_argument("--name", default="sandbox-lint", help="the server name announced to clients")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse has printed the usage
        return 0 if exc.code == 0 else 2
    try:
        tasks = load_tasks(args.tasks)
    except UsageError as exc:
        print(terminal_safe(f"{prog}: error: {exc}"), file=sys.stderr)
        return 2
    try:
        server = build_server(tasks, max_task_calls=args.max_task_calls, timeout_ms=args.timeout_ms, name=args.name)
    except ImportError:
        print(f"{prog}: error: the MCP server needs the `mcp` package: pip install 'sandbox-lint[mcp]'", file=sys.stderr)
        return 2
    try:
        server.run("stdio")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m runtime.codemode.mcp"))
