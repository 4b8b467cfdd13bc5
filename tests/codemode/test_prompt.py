"""The system prompt: generated from the registries, complete, and byte-stable for a stable tool set."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import libcst as cst

import sandbox_lint.builtins as provided
import sandbox_lint.rules as rule_registry
from runtime import TaskEnvironment
from runtime.codemode import SANDBOX_LANGUAGE, prompt, sandbox_language, system_prompt, task_stubs
from sandbox_lint.engine import ALLOWED
from sandbox_lint.rules.base import Invalid, Rule

from .shop import add, fetch, nap, price, size

REPO = Path(__file__).resolve().parents[2]
TASKS = [add, size, fetch, price, nap]
INPUTS = {"urls": list[str], "limit": int, "config": None}


def test_every_rule_that_applies_to_sandbox_code_is_in_the_language_with_its_summary():
    for rule in rule_registry.RULES:
        host_only = all(isinstance(e, Invalid) and e.host for e in rule.INVALID)
        line = next((ln for ln in SANDBOX_LANGUAGE.splitlines() if ln.startswith(f"- {rule.code} ")), None)
        if host_only:
            assert line is None, rule.code
        else:
            assert line is not None and rule.summary.rstrip(".") in line, rule.code


def test_forbidden_constructs_come_with_their_documented_replacement():
    lines = {ln.split()[1]: ln for ln in SANDBOX_LANGUAGE.splitlines() if ln.startswith("- SBX")}
    assert lines["SBX103"].endswith("Write `total = total + item` instead of `total += item`")
    assert "Write `config = {**config, **overrides}`; `scores = sorted(scores)`" in lines["SBX116"]
    assert "instead of `config.update(overrides)`; `scores.sort()`; `last = queue.pop()`" in lines["SBX116"]
    assert 'Write `label = f"{name} has {n} items"` instead of `label = "{} has {count} items".format(name, count=n)`' in lines["SBX203"]
    assert "instead of `try:`; `except Exception:`; `result = None`" in lines["SBX106"]
    # Host-file examples (decorated orchestrators) never reach the model, and neither do invisible characters.
    assert "@env" not in SANDBOX_LANGUAGE
    assert lines["SBX205"] == "- SBX205 invisible or bidirectional control character in the source."
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in SANDBOX_LANGUAGE.replace("\n", ""))


def test_every_allowed_node_type_is_described_or_structural():
    described = {node for _, nodes in prompt.ALLOWED_CONSTRUCTS for node in nodes}
    assert ALLOWED <= described | prompt.STRUCTURAL
    assert not (described - ALLOWED), "a described construct is not on the allow-list"
    assert "- `if` / `elif` / `else`" in SANDBOX_LANGUAGE


def test_a_description_drops_out_when_its_construct_leaves_the_allow_list(monkeypatch):
    monkeypatch.setattr(prompt, "ALLOWED", ALLOWED - {cst.Lambda})
    prompt._language.cache_clear()
    try:
        assert "- `lambda`\n" not in prompt._language(tuple(rule_registry.RULES), frozenset(provided.RUNTIME_FUNCTIONS))
    finally:
        prompt._language.cache_clear()


def test_names_no_imports_runtime_functions_and_the_result():
    for name in provided.ALLOWED_BUILTINS | provided.EXCEPTION_NAMES | provided.RUNTIME_FUNCTIONS:
        assert name in SANDBOX_LANGUAGE
    assert "There are no imports" in SANDBOX_LANGUAGE
    assert "`gather(*awaitables)`" in SANDBOX_LANGUAGE and "`map_task(task, *iterables" in SANDBOX_LANGUAGE
    assert "The value of the last expression statement is the program's result" in SANDBOX_LANGUAGE


class ThrowawayRule(Rule):
    """
    ## What it does
    Rejects `print` of secrets.

    ## Why is this bad?
    They leak.

    ## Example
    ```python
    print(secret)
    ```

    ## Use instead
    ```python
    print("redacted")
    ```

    ## Fix safety
    No fix.
    """

    code = "SBX998"
    name = "secret-print"
    summary = "printing secrets is not allowed: print a placeholder"


def test_a_new_rule_changes_the_prompt_with_no_other_edit(monkeypatch):
    before = system_prompt(tasks=TASKS, inputs=INPUTS)
    monkeypatch.setattr(rule_registry, "RULES", (*rule_registry.RULES, ThrowawayRule))
    after = system_prompt(tasks=TASKS, inputs=INPUTS)
    line = '- SBX998 printing secrets is not allowed: print a placeholder. Write `print("redacted")` instead of `print(secret)`'
    assert line in after and line not in before
    assert sandbox_language() in after and SANDBOX_LANGUAGE in before
    monkeypatch.undo()
    assert system_prompt(tasks=TASKS, inputs=INPUTS) == before


def test_flyte_map_is_described_when_the_runtime_provides_it(monkeypatch):
    assert ("flyte_map(" in SANDBOX_LANGUAGE) == ("flyte_map" in provided.RUNTIME_FUNCTIONS)
    monkeypatch.setattr(provided, "RUNTIME_FUNCTIONS", provided.RUNTIME_FUNCTIONS | {"flyte_map"})
    assert '`flyte_map("task_name", *iterables, concurrency=None, return_exceptions=True, group_name=None)`' in sandbox_language()


def test_task_stubs_show_signatures_return_types_and_docstrings_sorted():
    env = TaskEnvironment("stubs")

    @env.task
    async def crawl(url: str, *, depth: int = 1) -> list[str]:
        """Crawl from `url`.

        Follows links `depth` levels deep."""
        return [url]

    @env.task
    def bare(x: float) -> None:
        return None

    assert task_stubs([crawl, bare]) == textwrap.dedent(
        '''\
        def bare(x: float) -> None: ...

        def crawl(url: str, *, depth: int = ...) -> list[str]:
            """Crawl from `url`.

            Follows links `depth` levels deep."""'''
    )


def test_the_prompt_holds_tasks_inputs_and_instructions():
    text = system_prompt(tasks=TASKS, inputs=INPUTS, instructions="  Prefer map_task.  ")
    assert text.startswith("You answer by writing Python programs that run in a sandbox.")
    assert SANDBOX_LANGUAGE.rstrip("\n") in text
    assert 'def fetch(url: str) -> dict[str, int]:\n    """Download `url`;' in text
    assert "```python\nconfig  # any plain value\nlimit: int\nurls: list[str]\n```" in text
    assert text.endswith("# Instructions\n\nPrefer map_task.\n")
    assert "File`, `Dir` and `DataFrame` values are opaque handles" not in text
    assert "No tasks are available" in system_prompt() and "The program has no inputs." in system_prompt()


def test_the_prompt_is_the_same_for_any_order_of_tasks_and_inputs():
    a = system_prompt(tasks=TASKS, inputs=INPUTS)
    b = system_prompt(tasks=list(reversed(TASKS)), inputs=dict(reversed(list(INPUTS.items()))))
    assert a == b and a == system_prompt(tasks=TASKS, inputs=INPUTS)


def test_the_prompt_is_byte_identical_in_another_process():
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from tests.codemode.shop import add, size, fetch, price, nap\n"
        "from runtime.codemode import system_prompt\n"
        "sys.stdout.buffer.write(system_prompt(tasks=[nap, price, fetch, size, add], "
        "inputs={'config': None, 'urls': list[str], 'limit': int}).encode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(REPO)], capture_output=True, timeout=120, env={"PYTHONHASHSEED": "123", "PATH": ""}
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == system_prompt(tasks=TASKS, inputs=INPUTS).encode()
