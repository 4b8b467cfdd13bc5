"""Host mode: orchestrators and code strings found in ordinary Python files."""

from __future__ import annotations

import textwrap

import pytest

from sandbox_lint import check_host
import ast

from sandbox_lint.discovery import survey

HEADER = textwrap.dedent(
    """\
    import runtime
    from runtime import sandbox

    env = runtime.TaskEnvironment("demo")
    LIMIT = 10


    @env.task
    def add(x: int, y: int) -> int:
        return x + y

    """
)
HEADER_LINES = HEADER.count("\n")


def where(source: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of `needle`."""
    index = -1
    for _ in range(occurrence):
        index = source.index(needle, index + 1)
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


def codes_at(source: str) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.code) for d in check_host(source)]


def test_file_without_orchestrators_is_not_parsed() -> None:
    # Even a syntax error goes unreported: the file has no sandbox code.
    assert check_host("def f(:\n    import os\n") == []
    assert check_host("import os\nx = 1\nx += 1\n") == []


@pytest.mark.parametrize(
    "decorator",
    ["@env.sandbox.orchestrator", "@env.sandbox.orchestrator()", "@env.sandbox.orchestrator(timeout=5)", "@sandbox.orchestrator"],
)
def test_decorated_orchestrator_is_checked(decorator: str) -> None:
    source = HEADER + f"{decorator}\ndef pipeline(n: int) -> int:\n    total = 0\n    total += add(n, 1)\n    return total\n"
    assert codes_at(source) == [(*where(source, "total += "), "SBX103")]


def test_async_orchestrator_and_nested_helper() -> None:
    source = HEADER + (
        "@env.sandbox.orchestrator\n"
        "async def pipeline(n: int) -> list[int]:\n"
        "    def helper(v):\n"
        "        import math\n"
        "        return v\n"
        "    return [helper(n)]\n"
    )
    assert codes_at(source) == [(*where(source, "import math"), "SBX101")]


def test_ordinary_functions_and_tasks_are_host_code() -> None:
    source = HEADER + (
        "def host_helper():\n"
        "    import os\n"
        "    x = {1, 2}\n"
        "    return os.getcwd()\n"
        "\n"
        "@env.sandbox.orchestrator\n"
        "def pipeline(n: int) -> int:\n"
        "    return add(n, 2)\n"
    )
    assert check_host(source) == []


def test_code_string_positions_triple_quoted_indented() -> None:
    source = HEADER + (
        "template = sandbox.orchestrator_from_str(\n"
        '    """\n'
        "    x = 1\n"
        "    import os\n"
        "    x += 1\n"
        "    add(x, 2)\n"
        '    """,\n'
        '    inputs={"n": int},\n'
        "    output=int,\n"
        "    tasks=[add],\n"
        ")\n"
    )
    assert codes_at(source) == [
        (*where(source, "import os"), "SBX101"),
        (*where(source, "x += 1"), "SBX103"),
    ]
    fix = [d for d in check_host(source) if d.code == "SBX103"][0].fix
    assert fix is not None
    edit = fix.edits[0]
    assert (edit.line, edit.column) == where(source, "x += 1")
    assert edit.content == "x = x + 1"


def test_code_string_on_one_line_with_prefix() -> None:
    source = HEADER + 'result = sandbox.orchestrate_local_sync(r"y = 2; import json", inputs={"x": 1}, tasks=[add])\n'
    assert codes_at(source) == [(*where(source, "import json"), "SBX101")]


def test_code_string_as_keyword_source() -> None:
    source = HEADER + 'result = runtime.sandbox.orchestrate_local(inputs={}, source="import sys")\n'
    assert codes_at(source) == [(*where(source, "import sys"), "SBX101")]


def test_code_string_syntax_error_points_into_host() -> None:
    source = HEADER + 't = sandbox.orchestrator_from_str("""\nx = (1 +\n""", inputs={}, tasks=[add])\n'
    found = check_host(source)
    assert [d.code for d in found] == ["SBX900"]
    assert found[0].line > HEADER_LINES


def test_survey_finds_tasks_orchestrators_globals_and_strings() -> None:
    source = HEADER + (
        "@env.sandbox.orchestrator\n"
        "def pipeline(n: int) -> int:\n"
        "    return add(n, 1)\n"
        "class Config:\n"
        "    pass\n"
        "def helper():\n"
        "    return 1\n"
        't = sandbox.orchestrator_from_str("add(1, 2)", tasks=[add])\n'
    )
    host = survey(source, ast.parse(source))
    assert host.tasks["add"].params is not None
    assert [o.name for o in host.orchestrators] == ["pipeline"]
    # The framework's own names are host API, not tasks.
    assert {"LIMIT", "env", "Config", "helper", "t", "runtime", "sandbox"} <= host.globals
    assert "add" not in host.globals
    assert len(host.code_string_calls) == 1
    assert host.code_string_calls[0].code is not None and host.code_string_calls[0].code.text == "add(1, 2)"


def test_code_strings_are_dedented_like_the_runtime() -> None:
    source = HEADER + 't = sandbox.orchestrate_local_sync("""\n    a = 1\n      b = 2\n""")\n'
    code = survey(source, ast.parse(source)).code_string_calls[0].code
    assert code is not None
    assert code.text == "\na = 1\n  b = 2\n"
    assert code.removed_indent == (0, 4, 4, 0)


def test_host_file_syntax_error_is_a_diagnostic() -> None:
    source = "from runtime import sandbox\n@sandbox.orchestrator\ndef f(:\n    pass\n"
    found = check_host(source)
    assert [d.code for d in found] == ["SBX900"]
    assert found[0].line == 3


def test_module_of_tasks_alone_gets_task_signature_checks() -> None:
    source = "import runtime\nenv = runtime.TaskEnvironment('e')\n\n@env.task\ndef add(x, y: int) -> int:\n    return x + y\n"
    assert [(d.line, d.code) for d in check_host(source)] == [(5, "SBX303")]
    # asyncio.create_task(...) is not a task decorator: the file is not parsed.
    assert check_host("import asyncio\nt = asyncio.create_task(f())\nx += 1\n") == []


def test_imported_names_are_tasks_of_unknown_arity() -> None:
    source = HEADER.replace("import runtime\n", "import runtime\nfrom mytasks import fetch\n") + (
        "@env.sandbox.orchestrator\n"
        "def pipeline(n: int) -> int:\n"
        "    return add(fetch(n, 1, 2, 3), runtime.x)\n"
    )
    found = check_host(source)
    assert [(d.code, d.line) for d in found] == [("SBX401", where(source, "runtime.x")[0])]
    assert "host" in found[0].message


def test_invisible_characters_reported_once_in_host_files() -> None:
    source = HEADER + (
        "@env.sandbox.orchestrator\n"
        "def pipeline(n: int) -> str:\n"
        '    return "user\u202e"\n'
        't = sandbox.orchestrator_from_str("x = \'\u2066\'", tasks=[add])\n'
    )
    found = [(d.line, d.column, d.code) for d in check_host(source)]
    assert found == [(*where(source, "\u202e"), "SBX205"), (*where(source, "\u2066"), "SBX205")]


def test_form_feed_does_not_shift_lines() -> None:
    source = HEADER + "\x0c\n@env.sandbox.orchestrator\ndef pipeline(n: int) -> int:\n    x = 1  # noqa: SBX103\n    x += 1\n    return x\n"
    found = check_host(source)
    # The noqa one line above suppresses nothing: both land on the lines Python counts.
    assert [(d.line, d.code) for d in found] == [
        (where(source, "x = 1  #")[0], "SBX602"),
        (where(source, "x += 1")[0], "SBX103"),
    ]


def test_depth_limit_points_at_the_deep_node_in_an_orchestrator() -> None:
    from sandbox_lint import Settings

    source = HEADER + "@env.sandbox.orchestrator\ndef pipeline(n: int) -> int:\n    y = " + "[" * 30 + "]" * 30 + "\n    return n\n"
    found = check_host(source, settings=Settings(max_depth=20))
    assert [d.code for d in found] == ["SBX206"]
    line, column = where(source, "[[[")
    assert found[0].line == line and column < found[0].column < column + 30


def test_module_imports_are_host_globals_not_tasks() -> None:
    source = HEADER.replace("import runtime\n", "import runtime\nimport statistics\n") + (
        "@env.sandbox.orchestrator\n"
        "def pipeline(n: int) -> float:\n"
        "    return statistics.mean([n])\n"
    )
    found = check_host(source)
    assert [d.code for d in found] == ["SBX401"]
    assert "statistics" not in found[0].message.split("available tasks")[-1]
