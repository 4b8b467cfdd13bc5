"""The system prompt of code mode, generated from the checker's own registries.

    SANDBOX_LANGUAGE                                   # the language part alone
    system_prompt(tasks=[add, fetch], inputs={"urls": list[str]})

Nothing here is a hand-kept copy of the rules: the allowed constructs come
from the engine's allow-list (`sandbox_lint.engine.ALLOWED`), every forbidden
construct and its replacement from the rule registry (`sandbox_lint.rules.RULES`:
each rule's summary and its "Example" / "Use instead" documentation, condensed
to the lines that differ), the names from `sandbox_lint.builtins`, the tasks
from their signatures and docstrings. A new rule changes the prompt with no
edit here. The text is a pure function of the tool set (tasks and inputs are
sorted, nothing depends on time or process), so prompt caches keep hitting.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import libcst as cst

import sandbox_lint.rules as rule_registry
from sandbox_lint import builtins as provided
from sandbox_lint.engine import ALLOWED
from sandbox_lint.interface import Interface, render_stub
from sandbox_lint.rules.base import Invalid, Rule
from sandbox_lint.typespec import DisallowedType

from ..boundary import spec_from_annotation
from ..errors import TaskDefinitionError
from ..tasks import Task, as_task

__all__ = ["SANDBOX_LANGUAGE", "sandbox_language", "system_prompt", "task_stubs", "input_lines"]

# Each allowed construct in words, with the node types it stands for. A line is
# shown only while all its node types are on the allow-list; a test checks that
# every allowed node type is described here or is plain structure.
ALLOWED_CONSTRUCTS: tuple[tuple[str, tuple[type[cst.CSTNode], ...]], ...] = (
    ("assignment to a name, or to a tuple or list of names (`a, *rest = xs`)", (cst.Assign, cst.AssignTarget)),
    ("annotated assignment to a name (`n: int = 0`)", (cst.AnnAssign,)),
    ("`if` / `elif` / `else`", (cst.If, cst.Else)),
    (
        "`for` and `while` loops (with `else`), `break`, `continue`, `pass`",
        (cst.For, cst.While, cst.Break, cst.Continue, cst.Pass),
    ),
    (
        "`def` and `async def` for local helper functions (nested too); `return` inside a function",
        (cst.FunctionDef, cst.Parameters, cst.Param, cst.ParamStar, cst.ParamSlash, cst.Return),
    ),
    ("`lambda`", (cst.Lambda,)),
    ("`raise SomeError(message)` (also `raise ... from ...`)", (cst.Raise, cst.From)),
    ("`await` inside `async def`", (cst.Await,)),
    ("calls with positional, keyword, `*args` and `**kwargs` arguments", (cst.Call, cst.Arg)),
    (
        "literals: int, float, str, bytes, `True`, `False`, `None`; f-strings; `%` formatting",
        (
            cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString,
            cst.FormattedString, cst.FormattedStringExpression, cst.FormattedStringText,
        ),
    ),
    (
        "list, tuple and dict literals, with `*` and `**` unpacking",
        (cst.List, cst.Tuple, cst.Dict, cst.DictElement, cst.StarredDictElement, cst.Element, cst.StarredElement),
    ),
    (
        "list and dict comprehensions, generator expressions",
        (cst.ListComp, cst.DictComp, cst.GeneratorExp, cst.CompFor, cst.CompIf),
    ),
    (
        "reading subscripts and slices (`xs[0]`, `xs[1:]`, `d[\"k\"]`) and attributes (`d.get(k)`, `s.upper()`)",
        (cst.Subscript, cst.SubscriptElement, cst.Index, cst.Slice, cst.Attribute),
    ),
    (
        "every arithmetic, comparison, boolean and unary operator; conditional expressions (`a if c else b`)",
        (cst.BinaryOperation, cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.ComparisonTarget, cst.IfExp),
    ),
)
# Allowed node types that are structure, not constructs a model chooses.
STRUCTURAL: frozenset[type[cst.CSTNode]] = frozenset(
    {cst.Module, cst.SimpleStatementLine, cst.SimpleStatementSuite, cst.IndentedBlock, cst.Expr, cst.Name}
)

_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


def _sections(docs: str) -> dict[str, str]:
    """A rule's docs split at its `## Heading` lines."""
    parts = _SECTION.split(docs)
    return {parts[i].strip().lower(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _code_lines(section: str) -> list[str]:
    lines: list[str] = []
    for block in _FENCE.findall(section):
        lines.extend(line.strip() for line in block.splitlines() if line.strip())
    return lines


def _printable(lines: list[str]) -> bool:
    """Examples of invisible-character rules hold those characters; never show them."""
    return all(unicodedata.category(ch) not in ("Cc", "Cf") for line in lines for ch in line)


def _passes_gate(code: str) -> bool:
    from sandbox_lint import check
    from sandbox_lint.settings import Settings

    return not check(code, settings=Settings.gate())


def _host_only(rule: type[Rule]) -> bool:
    """A rule whose every INVALID example is a host file (task or orchestrator
    definitions) says nothing about the code a model writes."""
    examples = [e for e in rule.INVALID if isinstance(e, Invalid)]
    return bool(examples) and len(examples) == len(rule.INVALID) and all(e.host for e in examples)


def _code_part(line: str) -> str:
    return line.partition("  # ")[0].strip()


def _quote(lines: list[str]) -> str:
    """Code lines as inline code joined by `; `; comments become plain words."""
    words: list[str] = []
    for line in lines:
        if line.startswith("#"):
            words.append(f"({line.lstrip('#').strip()})")
            continue
        code, _, comment = line.partition("  # ")
        words.append(f"`{code.strip()}`" + (f" ({comment.strip()})" if comment.strip() else ""))
    return "; ".join(words)


def rule_line(rule: type[Rule]) -> str:
    """One forbidden construct: the rule's summary, then the replacement in its
    own documented words (the lines that differ between "Example" and "Use
    instead"). The replacement is shown only when it passes the gate itself,
    so host-file examples (decorated orchestrators) never reach the model."""
    summary = rule.summary.strip().rstrip(".")
    line = f"- {rule.code} {summary}."
    sections = _sections(rule.docs())
    bad = _code_lines(sections.get("example", ""))
    good = _code_lines(sections.get("use instead", ""))
    if not bad or not good or not _printable(bad + good):
        return line
    full_good = "\n".join(
        block.rstrip("\n") for block in _FENCE.findall(sections.get("use instead", ""))
    )
    if not _passes_gate(full_good):
        return line
    bad_code = {_code_part(b) for b in bad}
    good_code = {_code_part(g) for g in good}
    removed = [b for b in bad if _code_part(b) not in good_code] or bad
    added = [g for g in good if _code_part(g) not in bad_code] or good
    return f"{line} Write {_quote(added)} instead of {_quote(removed)}"


def _allowed_lines() -> list[str]:
    lines = [f"- {words}" for words, nodes in ALLOWED_CONSTRUCTS if all(node in ALLOWED for node in nodes)]
    lines.append("- adding to a list in place with `.append(x)` and `.extend(xs)` (the only mutating methods)")
    return lines


def _runtime_function_lines(names: frozenset[str]) -> list[str]:
    lines = [
        "- In ordinary code a task call returns its value: `n = add(1, 2)`.",
    ]
    if "gather" in names:
        lines.append(
            "- For concurrency, write an `async def` (or use `await` at the top level): there every task call is "
            "awaitable, and `gather(*awaitables)` runs them concurrently and returns their results in order: "
            "`a, b = await gather(fetch(u1), fetch(u2))`. `gather` takes no keyword arguments; one failing call "
            "fails the run."
        )
    if "map_task" in names:
        lines.append(
            "- `map_task(task, *iterables, concurrency=None, return_exceptions=False)` calls `task` once per "
            "zipped element, concurrently, and returns the list of results in order: `sizes = map_task(size, urls)` "
            "(in async code: `sizes = await map_task(size, urls)`). With `return_exceptions=True` a failed element's "
            "exception is its value."
        )
    if "flyte_map" in names:
        lines.append(
            "- `flyte_map(\"task_name\", *iterables, concurrency=None, return_exceptions=True, group_name=None)` "
            "is Flyte's spelling of `map_task`: the task is given by its name, and a failed element's exception is "
            "its value unless `return_exceptions=False`."
        )
    lines.append(
        "- A task cannot be called inside a `lambda` or a callback of `sorted`, `map`, `filter`, `min` or `max`: "
        "call it in a loop (or with `map_task`) and use the results."
    )
    lines.append(
        "- Task arguments and results are checked against the declared types; a failing task stops the program "
        "(there is no `try`), and you are told which calls already ran."
    )
    return lines


@lru_cache(maxsize=8)
def _language(rules: tuple[type[Rule], ...], runtime_functions: frozenset[str]) -> str:
    builtins = ", ".join(sorted(provided.ALLOWED_BUILTINS))
    exceptions = ", ".join(sorted(provided.EXCEPTION_NAMES))
    functions = ", ".join(sorted(runtime_functions))
    forbidden = [rule_line(rule) for rule in sorted(rules, key=lambda r: r.code) if not _host_only(rule)]
    parts = [
        "# The sandbox language",
        "",
        "Your code runs in a sandbox that runs a subset of Python. Before it runs, a checker reads the whole "
        "program: if any rule below is broken, nothing runs and you get the list of problems to fix.",
        "",
        "## Allowed",
        *_allowed_lines(),
        "",
        "## Names",
        f"- builtins: {builtins}",
        f"- exception classes for `raise`: {exceptions}",
        f"- runtime functions: {functions} (see \"Calling tasks\")",
        "- the tasks and inputs listed for this conversation, and the names your program defines",
        "- There are no imports and no modules: everything available is listed here. Names starting with `_` "
        "are not allowed (the bare `_` is).",
        "",
        "## Not allowed (each line: the code the checker reports, the rule, what to write instead)",
        *forbidden,
        "",
        "## Calling tasks",
        *_runtime_function_lines(runtime_functions),
        "",
        "## The result",
        "- The value of the last expression statement is the program's result: end the program with it, "
        "for example `{\"total\": total, \"count\": len(rows)}`. `return` is only for functions.",
        "- `print(...)` output is captured and shown to you, but it is not the result.",
        "- The result, task arguments and task results must be plain values: int, float, str, bytes, bool, None, "
        "and lists, tuples and dicts of them (and the File, Dir and DataFrame handles tasks give you).",
    ]
    return "\n".join(parts) + "\n"


def sandbox_language() -> str:
    """The language part of the prompt, from the registries as they are now."""
    return _language(tuple(rule_registry.RULES), frozenset(provided.RUNTIME_FUNCTIONS))


SANDBOX_LANGUAGE: str = sandbox_language()


def _docstring(task: Task, limit: int = 1500) -> str | None:
    doc = task.__doc__
    if not doc or not doc.strip():
        return None
    text = inspect.cleandoc(doc)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace('"""', '\\"\\"\\"')


def task_stubs(tasks: Iterable[Any]) -> str:
    """The tasks as Python stubs with their docstrings, sorted by name. Every
    task is shown as a plain `def`: in the sandbox, a call returns the value in
    ordinary code and is awaitable in async code, whatever the host function is."""
    unique: dict[str, Task] = {}
    for item in tasks:
        task = as_task(item)
        unique[task.name] = task
    blocks: list[str] = []
    for name in sorted(unique):
        task = unique[name]
        signature = dataclasses.replace(task.signature, is_async=False)
        head = render_stub(Interface(tasks=(signature,))).strip()
        doc = _docstring(task)
        if doc is None:
            blocks.append(head)
            continue
        head = head.removesuffix(": ...") + ":"
        body = "\n".join(("    " + line) if line else "" for line in f'"""{doc}"""'.splitlines())
        blocks.append(f"{head}\n{body}")
    return "\n\n".join(blocks)


def _render_type(name: str, annotation: Any) -> str | None:
    if annotation is None:
        return None
    try:
        return spec_from_annotation(annotation).render()
    except DisallowedType as exc:
        raise TaskDefinitionError(f"input `{name}`: {exc}; use one of the boundary types", code="SBX302") from None


def input_lines(inputs: Mapping[str, Any] | None) -> list[str]:
    """`name: type` for each declared input, sorted by name (untyped: any plain value)."""
    lines: list[str] = []
    for name in sorted(inputs or {}):
        rendered = _render_type(name, (inputs or {})[name])
        lines.append(f"{name}: {rendered}" if rendered else f"{name}  # any plain value")
    return lines


_HANDLES = re.compile(r"\b(File|Dir|DataFrame)\b")


def system_prompt(
    tasks: Iterable[Any] = (),
    inputs: Mapping[str, Any] | None = None,
    instructions: str | None = None,
) -> str:
    """The whole system prompt: the role and the reply format, the sandbox
    language, the task stubs, the declared inputs, then `instructions`."""
    stubs = task_stubs(tasks)
    declared = input_lines(inputs)
    parts = [
        "You answer by writing Python programs that run in a sandbox. The sandbox calls the tasks listed below "
        "for you; they are your only way to reach data and services.",
        "",
        "How to reply:",
        "- To run code, reply with one ```python block holding the whole program. You get back its result "
        "and printed output, or the problems to fix.",
        "- After a problem, send the whole corrected program again, not a diff.",
        "- When a run's result answers the question, reply in plain words with no code block: that reply is "
        "the final answer.",
        "",
        sandbox_language().rstrip("\n"),
        "",
        "# Tasks",
        "",
    ]
    if stubs:
        parts += ["```python", stubs, "```"]
    else:
        parts.append("No tasks are available: compute with the builtins only.")
    parts += ["", "# Inputs", ""]
    if declared:
        parts += [
            "These names are already defined when the program starts (read them; do not assign them):",
            "",
            "```python",
            *declared,
            "```",
        ]
    else:
        parts.append("The program has no inputs.")
    if _HANDLES.search(stubs + "\n" + "\n".join(declared)):
        parts += [
            "",
            "`File`, `Dir` and `DataFrame` values are opaque handles: hold them, compare them, pass them to tasks "
            "and return them; you cannot read their contents or create them in the sandbox.",
        ]
    if instructions and instructions.strip():
        parts += ["", "# Instructions", "", instructions.strip()]
    return "\n".join(parts) + "\n"
