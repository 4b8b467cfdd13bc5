"""Run checked sandbox code in Monty, with every task call leaving the sandbox.

Mirrors Flyte's sandbox API, so its examples run by changing the import:

    import runtime as flyte
    env = flyte.TaskEnvironment(name="demo")

    @env.task
    def add(x: int, y: int) -> int:
        return x + y

    @env.sandbox.orchestrator
    def pipeline(n: int) -> int:
        return add(n, 1)

    pipeline(5)                                        # 6, computed in the sandbox
    flyte.run(pipeline, n=5)                           # 6: the value (Flyte's flyte.run returns a Run)
    flyte.sandbox.orchestrator_from_str("add(x, 1)", inputs={"x": int}, output=int, tasks=[add])

See docs/runtime.md (its "Flyte compatibility" section lists every difference).
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from . import sandbox
from .deployment import Image, Resources, Secret
from .driver import RunResult
from .environment import TaskEnvironment
from .errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxError,
    SandboxRuntimeError,
    TaskDefinitionError,
    TaskError,
    TypeCheckError,
    WorkerCrashedError,
)
from .events import CallRecord, Output, RunEvent, RunFinished, RunStarted, TaskCallFinished, TaskCallStarted, add_event_hook
from .handles import DataFrame, Dir, File
from .journal import ReplayDivergedError
from .limits import DEFAULT_LIMITS, Limits
from .orchestrator import Orchestrator
from .sandbox import CodeTaskTemplate
from .store import RunStore
from .tasks import Task

__all__ = [
    "BoundaryTypeError", "CallRecord", "CodeTaskTemplate", "DEFAULT_LIMITS", "DataFrame", "Dir", "File", "Image",
    "LimitExceeded", "Limits", "Orchestrator", "Output", "RejectedError", "ReplayDivergedError", "Resources",
    "RunEvent", "RunFinished", "RunResult", "RunStarted", "RunStore", "SandboxError", "SandboxRuntimeError", "Secret",
    "Task", "TaskCallFinished", "TaskCallStarted", "TaskDefinitionError", "TaskEnvironment", "TaskError",
    "TypeCheckError", "WorkerCrashedError", "add_event_hook", "execute", "init", "init_from_config", "run", "sandbox",
]


def execute(task: Any, /, *args: Any, run_id: str | None = None, store: Any = None, **inputs: Any) -> RunResult:
    """Run an orchestrator or template; the full `RunResult`. With `store` (and
    a `run_id`), the run is journaled and the same `run_id` resumes it."""
    if isinstance(task, Orchestrator):
        return task.execute(*args, run_id=run_id, store=store, **inputs)
    if isinstance(task, CodeTaskTemplate):
        return task.execute(run_id=run_id, store=store, **task.bind_inputs(args, inputs))
    raise TypeError(f"execute() takes a sandbox orchestrator or CodeTaskTemplate, got {type(task).__name__}")


def run(task: Any, /, *args: Any, run_id: str | None = None, store: Any = None, **inputs: Any) -> Any:
    """Run an orchestrator, a template or a task; its value. Flyte's `flyte.run`
    returns a `Run` (`.outputs()[0]` is the value): here the value itself.
    A plain task is simply called on the host (`run_id` and `store` apply to
    sandbox runs only)."""
    if isinstance(task, Task):
        if run_id is not None or store is not None:
            raise TypeError("run(): run_id= and store= journal sandbox runs; a task is called directly")
        return task(*args, **inputs)
    if isinstance(task, (Orchestrator, CodeTaskTemplate)):
        return execute(task, *args, run_id=run_id, store=store, **inputs).value
    raise TypeError(f"run() takes a task, a sandbox orchestrator or a CodeTaskTemplate, got {type(task).__name__}")


# Flyte's `flyte.init(...)` keywords: all accepted, none needed for a local run.
INIT_OPTIONS = frozenset({
    "org", "project", "domain", "root_dir", "log_level", "log_format", "reset_root_logger", "user_log_level",
    "endpoint", "headless", "insecure", "insecure_skip_verify", "ca_cert_file_path", "auth_type", "command",
    "proxy_command", "api_key", "client_id", "client_credentials_secret", "auth_client_config", "rpc_retries",
    "http_proxy_url", "disable_keyring", "storage", "batch_size", "image_builder", "images", "image_registry",
    "source_config_path", "sync_local_sys_paths", "load_plugin_type_transformers", "local_persistence",
    "local_tracked", "local_tracked_strict", "scopes",
})
INIT_FROM_CONFIG_OPTIONS = frozenset({
    "root_dir", "log_level", "log_format", "user_log_level", "org", "project", "domain", "storage", "batch_size",
    "image_builder", "images", "sync_local_sys_paths",
})


def _check_init_options(what: str, options: dict[str, Any], known: frozenset[str]) -> None:
    for name in options:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise TypeError(f"{what}() got an unexpected keyword argument {name!r}{hint}")


def init(**options: Any) -> None:
    """Flyte's `flyte.init(...)`: connects to a Flyte cluster. Runs here are
    local, so it does nothing; its keywords are checked (a typo is an error)."""
    _check_init_options("init", options, INIT_OPTIONS)


def init_from_config(path_or_config: Any = None, /, **options: Any) -> None:
    """Flyte's `flyte.init_from_config(...)`: does nothing locally, like `init`.
    A config path that does not exist is an error, as in Flyte."""
    _check_init_options("init_from_config", options, INIT_FROM_CONFIG_OPTIONS)
    if isinstance(path_or_config, (str, os.PathLike)) and not os.path.exists(path_or_config):
        raise FileNotFoundError(f"Configuration file {os.fspath(path_or_config)!r} does not exist")


# Flyte names this package does not provide, with what to use instead.
_NOT_PROVIDED = {
    "Cache": "write `@env.task(cache=True, cache_version=\"1\")` (or cache=\"auto\" / \"override\")",
    "RetryStrategy": "write `@env.task(retries=3, retry_delay_s=1.0, retry_backoff=2.0)`",
    "map": "inside the sandbox, call `flyte_map(\"task_name\", items)` or `map_task(task, items)`",
    "group": "task groups are a Flyte UI feature; call the tasks directly",
    "trace": "traced functions are a Flyte feature; call a task instead",
    "ctx": "there is no Flyte task context in a local run",
    "with_runcontext": "runs are local; call `run(task, ...)` directly",
    "Environment": "use `TaskEnvironment`",
    "PodTemplate": "pod templates have no effect locally; pass `pod_template=` as a string if Flyte code needs it",
    "ReusePolicy": "container reuse has no effect locally; leave `reusable=` unset",
}


def __getattr__(name: str) -> Any:
    reason = _NOT_PROVIDED.get(name)
    if reason is not None:
        raise AttributeError(f"module 'runtime' has no attribute {name!r} (Flyte's `flyte.{name}`): {reason}")
    raise AttributeError(f"module 'runtime' has no attribute {name!r}")
