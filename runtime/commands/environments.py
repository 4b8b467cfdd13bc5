"""`MODULE:ENV` → the `TaskEnvironment` a command serves (`run`, `stubs`, `mcp`)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ..environment import TaskEnvironment
from ..errors import TaskDefinitionError


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
