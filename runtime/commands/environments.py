"""`MODULE:NAME` → what a command serves: a `TaskEnvironment` (`run`, `stubs`,
`mcp`), or for `stubs` also an orchestrator or a template.

A name that is not there, or not of the kind asked for, is a usage error that
lists what the module does hold (`--tasks mod:nope` → "`mod:nope` is not a
TaskEnvironment: module `mod` has no `nope`; its TaskEnvironments: `env`"),
with a did-you-mean.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Union

from ..environment import TaskEnvironment
from ..errors import TaskDefinitionError
from ..orchestrator import Orchestrator
from ..sandbox import CodeTaskTemplate

Sandboxed = Union[Orchestrator, CodeTaskTemplate]
"""What runs in the sandbox and knows its inputs: a decorated orchestrator or a code-string template."""


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def split_spec(spec: str, what: str = "ENV") -> tuple[str, str]:
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:{what} (e.g. `myapp.tasks:env` or `path/to/tasks.py:env`), got {spec!r}")
    return module_name, attr


def import_module(module_name: str) -> ModuleType:
    """`package.module` (from the working folder too) or `path/to/file.py`."""
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"no such file: {module_name}")
            sys.path.insert(0, str(path.resolve().parent))
            loaded = sys.modules.get(path.stem)
            loaded_file = getattr(loaded, "__file__", None)
            if loaded is not None and loaded_file and Path(loaded_file).resolve() == path.resolve():
                return loaded
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None:
                raise UsageError(f"cannot import {module_name}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[path.stem] = module
            module_spec.loader.exec_module(module)
            return module
        if "" not in sys.path and "." not in sys.path:
            sys.path.insert(0, "")
        return importlib.import_module(module_name)
    except UsageError:
        raise
    except TaskDefinitionError as exc:
        raise UsageError(f"importing {module_name}: {exc}") from None
    except Exception as exc:
        raise UsageError(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None


def _named(module: ModuleType, kinds: tuple[type, ...]) -> list[str]:
    """The module's attributes holding a value of `kinds`, each value once, in definition order."""
    seen: set[int] = set()
    names = []
    for name, value in vars(module).items():
        if isinstance(value, kinds) and not name.startswith("_") and id(value) not in seen:
            seen.add(id(value))
            names.append(name)
    return names


def _listing(module: ModuleType, *, sandboxed: bool) -> str:
    environments = _named(module, (TaskEnvironment,))
    parts = [f"its TaskEnvironments: {', '.join(f'`{n}`' for n in environments)}" if environments
             else "it defines no TaskEnvironment"]
    if sandboxed:
        others = _named(module, (Orchestrator, CodeTaskTemplate))
        if others:
            parts.append(f"its orchestrators and templates: {', '.join(f'`{n}`' for n in others)}")
    return "; ".join(parts)


def _lookup(module_name: str, attr: str, kinds: tuple[type, ...], *, sandboxed: bool) -> tuple[ModuleType, Any]:
    module = import_module(module_name)
    value = getattr(module, attr, None)
    if isinstance(value, kinds):
        return module, value
    candidates = _named(module, kinds)
    close = difflib.get_close_matches(attr, candidates, n=1, cutoff=0.6)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    wanted = "a TaskEnvironment, an orchestrator or a template" if sandboxed else "a TaskEnvironment"
    if not hasattr(module, attr):
        why = f"module `{module_name}` has no `{attr}`{hint}"
    else:
        why = f"it is {a_noun(type(value).__name__)}"  # named on purpose: no guess at another name
    raise UsageError(f"`{module_name}:{attr}` is not {wanted}: {why}; {_listing(module, sandboxed=sandboxed)}")


def a_noun(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def load_environment(spec: str) -> TaskEnvironment:
    """`package.module:env` or `path/to/file.py:env` → the `TaskEnvironment`."""
    module_name, attr = split_spec(spec)
    _, env = _lookup(module_name, attr, (TaskEnvironment,), sandboxed=False)
    assert isinstance(env, TaskEnvironment)
    return env


def load_stub_source(spec: str) -> tuple[ModuleType, TaskEnvironment | Sandboxed]:
    """`MODULE:NAME` for `stubs`: an environment, an orchestrator or a template, and its module."""
    module_name, attr = split_spec(spec, "NAME")
    module, value = _lookup(module_name, attr, (TaskEnvironment, Orchestrator, CodeTaskTemplate), sandboxed=True)
    return module, value


def sandboxed_of(module: ModuleType, env: TaskEnvironment) -> list[tuple[str, Sandboxed]]:
    """The orchestrators and templates of `env`: those defined at module level in
    `module` with `env` as their environment, and those `from_task` grouped into it,
    by the name to ask `stubs` for."""
    found: list[tuple[str, Sandboxed]] = []
    seen: set[int] = set()
    for name in _named(module, (Orchestrator, CodeTaskTemplate)):
        value = getattr(module, name)
        if value.env is env:
            found.append((name, value))
            seen.add(id(value))
    for name, value in env.tasks.items():
        if isinstance(value, (Orchestrator, CodeTaskTemplate)) and id(value) not in seen:
            found.append((name, value))
            seen.add(id(value))
    return found
