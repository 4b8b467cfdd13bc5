"""The versions a run records (and its spans report): this package's and Monty's."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def runtime_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sandbox-lint")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "unknown"


@lru_cache(maxsize=1)
def monty_version() -> str:
    import pydantic_monty

    return str(getattr(pydantic_monty, "__version__", "unknown"))
