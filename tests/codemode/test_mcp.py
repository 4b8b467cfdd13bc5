"""`sandbox-lint mcp` end to end: the real server process over stdio, driven by the MCP SDK's own client."""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from runtime.codemode import SANDBOX_LANGUAGE
from runtime.codemode import mcp as mcp_command

REPO = Path(__file__).resolve().parents[2]
SHOP = f"{REPO / 'tests' / 'codemode' / 'shop.py'}:env"


def server(*extra: str) -> Client:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "runtime.codemode.mcp", "--tasks", SHOP, *extra], cwd=str(REPO)
    )
    return Client(params, read_timeout_seconds=120)


async def test_tools_check_and_run_code_end_to_end():
    async with server("--max-task-calls", "5") as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert sorted(listed) == ["check_code", "run_code"]
        run_tool = listed["run_code"]
        assert SANDBOX_LANGUAGE.rstrip("\n") in run_tool.description
        assert "def price(item: str) -> float:\n    \"\"\"The unit price of `item` in euros.\"\"\"" in run_tool.description
        assert "at most 5 task calls per run" in run_tool.description
        assert run_tool.input_schema["required"] == ["code"]
        assert "sandbox language rules" in listed["check_code"].description

        checked = await client.call_tool("check_code", {"code": "total = 0\ntotal += price('apple')\nimport os\n"})
        assert not checked.is_error
        text = checked.content[0].text
        assert text.startswith("<sandbox>: 2 problems found, so the program was not run.")
        assert "line 2: augmented assignment is not allowed: write `total = total + price('apple')` [SBX103]" in text
        assert "line 3: `import os` is not allowed" in text and "[SBX101]" in text
        clean = await client.call_tool("check_code", {"code": "sum(sizes)", "inputs": ["sizes"]})
        assert clean.content[0].text == "<sandbox>: no problems found.\n"

        ran = await client.call_tool(
            "run_code",
            {"code": "```python\nsizes = [size(u) for u in urls]\nprint(sizes)\n{'total': sum(sizes)}\n```", "inputs": {"urls": ["a", "bb"]}},
        )
        assert not ran.is_error
        payload = json.loads(ran.content[0].text)
        assert payload == ran.structured_content
        assert payload["value"] == {"total": 3} and payload["output"] == "[1, 2]\n"
        assert [(c["task"], c["args"], c["ok"]) for c in payload["task_calls"]] == [("size", ["a"], True), ("size", ["bb"], True)]

        failed = await client.call_tool("run_code", {"code": "a = price('apple')\nb = price('caviar')\n[a, b]"})
        assert failed.is_error
        text = failed.content[0].text
        assert "the task `price` failed at line 2: KeyError" in text and "The failing call: price('caviar')" in text
        assert "Task calls that already ran before the failure (1):\n  1. price('apple') -> 0.5  (line 1)" in text

        bounded = await client.call_tool("run_code", {"code": "for i in range(10):\n    add(i, i)\n"})
        assert bounded.is_error and "The run was stopped by the `task_calls` limit (5)" in bounded.content[0].text


def test_usage_errors_exit_2_with_a_message():
    err = io.StringIO()
    with redirect_stderr(err):
        assert mcp_command.main(["--tasks", "no_such_module_xyz:env"], prog="sandbox-lint mcp") == 2
    assert err.getvalue().startswith("sandbox-lint mcp: error: cannot import no_such_module_xyz")
    err = io.StringIO()
    with redirect_stderr(err):
        assert mcp_command.main(["--max-task-calls", "0"], prog="sandbox-lint mcp") == 2
    assert "expected a positive integer" in err.getvalue()
    err = io.StringIO()
    with redirect_stderr(err):
        assert mcp_command.main(["--tasks", str(REPO / "tests/codemode/shop.py") + ":missing"], prog="sandbox-lint mcp") == 2
    assert "is not a TaskEnvironment" in err.getvalue()


def test_the_verb_is_registered_for_the_cli_dispatcher():
    from importlib.metadata import entry_points

    (verb,) = [e for e in entry_points(group="sandbox_lint.commands") if e.name == "mcp"]
    assert verb.value == "runtime.codemode.mcp:main" and verb.load() is mcp_command.main


def test_tasks_of_several_environments_are_merged_and_clashes_refused(tmp_path):
    other = tmp_path / "more_tasks.py"
    other.write_text(
        "from runtime import TaskEnvironment\nenv = TaskEnvironment('more')\n\n"
        "@env.task\ndef add(x: int, y: int) -> int:\n    return x - y\n\n"
        "@env.task\ndef double(x: int) -> int:\n    return 2 * x\n"
    )
    unique = tmp_path / "unique_tasks.py"
    unique.write_text("from runtime import TaskEnvironment\nenv = TaskEnvironment('u')\n\n@env.task\ndef triple(x: int) -> int:\n    return 3 * x\n")
    names = [t.name for t in mcp_command.load_tasks([SHOP, f"{unique}:env"])]
    assert names == ["add", "fetch", "nap", "price", "size", "triple"]
    err = io.StringIO()
    with redirect_stderr(err):
        assert mcp_command.main(["--tasks", SHOP, "--tasks", f"{other}:env"]) == 2
    assert "two environments define a task named `add`" in err.getvalue()
