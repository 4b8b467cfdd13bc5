"""`TaskEnvironment`: a named group of tasks and sandboxed orchestrators (Flyte's name).

    env = TaskEnvironment(name="demo")

    @env.task
    def add(x: int, y: int) -> int: ...

    @env.sandbox.orchestrator
    def pipeline(n: int) -> int: ...

Flyte's deployment options (`image=`, `resources=`, `secrets=`, ...) are
accepted and stored: they say where tasks run on a cluster and have no effect
on a local run. Any other option is a `TaskDefinitionError` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .deployment import Image, Resources, Secret
from .errors import TaskDefinitionError
from .sandbox import SandboxNamespace
from .tasks import Task, TaskOptions, unknown_option

_NAME = re.compile(r"[a-z0-9]+([_-][a-z0-9]+)*")

# What each deployment option means in Flyte: accepted, stored, no effect locally.
ENVIRONMENT_OPTION_NOTES: dict[str, str] = {
    "depends_on": "environments deployed together with this one",
    "pod_template": "the Kubernetes pod its tasks run in",
    "description": "the text shown in Flyte's UI",
    "secrets": "secrets mounted into its tasks' pods",
    "env_vars": "environment variables of its tasks' containers",
    "resources": "CPU, memory, GPU and disk of its tasks' pods",
    "interruptible": "whether its tasks may run on spot instances",
    "image": "the container image its tasks run in",
    "include": "extra files shipped with the code",
    "service_account": "the Kubernetes service account of its tasks",
    "reusable": "container reuse between task runs",
    "queue": "the cluster queue its tasks run in",
}


def _check_type(what: str, name: str, value: Any, expected: str, ok: bool) -> None:
    if not ok:
        raise TaskDefinitionError(f"{what}: `{name}` must be {expected}, got {type(value).__name__} {value!r}")


def _is_secrets(value: Any) -> bool:
    if isinstance(value, (str, Secret)):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(item, (str, Secret)) for item in value)


class TaskEnvironment:
    """A named group of tasks and sandboxed orchestrators (Flyte's `TaskEnvironment`).

    `tasks` holds the environment's tasks by the name the sandbox calls them
    by, plus whatever `from_task` grouped into it."""

    def __init__(
        self,
        name: str,
        depends_on: Sequence[TaskEnvironment] | None = None,
        *,
        pod_template: Any = None,
        description: str | None = None,
        secrets: Any = None,
        env_vars: Mapping[str, str] | None = None,
        resources: Resources | None = None,
        interruptible: bool = False,
        image: str | Image | None = "auto",
        include: Sequence[str] = (),
        service_account: str | None = None,
        cache: Any = "disable",
        reusable: Any = None,
        queue: str | None = None,
        **unknown: Any,
    ) -> None:
        what = f"TaskEnvironment({name!r})"
        for option in unknown:
            if option == "plugin_config":
                raise TaskDefinitionError(
                    f"{what}: `plugin_config` is not supported: tasks here run as plain Python functions, "
                    "so plugin task types (Spark, Ray, ...) cannot run; call the library from a task instead"
                )
            note = " (it is an option of `@env.task(...)`)" if option in TaskOptions.__dataclass_fields__ else ""
            raise unknown_option(what, option, ["name", *ENVIRONMENT_OPTION_NOTES, "cache"], note=note)
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise TaskDefinitionError(
                f"TaskEnvironment: name {name!r} must be in snake_case or kebab-case "
                "(lowercase letters and digits, words joined by `_` or `-`), as Flyte requires"
            )
        depends = list(depends_on or [])
        _check_type(what, "depends_on", depends_on, "a list of TaskEnvironment",
                    isinstance(depends_on, (list, tuple, type(None))) and all(isinstance(e, TaskEnvironment) for e in depends))
        _check_type(what, "image", image, 'a str, an Image, "auto" or None', isinstance(image, (str, Image, type(None))))
        _check_type(what, "resources", resources, "a Resources", isinstance(resources, (Resources, type(None))))
        _check_type(what, "env_vars", env_vars, "a dict of str to str", env_vars is None or (
            isinstance(env_vars, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items())))
        _check_type(what, "secrets", secrets, "a str, a Secret or a list of them", secrets is None or _is_secrets(secrets))
        _check_type(what, "interruptible", interruptible, "True or False", isinstance(interruptible, bool))
        _check_type(what, "include", include, "a tuple of paths",
                    isinstance(include, (list, tuple)) and all(isinstance(p, str) for p in include))
        for option, value in (("description", description), ("service_account", service_account), ("queue", queue)):
            _check_type(what, option, value, "a str or None", isinstance(value, (str, type(None))))
        TaskOptions.parse({}, what=what, cache=cache)  # the environment's cache is its tasks' default
        self.name = name
        self.depends_on = depends
        self.pod_template = pod_template
        self.description = description
        self.secrets = secrets
        self.env_vars = dict(env_vars or {})
        self.resources = resources
        self.interruptible = interruptible
        self.image = image
        self.include = tuple(include)
        self.service_account = service_account
        self.cache = cache
        self.reusable = reusable
        self.queue = queue
        self.tasks: dict[str, Any] = {}
        self.sandbox = SandboxNamespace(self)

    def task(self, _func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Register a task: `@env.task`, `@env.task()` or `@env.task(short_name=..., ...)`.
        Options are checked here, before any function is given."""
        parsed = TaskOptions.parse(options, what="env.task", cache=self.cache)
        if _func is None:
            return lambda f: self._register(f, parsed)
        return self._register(_func, parsed)

    def _register(self, func: Callable[..., Any], options: TaskOptions) -> Task:
        task = Task(func, self, options)
        existing = self.tasks.get(task.name)
        if isinstance(existing, Task) and existing.func is not func and existing.__qualname__ != task.__qualname__:
            raise TaskDefinitionError(f"environment {self.name!r} already has a task named `{task.name}`", code="SBX402")
        self.tasks[task.name] = task
        return task

    @classmethod
    def from_task(cls, name: str, *tasks: Any, depends_on: Sequence[TaskEnvironment] | None = None) -> TaskEnvironment:
        """A new environment holding `tasks` (tasks, orchestrators, templates that
        belong to no environment yet), keyed by their names (Flyte's `from_task`)."""
        env = cls(name, depends_on=depends_on)
        for item in tasks:
            if not hasattr(item, "env") or not isinstance(getattr(item, "name", None), str):
                raise TaskDefinitionError(
                    f"TaskEnvironment.from_task: {item!r} is not a task, an orchestrator or a template"
                )
        for item in tasks:
            if item.env is not None:
                # Flyte's text, word for word
                raise ValueError("Tasks cannot assigned to multiple environments.")
        for item in tasks:
            item.env = env
            env.tasks[item.name] = item
        return env

    def __repr__(self) -> str:
        return f"TaskEnvironment({self.name!r}, tasks={sorted(self.tasks)})"
