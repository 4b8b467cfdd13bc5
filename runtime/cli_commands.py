"""`sandbox-lint run` and `sandbox-lint stubs`: the runtime's two CLI commands.

`sandbox_lint/cli.py` parses the arguments and calls these; they print to
stdout (results) and stderr (trace, errors) and return the exit code:
0 success, 1 the program was rejected or failed, 2 usage or internal error.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sandbox_lint.interface import Interface, render_stub

from .errors import RejectedError, SandboxError, TaskDefinitionError, TaskError
from .handles import DataFrame, Dir, File
from .tasks import Task, TaskEnvironment


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def load_environment(spec: str) -> TaskEnvironment:
    """`package.module:env` or `path/to/file.py:env` → the `TaskEnvironment`."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:ENV (e.g. `myapp.tasks:env`), got {spec!r}")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"no such file: {module_name}")
            sys.path.insert(0, str(path.resolve().parent))
            loaded = sys.modules.get(path.stem)
            loaded_file = getattr(loaded, "__file__", None)
            if loaded is not None and loaded_file and Path(loaded_file).resolve() == path.resolve():
                return _env_attr(loaded, module_name, attr)
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None:
                raise UsageError(f"cannot import {module_name}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[path.stem] = module
            module_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and "." not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except TaskDefinitionError as exc:
        raise UsageError(f"importing {module_name}: {exc}") from None
    except Exception as exc:
        raise UsageError(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    return _env_attr(module, module_name, attr)


def _env_attr(module: Any, module_name: str, attr: str) -> TaskEnvironment:
    env = getattr(module, attr, None)
    if not isinstance(env, TaskEnvironment):
        raise UsageError(f"{module_name}:{attr} is not a TaskEnvironment (got {type(env).__name__})")
    return env


def parse_input(item: str) -> tuple[str, Any]:
    """`k=v`: v is read as JSON when it parses (`n=5`, `xs=[1,2]`), else as a string."""
    name, sep, text = item.partition("=")
    if not sep or not name.isidentifier():
        raise UsageError(f"--input expects NAME=VALUE, got {item!r}")
    try:
        return name, json.loads(text)
    except ValueError:
        return name, text


def _jsonable(value: Any) -> Any:
    if isinstance(value, (File, Dir)):
        return {"$" + type(value).__name__.lower(): value.path}
    if isinstance(value, DataFrame):
        return {"$dataframe": repr(value)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def run_command(
    file: str,
    tasks: str | None = None,
    inputs: Sequence[str] = (),
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the sandbox script FILE with the tasks of `tasks` (MODULE:ENV) and
    `inputs` (`k=v` strings). Prints the JSON result to stdout; the program's
    printed output and a trace of task calls to stderr."""
    from .sandbox import orchestrate_local_detailed

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
        env_tasks: list[Task] = list(load_environment(tasks).tasks.values()) if tasks else []
        values = dict(parse_input(item) for item in inputs)
    except UsageError as exc:
        print(f"sandbox-lint run: error: {exc}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"sandbox-lint run: error: cannot read {file}: {exc}", file=err)
        return 2
    try:
        result = orchestrate_local_detailed(source, inputs=values, tasks=env_tasks)
    except RejectedError as exc:
        print(str(exc).replace("<sandbox>", file), file=err)
        return 1
    except SandboxError as exc:
        if exc.output:
            err.write(exc.output if exc.output.endswith("\n") else exc.output + "\n")
        kind = type(exc).__name__
        message = str(exc).replace("<sandbox>", file)
        print(f"{kind}: {message}", file=err)
        if isinstance(exc, TaskError) and exc.__cause__ is not None:
            print(f"  caused by {type(exc.__cause__).__name__}: {exc.__cause__}", file=err)
        return 1
    except TaskDefinitionError as exc:
        print(f"sandbox-lint run: error: {exc}", file=err)
        return 2
    if result.output:
        err.write(result.output if result.output.endswith("\n") else result.output + "\n")
    for call in result.calls:
        shown = ", ".join([*(repr(a) for a in call.args), *(f"{k}={v!r}" for k, v in call.kwargs.items())])
        status = "ok" if call.ok else "failed"
        print(f"[{call.seq}] {file}:{call.line} {call.task}({shown}) {status} in {call.duration_s * 1000:.1f} ms  key={call.call_key}", file=err)
    try:
        print(json.dumps(_jsonable(result.value)), file=out)
    except (TypeError, ValueError):
        print(json.dumps(repr(result.value)), file=out)
    return 0


def stubs_command(spec: str, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Print the interface stub of the tasks registered in MODULE:ENV."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        env = load_environment(spec)
    except UsageError as exc:
        print(f"sandbox-lint stubs: error: {exc}", file=err)
        return 2
    out.write(render_stub(Interface(tasks=tuple(task.signature for task in env.tasks.values()))))
    return 0
