"""Which interceptors a run gets, and running a program with them.

Every entry point (decorated orchestrators, templates, `orchestrate_local*`,
`runtime.execute/run`, `sandbox-lint run`) ends here:

    run_program(program, inputs, RunSettings(run_id=..., store=..., on_event=...))

The chain, in order (the first interceptor that answers a call wins):

    Journal    a store was given: records the run, answers finished calls on resume
    TaskCache  a task has `cache=True`: answers from the store's cache (or this process's)
    Retries    a task has `retries=N`
    Tracing    OpenTelemetry is imported and has a tracer provider

A run that needs none of them gets none, and pays nothing for them.
"""

from __future__ import annotations

import uuid
from typing import Any

from .cache import TaskCache, cached_tasks
from .driver import RunResult, execute
from .journal import Journal
from .options import RunSettings
from .program import Program
from .retry import Retries, retried
from .seam import Interceptor
from .store import RunStore
from .tracing import Tracing, tracing_interceptor


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def run_program(program: Program, inputs: dict[str, Any], settings: RunSettings = RunSettings()) -> RunResult:
    """Run `program` once with `inputs` under `settings` (journaled when a store is given)."""
    run_id = settings.run_id or new_run_id()
    store = settings.store
    opened: RunStore | None = None
    if store is not None and not isinstance(store, RunStore):
        store = opened = RunStore(store)
    try:
        chain: list[Interceptor] = []
        journal = Journal(store, program, run_id) if store is not None else None
        if journal is not None:
            chain.append(journal)
        if cached_tasks(program.tasks):
            chain.append(TaskCache(store))
        if retried(program.tasks):
            chain.append(Retries())
        tracing = tracing_interceptor(run_id, durable=store is not None)
        if tracing is not None:
            chain.append(tracing)
        try:
            return execute(program, inputs, on_event=settings.on_event, interceptors=chain, run_id=run_id)
        finally:
            if journal is not None:
                journal.close()
            if isinstance(tracing, Tracing):
                tracing.close()
    finally:
        if opened is not None:
            opened.close()
