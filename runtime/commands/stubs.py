"""`sandbox-lint stubs MODULE:ENV`: print the interface stub of registered tasks."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from sandbox_lint.interface import Interface, render_stub

from ..tasks import Task
from ..terminal import terminal_safe
from .environments import UsageError, load_environment


def main(argv: list[str], *, prog: str = "sandbox-lint stubs") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Print the interface stub (.pyi) of the tasks of a TaskEnvironment.")
    parser.add_argument("spec", metavar="MODULE:ENV", help="e.g. `myapp.tasks:env` or `path/to/tasks.py:env`")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return stubs_command(args.spec)


def stubs_command(spec: str, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Print the interface stub of the tasks registered in MODULE:ENV."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        env = load_environment(spec)
    except UsageError as exc:
        print(terminal_safe(f"sandbox-lint stubs: error: {exc}"), file=err)
        return 2
    tasks = tuple(task.signature for task in env.tasks.values() if isinstance(task, Task))  # not grouped templates
    out.write(render_stub(Interface(tasks=tasks)))
    return 0
