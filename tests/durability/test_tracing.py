"""OpenTelemetry spans of runs, checked with the SDK's in-memory exporter.

The runtime traces with `runtime.tracing.set_tracer_provider(provider)` here
(a provider of the test's own, so the process-wide one stays unset); the
Monty test sets the global provider in a subprocess, since Monty's
instrumentation is process-wide and can be installed once.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import StatusCode  # noqa: E402

import runtime  # noqa: E402
from runtime import RunStore, TaskError, sandbox, tracing  # noqa: E402

env = runtime.TaskEnvironment(name="tracing-tests")
stop = {"at": -1}


@env.task
def work(i: int) -> int:
    if i == stop["at"]:
        stop["at"] = -1
        raise KeyboardInterrupt
    return i + 100


@env.task
def broken(i: int) -> int:
    raise ValueError(f"broken {i}")


@pytest.fixture
def spans() -> Any:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.set_tracer_provider(provider)
    yield exporter
    tracing.set_tracer_provider(None)
    provider.shutdown()


def by_name(exporter: InMemorySpanExporter) -> tuple[list[Any], list[Any]]:
    finished = exporter.get_finished_spans()
    runs = [s for s in finished if s.name.startswith("sandbox run ")]
    calls = [s for s in finished if s.name.startswith("task ")]
    return runs, calls


def test_a_run_is_a_span_and_each_call_attempt_a_child(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    template = sandbox.orchestrator_from_str(
        "a = work(1)\nxs = map_task(broken, [a], return_exceptions=True)\n[a, len(xs)]", tasks=[work, broken], name="traced",
    )
    assert template.execute(run_id="t1", store=tmp_path / "runs.sqlite").value == [101, 1]
    runs, calls = by_name(spans)
    assert [r.name for r in runs] == ["sandbox run traced"]
    run = runs[0]
    assert run.attributes["sandbox.run_id"] == "t1" and run.attributes["sandbox.ok"] is True
    assert run.attributes["sandbox.task_calls"] == 2
    assert format(run.context.trace_id, "032x") == tracing.trace_id_for("t1")
    assert [c.name for c in calls] == ["task work", "task broken"]
    for call in calls:
        assert call.parent is not None and call.parent.span_id == run.context.span_id
        assert call.context.trace_id == run.context.trace_id
    first, failed = calls
    assert dict(first.attributes) == {
        "sandbox.run_id": "t1", "sandbox.call_key": first.attributes["sandbox.call_key"], "sandbox.seq": 1,
        "sandbox.task": "work", "sandbox.attempt": 1, "sandbox.replayed": False, "sandbox.cached": False,
        "sandbox.ok": True,
    }
    assert str(first.attributes["sandbox.call_key"]).startswith("1:work:")
    assert failed.attributes["sandbox.ok"] is False and failed.status.status_code is StatusCode.ERROR
    assert [e.name for e in failed.events] == ["exception"]
    assert failed.events[0].attributes["exception.type"] == "ValueError"
    assert failed.events[0].attributes["exception.message"] == "broken 101"
    assert run.start_time <= first.start_time <= first.end_time <= failed.start_time <= run.end_time


def test_a_failed_run_records_its_error(spans: InMemorySpanExporter) -> None:
    with pytest.raises(TaskError):
        sandbox.orchestrate_local_sync("broken(1)", tasks=[broken], run_id="t2")
    runs, calls = by_name(spans)
    assert runs[0].status.status_code is StatusCode.ERROR and "broken 1" in (runs[0].status.description or "")
    assert calls[0].status.status_code is StatusCode.ERROR


def test_a_resumed_run_lands_in_the_original_trace(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    template = sandbox.orchestrator_from_str("a = work(1)\nb = work(2)\n[a, b]", tasks=[work], name="resumed")
    stop["at"] = 2
    with pytest.raises(KeyboardInterrupt):
        template.execute(run_id="t3", store=store)
    first_runs, first_calls = by_name(spans)
    spans.clear()
    assert template.execute(run_id="t3", store=store).value == [101, 102]
    second_runs, second_calls = by_name(spans)
    store.close()
    assert len(first_runs) == len(second_runs) == 1
    assert first_runs[0].context.trace_id == second_runs[0].context.trace_id == int(tracing.trace_id_for("t3"), 16)
    assert first_runs[0].parent.span_id == second_runs[0].parent.span_id  # siblings under the run's root
    assert first_runs[0].status.status_code is StatusCode.ERROR  # cut off: ended by the runtime
    assert [(c.attributes["sandbox.seq"], c.attributes["sandbox.attempt"], c.attributes["sandbox.replayed"]) for c in second_calls] == [
        (1, 1, True), (2, 2, False),
    ]
    assert trace.get_current_span() is trace.INVALID_SPAN  # the run's context was detached


def test_a_durable_run_inside_a_span_links_to_it_and_a_plain_run_nests(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    tracer = trace.get_tracer("test", tracer_provider=None)
    provider = TracerProvider()
    outer_exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(outer_exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request") as outer:
        sandbox.orchestrate_local_sync("work(1)", tasks=[work], run_id="t4", store=tmp_path / "runs.sqlite")
        sandbox.orchestrate_local_sync("work(2)", tasks=[work])
    durable, plain = by_name(spans)[0]
    assert durable.context.trace_id == int(tracing.trace_id_for("t4"), 16)
    assert [link.context.span_id for link in durable.links] == [outer.get_span_context().span_id]
    assert plain.context.trace_id == outer.get_span_context().trace_id
    assert plain.parent is not None and plain.parent.span_id == outer.get_span_context().span_id


def test_monty_spans_nest_under_the_run(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import json
        import pydantic_monty
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        import runtime
        from runtime import sandbox

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        pydantic_monty.instrument_telemetry(tracer=trace.get_tracer("monty"))

        env = runtime.TaskEnvironment(name="m")

        @env.task
        def add(x: int, y: int) -> int:
            return x + y

        assert sandbox.orchestrate_local_sync("add(1, 2) * 2", tasks=[add], run_id="monty-run") == 6
        spans = exporter.get_finished_spans()
        print(json.dumps([
            {"name": s.name, "trace": format(s.context.trace_id, "032x"), "id": s.context.span_id,
             "parent": s.parent.span_id if s.parent else None, "scope": s.instrumentation_scope.name}
            for s in spans
        ]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import json

    found = json.loads(done.stdout.strip().splitlines()[-1])
    run = next(s for s in found if s["name"] == "sandbox run orchestrate_local")
    monty = [s for s in found if s["scope"] == "monty"]
    assert monty, found  # Monty traced its execution
    ids = {s["id"]: s for s in found}

    def ancestors(span: dict[str, Any]) -> list[int]:
        chain = []
        while span["parent"] in ids:
            chain.append(span["parent"])
            span = ids[span["parent"]]
        return chain

    assert all(s["trace"] == tracing.trace_id_for("monty-run") for s in found)
    assert all(run["id"] in ancestors(s) for s in monty), found


def test_without_opentelemetry_nothing_is_imported(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["opentelemetry"] = None  # as if it were not installed
        import runtime
        from runtime import sandbox, interceptors

        env = runtime.TaskEnvironment(name="n")

        @env.task
        def add(x: int, y: int) -> int:
            return x + y

        assert sandbox.orchestrate_local_sync("add(1, 2)", tasks=[add], run_id="quiet", store={str(tmp_path / 'runs.sqlite')!r}) == 3
        assert interceptors.tracing_interceptor("x", durable=True) is None
        loaded = sorted(name for name, module in sys.modules.items() if name.startswith("opentelemetry") and module is not None)
        print("loaded:", loaded)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded: []" in done.stdout


def test_an_installed_but_unused_opentelemetry_is_not_imported_by_the_runtime() -> None:
    script = textwrap.dedent(
        """
        import sys
        import runtime
        from runtime import sandbox

        env = runtime.TaskEnvironment(name="n")

        @env.task
        def add(x: int, y: int) -> int:
            return x + y

        assert sandbox.orchestrate_local_sync("add(1, 2)", tasks=[add]) == 3
        print("trace loaded:", "opentelemetry.trace" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "trace loaded: False" in done.stdout
