"""`sandbox-lint stubs MODULE:NAME`: print an interface stub (the format `--interface` reads).

- NAME is a `TaskEnvironment`: the stub of its tasks (what a script run with
  `--tasks MODULE:NAME` may call), then its orchestrators and templates, each
  with its inputs and output, as comments: their inputs are not names such a
  script has, so they must not enter the interface. `--orchestrator NAME`
  prints one of them in full instead.
- NAME is a decorated orchestrator or a template: its whole interface, its
  inputs (`name: T`), its output (`__output__: T`) and the tasks it may call,
  the exact interface the runtime gate checks it with.

`sandbox_lint.interface.parse_stub` reads both (comments are not part of the
interface). docs/cli.md has the format.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType
from typing import TextIO

from sandbox_lint.commands.arguments import ArgumentParser
from sandbox_lint.interface import InputDecl, Interface, Param, ParamKind, render_params, render_stub

from ..environment import TaskEnvironment
from ..orchestrator import Orchestrator
from ..tasks import Task
from ..terminal import terminal_safe, terminal_safe_lines
from .environments import Sandboxed, UsageError, a_noun, load_stub_source, sandboxed_of


def main(argv: list[str], *, prog: str = "sandbox-lint stubs") -> int:
    parser = ArgumentParser(
        prog=prog,
        description=(
            "Print the interface stub (.pyi) of a TaskEnvironment's tasks, or the whole interface "
            "(inputs, output, tasks) of an orchestrator or a template."
        ),
    )
    parser.add_argument("spec", metavar="MODULE:NAME", help="an environment, orchestrator or template, e.g. `myapp.tasks:env` or `path/to/tasks.py:pipeline`")
    parser.add_argument("--orchestrator", metavar="NAME", help="with MODULE:ENV: print the whole stub of the environment's orchestrator or template NAME")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return stubs_command(args.spec, orchestrator=args.orchestrator)


def sandboxed_interface(item: Sandboxed) -> Interface:
    """The exact interface the gate checks an orchestrator or a template with."""
    if isinstance(item, Orchestrator):
        return Interface(
            tasks=tuple(task.signature for task in item.tasks().values()),
            inputs=tuple(InputDecl(name, None if spec is None else spec.render()) for name, spec in item.param_specs.items()),
            output=None if item.return_spec is None else item.return_spec.render(),
        )
    return item.program.interface


def _kind(item: Sandboxed) -> str:
    return "orchestrator" if isinstance(item, Orchestrator) else "template"


def _called(name: str, item: Sandboxed) -> str:
    return f"`{name}`" if item.name == name else f"`{name}` (named {item.name!r})"


def _signature(name: str, item: Sandboxed) -> str:
    """`pipeline(n: int, scale: float = ...) -> int`: the inputs as parameters, the output as the return."""
    interface = sandboxed_interface(item)
    params = []
    for decl in interface.inputs:
        kind: ParamKind = "positional"
        has_default = False
        if isinstance(item, Orchestrator):
            param = item.signature.parameters[decl.name]
            kind = "keyword_only" if param.kind is param.KEYWORD_ONLY else "positional"
            has_default = param.default is not param.empty
        params.append(Param(decl.name, decl.annotation or "object", kind, has_default))
    returns = f" -> {interface.output}" if interface.output else ""
    named = "" if item.name == name else f"  (named {item.name!r})"
    return f"{_kind(item)} {name}{render_params(tuple(params))}{returns}{named}"


def environment_stub(spec: str, module: ModuleType, env: TaskEnvironment) -> str:
    tasks = tuple(task.signature for task in env.tasks.values() if isinstance(task, Task))  # not grouped templates
    text = f"# Tasks of TaskEnvironment {env.name!r} (`sandbox-lint stubs {spec}`)\n" + render_stub(Interface(tasks=tasks))
    sandboxed = sandboxed_of(module, env)
    if not sandboxed:
        return text
    module_part = spec.rpartition(":")[0]
    lines = [
        "",
        "# Its orchestrators and templates, with their inputs and output. For one's whole stub:",
        f"# `sandbox-lint stubs {module_part}:NAME` (or `--orchestrator NAME`).",
    ]
    lines.extend(f"# {_signature(name, item)}" for name, item in sandboxed)
    return text + "\n".join(lines) + "\n"


def sandboxed_stub(spec: str, name: str, item: Sandboxed) -> str:
    header = f"# {_kind(item).capitalize()} {_called(name, item)}: its inputs, output and tasks (`sandbox-lint stubs {spec}`)\n"
    return header + render_stub(sandboxed_interface(item))


def stubs_command(
    spec: str, *, orchestrator: str | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Print the stub of MODULE:NAME (an environment, orchestrator or template)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        module, value = load_stub_source(spec)
        if isinstance(value, TaskEnvironment):
            if orchestrator is None:
                text = environment_stub(spec, module, value)
            else:
                text = _one_of(spec, module, value, orchestrator)
        else:
            if orchestrator is not None:
                raise UsageError(f"--orchestrator goes with MODULE:ENV; `{spec}` is already {a_noun(_kind(value))}")
            text = sandboxed_stub(spec, spec.rpartition(":")[2], value)
    except UsageError as exc:
        print(terminal_safe(f"sandbox-lint stubs: error: {exc}"), file=err)
        return 2
    out.write(terminal_safe_lines(text))
    return 0


def _one_of(spec: str, module: ModuleType, env: TaskEnvironment, wanted: str) -> str:
    sandboxed = sandboxed_of(module, env)
    for name, item in sandboxed:
        if wanted in (name, item.name):
            return sandboxed_stub(f"{spec.rpartition(':')[0]}:{name}", name, item)
    known = ", ".join(f"`{name}`" for name, _ in sandboxed) or "none"
    raise UsageError(f"TaskEnvironment {env.name!r} has no orchestrator or template `{wanted}`; its orchestrators and templates: {known}")
