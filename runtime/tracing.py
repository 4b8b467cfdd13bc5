"""OpenTelemetry spans for runs: a task-call interceptor, active only where OpenTelemetry is in use.

With `opentelemetry-api` imported by the application (extra `otel`) and a
tracer provider set (`opentelemetry.trace.set_tracer_provider`, or
`runtime.tracing.set_tracer_provider` for the runtime alone), every run is a
span and every attempt of a task call a child span:

    sandbox run NAME     sandbox.run_id, sandbox.run_name, sandbox.ok, sandbox.task_calls
      task TASK          sandbox.run_id, sandbox.call_key, sandbox.seq, sandbox.task,
                         sandbox.attempt, sandbox.ok, sandbox.replayed, sandbox.cached

A failed call has its exception recorded on its span and an error status; so
has a failed run. The run span is the current span while the run executes, so
Monty's own spans (`pydantic_monty.instrument_telemetry(tracer=...)`, captured
from the current context when a program is fed) and any span a task opens
(tasks run in a copy of the driving thread's context) nest under it.

Trace ids. The trace id is derived from the run id (`trace_id_for`), and the
run span's parent is a span id derived from it too: every execution of a
durable run (the first and each resume) is a child of that one parent in one
trace. A durable run started inside another span links to it; a run without a
store nests under the caller's current span, if any.

Without OpenTelemetry imported nothing here imports it and no interceptor is
added: the check is one dictionary lookup per run.
"""

from __future__ import annotations

import hashlib
import sys
import time
from typing import Any

from . import events as ev
from .seam import Interceptor
from .versions import runtime_version

_provider: Any = None


def trace_id_for(run_id: str) -> str:
    """The 128-bit trace id (32 hex digits) of a run id: the same in every process."""
    digest = hashlib.blake2b(b"sandbox-lint trace\0" + run_id.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return digest if int(digest, 16) else "1".rjust(32, "0")


def _root_span_id(run_id: str) -> int:
    digest = hashlib.blake2b(b"sandbox-lint root\0" + run_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def set_tracer_provider(provider: Any) -> None:
    """Trace runs with this provider instead of OpenTelemetry's global one (None: the global)."""
    global _provider
    _provider = provider


def tracing_interceptor(run_id: str, *, durable: bool) -> Interceptor | None:
    """A `Tracing` interceptor when OpenTelemetry is imported and a provider is set, else None."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    provider = _provider if _provider is not None else trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        return None  # nothing set: every span would be dropped
    return Tracing(provider, run_id, durable=durable)


class Tracing(Interceptor):
    """Spans for one run, built from its events."""

    strict = False

    def __init__(self, provider: Any, run_id: str, *, durable: bool) -> None:
        from opentelemetry import context, trace

        self._context = context
        self._trace = trace
        self.tracer = provider.get_tracer("sandbox-lint.runtime", runtime_version())
        self.run_id = run_id
        self.durable = durable
        self.run_span: Any = None
        self.run_context: Any = None
        self.token: Any = None
        self.calls: dict[tuple[int, int], tuple[Any, int]] = {}

    def on_event(self, event: ev.RunEvent) -> None:
        kind = type(event)
        if kind is ev.TaskCallStarted:
            assert isinstance(event, ev.TaskCallStarted)
            self._call_started(event)
        elif kind is ev.TaskCallFinished:
            assert isinstance(event, ev.TaskCallFinished)
            self._call_finished(event)
        elif kind is ev.RunStarted:
            assert isinstance(event, ev.RunStarted)
            self._run_started(event)
        elif kind is ev.RunFinished:
            assert isinstance(event, ev.RunFinished)
            self._run_finished(event)

    def _run_started(self, event: ev.RunStarted) -> None:
        trace = self._trace
        current = trace.get_current_span().get_span_context()
        links = []
        if not self.durable and current.is_valid:
            parent = None  # the caller's current context
        else:
            root = trace.SpanContext(
                trace_id=int(trace_id_for(self.run_id), 16), span_id=_root_span_id(self.run_id), is_remote=True,
                trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
            )
            parent = trace.set_span_in_context(trace.NonRecordingSpan(root))
            if current.is_valid:
                links.append(trace.Link(current))
        self.run_span = self.tracer.start_span(
            f"sandbox run {event.name}", context=parent, links=links,
            attributes={"sandbox.run_id": self.run_id, "sandbox.run_name": event.name},
        )
        self.run_context = trace.set_span_in_context(self.run_span)
        self.token = self._context.attach(self.run_context)

    def _call_started(self, event: ev.TaskCallStarted) -> None:
        if self.run_span is None:
            return
        start = time.time_ns()
        span = self.tracer.start_span(
            f"task {event.task}", context=self.run_context, start_time=start,
            attributes={
                "sandbox.run_id": self.run_id, "sandbox.call_key": event.call_key, "sandbox.seq": event.seq,
                "sandbox.task": event.task, "sandbox.attempt": event.attempt,
                "sandbox.replayed": event.replayed, "sandbox.cached": event.cached,
            },
        )
        self.calls[(event.seq, event.attempt)] = (span, start)

    def _call_finished(self, event: ev.TaskCallFinished) -> None:
        found = self.calls.pop((event.seq, event.attempt), None)
        if found is None:
            return
        span, start = found
        span.set_attribute("sandbox.ok", event.ok)
        if not event.ok:
            if event.exception is not None:
                span.record_exception(event.exception)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, event.error or "failed"))
        span.end(end_time=start + int(event.duration_s * 1e9))

    def _run_finished(self, event: ev.RunFinished) -> None:
        span = self.run_span
        if span is None:
            return
        self._abandon_calls("abandoned: the run ended first")
        span.set_attribute("sandbox.ok", event.ok)
        span.set_attribute("sandbox.task_calls", event.task_calls)
        if not event.ok:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, event.error or "failed"))
        span.end()
        self.run_span = None
        self.close()

    def _abandon_calls(self, why: str) -> None:
        for call_span, _ in self.calls.values():
            call_span.set_attribute("sandbox.ok", False)
            call_span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, why))
            call_span.end()
        self.calls.clear()

    def close(self) -> None:
        """After the run: detach its context (on the thread that attached it). A
        run cut off without `RunFinished` (Ctrl-C) ends its spans as interrupted."""
        if self.run_span is not None:
            self._abandon_calls("interrupted")
            self.run_span.set_attribute("sandbox.ok", False)
            self.run_span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, "interrupted"))
            self.run_span.end()
            self.run_span = None
        if self.token is not None:
            token, self.token = self.token, None
            self._context.detach(token)
