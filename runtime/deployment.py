"""Flyte's deployment settings: `Resources`, `Image`, `Secret`, as plain frozen values.

A `TaskEnvironment` accepts them so Flyte code runs unchanged:

    env = TaskEnvironment(
        name="etl",
        image=Image.from_debian_base().with_pip_packages("pandas"),
        resources=Resources(cpu="1", memory="1Gi"),
        secrets=[Secret(key="api-key")],
    )

They describe where a task runs on a cluster; a local run has no image to
build, no pod to size and no secret store, so they are stored and have no
effect (docs/runtime.md, "Flyte compatibility").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Union


@dataclass(frozen=True)
class Resources:
    """What a task asks of its pod (Flyte's `flyte.Resources`); no effect locally."""

    cpu: Any = None
    memory: Any = None
    gpu: Any = None
    disk: Any = None
    shm: Any = None


@dataclass(frozen=True)
class Secret:
    """A secret a task reads on a cluster (Flyte's `flyte.Secret`); no effect locally."""

    key: str
    group: str | None = None
    mount: Any = None
    as_env_var: str | None = None


@dataclass(frozen=True)
class Image:
    """A container image description (Flyte's `flyte.Image`): each `with_*`
    step returns a new value; nothing is built locally."""

    base: str | None = None
    steps: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    @classmethod
    def from_debian_base(cls, **options: Any) -> Image:
        return cls(base="debian", steps=(("from_debian_base", tuple(sorted(options.items()))),))

    @classmethod
    def from_base(cls, image_uri: str) -> Image:
        return cls(base=image_uri)

    @classmethod
    def from_dockerfile(cls, file: Any, registry: str | None = None, name: str | None = None) -> Image:
        return cls(base=f"dockerfile:{file}", steps=(("from_dockerfile", (registry, name)),))

    def _step(self, name: str, *args: Any) -> Image:
        return replace(self, steps=(*self.steps, (name, args)))

    def with_pip_packages(self, *packages: str, **options: Any) -> Image:
        return self._step("pip", *packages, *sorted(options.items()))

    def with_apt_packages(self, *packages: str, **options: Any) -> Image:
        return self._step("apt", *packages, *sorted(options.items()))

    def with_requirements(self, file: Any, **options: Any) -> Image:
        return self._step("requirements", file, *sorted(options.items()))

    def with_env_vars(self, env_vars: dict[str, str]) -> Image:
        return self._step("env", *sorted(env_vars.items()))

    def with_commands(self, commands: list[str], **options: Any) -> Image:
        return self._step("commands", *commands, *sorted(options.items()))

    def with_source_folder(self, src: Any, dst: str = ".", **options: Any) -> Image:
        return self._step("source_folder", src, dst, *sorted(options.items()))

    def with_source_file(self, src: Any, dst: str = ".", **options: Any) -> Image:
        return self._step("source_file", src, dst, *sorted(options.items()))

    def with_workdir(self, workdir: str) -> Image:
        return self._step("workdir", workdir)


SecretRequest = Union[str, Secret, list[Union[str, Secret]]]
