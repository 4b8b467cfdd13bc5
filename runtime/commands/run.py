"""`sandbox-lint run FILE`: check a sandbox script and run it in Monty.

Prints the result as JSON on stdout; the program's printed output and a
trace of task calls on stderr. Exit codes: 0 success, 1 the program was
rejected or failed, 2 usage or internal error, 130 interrupted (Ctrl-C).

Everything printed for people is terminal-safe (`runtime.terminal`: control
and bidi characters escaped); the JSON is ASCII. The result is written as it
is encoded, its shared parts converted once (the boundary budget bounds its
expanded size), and a trace line shows at most a short preview of the
arguments.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import inspect
import json
import os
import reprlib
import sys
import textwrap
import typing
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from sandbox_lint.builtins import FORBIDDEN_BUILTINS, MAP_FUNCTIONS, PROVIDED
from sandbox_lint.commands.arguments import ArgumentParser, positive
from sandbox_lint.settings import DEFAULT_MAX_BYTES

from ..errors import RejectedError, SandboxError, TaskDefinitionError, TaskError
from ..handles import DataFrame, Dir, File
from ..limits import DEFAULT_LIMITS, Limits
from ..tasks import Task
from ..terminal import terminal_safe, terminal_safe_lines
from .environments import UsageError, load_environment

_PREVIEW = reprlib.Repr()
_PREVIEW.maxlevel = 3
_PREVIEW.maxlist = _PREVIEW.maxtuple = _PREVIEW.maxdict = _PREVIEW.maxset = 8
_PREVIEW.maxstring = 80
_PREVIEW.maxother = 80
_PREVIEW.maxlong = 60


def main(argv: list[str], *, prog: str = "sandbox-lint run") -> int:
    parser = ArgumentParser(prog=prog, description="Check and run a sandbox script in Monty; prints the result as JSON.")
    parser.add_argument("file", metavar="FILE", help="the script (`-` reads standard input)")
    parser.add_argument("--tasks", metavar="MODULE:ENV", help="the TaskEnvironment whose tasks the script may call")
    parser.add_argument("--input", "-i", dest="inputs", action="append", metavar="NAME=VALUE", help="an input (VALUE read as JSON when it parses); repeatable")
    parser.add_argument("--run-id", metavar="ID", help="journal the run under ID in the store; the same ID again resumes it")
    parser.add_argument("--store", metavar="URL", help="run store path or URL (with --run-id, default $SANDBOX_LINT_STORE; alone, a fresh run id)")
    add_limit_options(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    limits = {name: getattr(args, _dest(name)) for name in limit_fields() if getattr(args, _dest(name)) is not None}
    return run_command(args.file, args.tasks, args.inputs or (), run_id=args.run_id, store=args.store, limits=limits)


# ---------------------------------------------------------------- limit options


def limit_fields() -> dict[str, type]:
    """`Limits`' fields and the type a command-line value converts to (`float | None` → float)."""
    hints = typing.get_type_hints(Limits)
    found: dict[str, type] = {}
    for item in dataclasses.fields(Limits):
        hint = hints[item.name]
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)] or [hint]
        found[item.name] = options[0] if isinstance(options[0], type) else str
    return found


def _limit_docs() -> dict[str, str]:
    """The first sentence of each `Limits` field's docstring (the string under the field)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(Limits)))
    except (OSError, TypeError, SyntaxError):  # no source (a frozen build): options without help
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for field, doc in zip(body, body[1:]):
        if (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
                and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
            text = " ".join(doc.value.value.split())
            docs[field.target.id] = text.split(". ")[0].rstrip(".")
    return docs


def _dest(name: str) -> str:
    return f"limit_{name}"


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """One option per `Limits` field (`max_task_calls` → `--max-task-calls`): a new limit
    is a new option with no edit here; the field's docstring is its help."""
    group = parser.add_argument_group("limits", "the run's resource limits (runtime.limits.Limits; defaults in brackets)")
    docs = _limit_docs()
    for name, kind in limit_fields().items():
        option = "--" + name.replace("_", "-")
        default = getattr(DEFAULT_LIMITS, name)
        shown = "none" if default is None else f"{default:_}" if isinstance(default, int) else f"{default}"
        help_text = f"{docs.get(name, name.replace('_', ' '))} [{shown}]".replace("%", "%%")
        converter = positive(kind) if kind in (int, float) else kind
        parser_group: Any = group
        parser_group.add_argument(option, dest=_dest(name), type=converter, metavar="N" if kind in (int, float) else "VALUE", help=help_text)


def parse_input(item: str) -> tuple[str, Any]:
    """`k=v`: v is read as JSON when it parses (`n=5`, `xs=[1,2]`), else as a string."""
    name, sep, text = item.partition("=")
    if not sep or not name.isidentifier():
        raise UsageError(f"--input expects NAME=VALUE, got {item!r}")
    try:
        return name, json.loads(text)
    except ValueError:
        return name, text


def _jsonable(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """The value in JSON's types; a shared container is converted once and
    stays shared (json.dump expands it while writing, within the budget)."""
    if isinstance(value, (File, Dir)):
        return {"$" + type(value).__name__.lower(): value.path}
    if isinstance(value, DataFrame):
        return {"$dataframe": repr(value)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, (list, tuple, dict)):
        memo = {} if memo is None else memo
        seen = memo.get(id(value))
        if seen is not None:
            return seen
        if isinstance(value, dict):
            converted: Any = {str(k) if not isinstance(k, str) else k: _jsonable(v, memo) for k, v in value.items()}
        else:
            converted = [_jsonable(v, memo) for v in value]
        memo[id(value)] = converted
        return converted
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:
        return {"$int": hex(value)}  # more digits than Python writes an int with
    return value


def _preview(value: Any) -> str:
    try:
        return _PREVIEW.repr(value)
    except Exception:  # a value whose repr fails still has a type
        return f"<{type(value).__name__}>"


def run_command(
    file: str,
    tasks: str | None = None,
    inputs: Sequence[str] = (),
    *,
    run_id: str | None = None,
    store: str | None = None,
    limits: Mapping[str, Any] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the sandbox script FILE with the tasks of `tasks` (MODULE:ENV) and
    `inputs` (`k=v` strings). Prints the JSON result to stdout; the program's
    printed output and a trace of task calls to stderr. With `run_id` (and
    `store`, else `$SANDBOX_LINT_STORE`) the run is journaled and resumable.
    `limits`: `Limits` fields for this run (`{"timeout_ms": 500}`).

    Before running, notes for the person at the terminal (stderr, never in the
    model-facing rejection text): names the script calls that look like tasks
    when no `--tasks` is given, inputs it never reads (it still runs), names
    it reads that no input gives."""
    from ..sandbox import orchestrate_local_detailed
    from ..options import RunSettings
    from ..store import RunStore, StoreError

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        path = Path(file)
        if file == "-":
            source = sys.stdin.read()
        elif not path.is_file():
            raise UsageError(f"no such file: {file}")
        else:
            source = path.read_text(encoding="utf-8")
        # `from_task` may group templates into an environment: only its tasks are callable
        env_tasks: list[Task] = [t for t in load_environment(tasks).tasks.values() if isinstance(t, Task)] if tasks else []
        values = dict(parse_input(item) for item in inputs)
        run_limits = dict(limits or {})
        for name, value in run_limits.items():
            try:
                DEFAULT_LIMITS.with_options(**{name: value})
            except TaskDefinitionError as exc:
                reason = str(exc).removeprefix(f"{exc.code} ") if exc.code else str(exc)
                raise UsageError(f"--{name.replace('_', '-')}: {reason}") from None
        if run_id is not None and not store:
            store = os.environ.get("SANDBOX_LINT_STORE") or None
        if store is not None and run_id is None:
            run_id = uuid.uuid4().hex[:12]  # journaled under a fresh id, printed below
        if run_id is not None and store is None:
            raise UsageError("--run-id needs a run store: pass --store PATH_OR_URL or set SANDBOX_LINT_STORE")
        try:
            RunSettings.parse(run_id=run_id)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"--run-id: {exc}") from None
        shown_store = ""
        if store is not None:
            opened = RunStore(store)  # a bad address is a usage error, before anything runs
            shown_store = opened.url  # without a password
            opened.close()
    except UsageError as exc:
        print(f"sandbox-lint run: error: {exc}", file=err)
        return 2
    except StoreError as exc:
        print(f"sandbox-lint run: error: {exc}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"sandbox-lint run: error: cannot read {file}: {exc}", file=err)
        return 2
    for note in script_notes(source, values, tasks, [task.name for task in env_tasks]):
        print(terminal_safe(f"sandbox-lint run: note: {note}"), file=err)
    try:
        result = orchestrate_local_detailed(
            source, inputs=values, tasks=env_tasks, run_id=run_id, store=store, **run_limits
        )
    except KeyboardInterrupt:
        if store is not None:
            print(f"sandbox-lint run: interrupted; run {run_id} can be resumed with the same --run-id", file=err)
        else:
            print("sandbox-lint run: interrupted", file=err)
        return 130
    except RejectedError as exc:
        print(terminal_safe_lines(str(exc).replace("<sandbox>", file)), file=err)
        return 1
    except SandboxError as exc:
        _write_output(err, exc.output)
        kind = type(exc).__name__
        message = str(exc).replace("<sandbox>", file)
        print(terminal_safe_lines(f"{kind}: {message}"), file=err)
        if isinstance(exc, TaskError) and exc.__cause__ is not None:
            print(terminal_safe_lines(f"  caused by {type(exc.__cause__).__name__}: {exc.__cause__}"), file=err)
        return 1
    except TaskDefinitionError as exc:
        print(terminal_safe_lines(f"sandbox-lint run: error: {exc}"), file=err)
        return 2
    _write_output(err, result.output)
    if store is not None:
        print(f"run {run_id} journaled in {shown_store}", file=err)
    for call in result.calls:
        shown = ", ".join([*(_preview(a) for a in call.args), *(f"{k}={_preview(v)}" for k, v in call.kwargs.items())])
        status = "ok" if call.ok else "failed"
        line = f"[{call.seq}] {file}:{call.line} {call.task}({shown}) {status} in {call.duration_s * 1000:.1f} ms  key={call.call_key}"
        print(terminal_safe(line), file=err)
    try:
        json.dump(_jsonable(result.value), out)  # written as encoded: never the whole text at once
    except (TypeError, ValueError) as exc:  # pragma: no cover - the boundary lets only JSON-able values out
        out.write("\n")
        print(terminal_safe(f"sandbox-lint run: error: the result cannot be written as JSON: {exc}"), file=err)
        return 2
    out.write("\n")
    return 0


# ---------------------------------------------------------------- notes for a person


@dataclasses.dataclass(frozen=True)
class ScriptNames:
    """The names a script binds, reads and calls (anywhere, nested functions included)."""

    bound: frozenset[str]
    read: frozenset[str]
    called: frozenset[str]
    task_like: frozenset[str]  # called, or passed to map_task / named in flyte_map("...")


def script_names(source: str) -> ScriptNames | None:
    """None when Python cannot parse it (the gate reports why) or it is too big to bother."""
    if len(source) > DEFAULT_MAX_BYTES:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    bound: set[str] = set()
    read: set[str] = set()
    called: set[str] = set()
    mapped: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
            first = node.args[0] if node.args else None
            if node.func.id in MAP_FUNCTIONS and isinstance(first, ast.Name):
                mapped.add(first.id)
            elif node.func.id == "flyte_map" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                mapped.add(first.value)
    not_provided = set(PROVIDED) | set(FORBIDDEN_BUILTINS)
    task_like = {name for name in called | mapped if name not in bound and name not in not_provided}
    return ScriptNames(frozenset(bound), frozenset(read), frozenset(called), frozenset(task_like))


def _names(names: Sequence[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def script_notes(source: str, inputs: Mapping[str, Any], tasks_spec: str | None, task_names: Sequence[str]) -> list[str]:
    """What a person running the script should know before it runs, in words."""
    names = script_names(source)
    if names is None:
        return []
    notes = []
    missing_tasks = sorted(names.task_like - set(inputs) - set(task_names))
    if tasks_spec is None and missing_tasks:
        notes.append(
            f"no --tasks given, and the script calls {_names(missing_tasks)}, which it does not define: "
            f"{'it looks like a task' if len(missing_tasks) == 1 else 'they look like tasks'}. "
            "Pass --tasks MODULE:ENV, the TaskEnvironment that registers them "
            "(`sandbox-lint stubs MODULE:ENV` lists an environment's tasks)"
        )
    unknown_reads = sorted(
        name for name in names.read - names.bound - set(inputs) - set(task_names) - names.task_like
        if name not in PROVIDED and name not in FORBIDDEN_BUILTINS
    )
    for name in sorted(set(inputs) - names.read):
        close = difflib.get_close_matches(name, unknown_reads, n=1, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`? the script reads that name)" if close else ""
        notes.append(f"the script never reads the input `{name}` given with --input{hint}; running it anyway")
    if unknown_reads:
        notes.append(
            f"the script reads {_names(unknown_reads)}, which it does not define and no --input gives: "
            f"pass {' '.join(f'--input {name}=VALUE' for name in unknown_reads[:3])}"
            + (" …" if len(unknown_reads) > 3 else "")
        )
    return notes


def _write_output(err: TextIO, text: str) -> None:
    """The program's printed output, its control characters escaped."""
    if text:
        safe = terminal_safe_lines(text)
        err.write(safe if safe.endswith("\n") else safe + "\n")


