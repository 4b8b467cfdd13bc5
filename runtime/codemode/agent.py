"""The code-mode loop: the model writes a program, the gate checks it, the sandbox runs it, the model reads the outcome.

    agent = CodeModeAgent(model=model, tasks=[add, fetch], inputs={"urls": list[str]})
    result = agent.run("Fetch every url and add up the sizes", urls=[...])
    result = await agent.run_async(...)
    result.ok, result.value, result.answer, result.code, result.attempts, result.messages, result.error

`model` is any callable taking the message list (`[{"role": ..., "content":
...}]`, the system prompt first) and returning the reply text, or an
awaitable of it.

Each turn: call the model; extract the program (`extract.extract_code`);
check it (`orchestrator_from_str` runs the gate); run it
(`CodeTaskTemplate.execute`); send back `feedback.feedback(error)` or
`feedback.success_feedback(result)`. When it stops (docs/codemode.md):

* **a reply without code after a successful run is the final answer**:
  `ok=True`, `value` is the last successful run's result, `answer` the reply;
* with `stop_on_success=True`, the first successful run ends it (`ok=True`);
* a reply without code before any successful run is answered once with a
  request for a program; a second one in a row ends the run (`ok=False`);
* `max_turns` model replies, the agent's `timeout_s` or `max_task_calls_total`
  end it with `ok=False` and `error` saying which (a run's own limits, such as
  `timeout_ms` or `max_task_calls`, are fed back: the model can fix an
  endless loop);
* a model that raises or returns something other than `str` ends it with
  `ok=False`, `error` naming the problem and the exception in `cause`.

A mistake of the model never raises. Errors of the caller do, at once:
bad options or task signatures (`TaskDefinitionError`), missing or undeclared
input values (`TypeError`), input values of the wrong type (`BoundaryTypeError`).
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Union

from sandbox_lint.caches import BoundedCache

from ..boundary import compile_validator, spec_from_annotation, validate
from ..driver import RunResult
from ..events import CallRecord
from ..errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxError,
    SandboxRuntimeError,
    TaskDefinitionError,
    TaskError,
    WorkerCrashedError,
)
from ..events import (
    AgentFinished,
    AgentStarted,
    CodeChecked,
    CodeRan,
    EventHook,
    FeedbackSent,
    ModelReplied,
    active_hooks,
    emit,
)
from ..limits import DEFAULT_LIMITS, Limits
from ..sandbox import CodeTaskTemplate, orchestrator_from_str
from ..tasks import Task, as_task
from .extract import extract_code
from .feedback import DEFAULT_MAX_CHARS, feedback, success_feedback
from .prompt import system_prompt

__all__ = ["Attempt", "CodeModeAgent", "CodeModeResult", "Message", "ModelFn"]

Message = dict[str, str]
ModelFn = Callable[[list[Message]], Union[str, Awaitable[str]]]
Outcome = Literal["ok", "rejected", "runtime_error", "task_error", "type_error", "limit", "crashed", "error"]
Reason = Literal["answer", "success", "no_code", "max_turns", "timeout", "task_budget", "model_error", "internal_error"]

_LIMIT_NAMES = frozenset(f.name for f in fields(Limits)) | {"timeout"}
_RUN_OPTIONS = frozenset({"executor", "type_check"})
_TEMPLATE_CACHE = 32
_TEMPLATE_CACHE_BYTES = 16 * 1024 * 1024
NO_CODE_FEEDBACK = (
    "Your reply has no ```python block, and no program has run successfully yet, so there is nothing to answer "
    "with. Reply with the whole program in one ```python block."
)


@dataclass(frozen=True)
class Attempt:
    """One program the model sent, and what became of it.

    `outcome` is "ok" or the kind of failure; `feedback` is the text sent
    back ("" when the loop stopped at this attempt); `duration_s` is the loop's
    own time for it (check, run and feedback; everything but the model call),
    `model_s` the model call that produced it."""

    turn: int
    code: str
    outcome: Outcome
    feedback: str
    duration_s: float
    model_s: float
    reply: str
    value: Any = None
    output: str = ""
    error: SandboxError | None = field(default=None, compare=False)
    run_id: str | None = None
    codes: tuple[str, ...] = ()
    recorded: tuple[CallRecord, ...] | RunResult = field(default=(), repr=False, compare=False)
    """Where `calls` come from: the records, or the successful run's result
    (its records are built on first use: most turns never look at them)."""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def calls(self) -> tuple[CallRecord, ...]:
        """The task calls the run made (for a failed run, those that finished), in order."""
        recorded = self.recorded
        return recorded if isinstance(recorded, tuple) else recorded.calls

    @property
    def call_count(self) -> int:
        recorded = self.recorded
        return len(recorded) if isinstance(recorded, tuple) else len(recorded.raw_calls)


@dataclass(frozen=True)
class CodeModeResult:
    """The end of an agent run. `ok` is True for a final answer or, with
    `stop_on_success`, a successful run; `value` is the last successful run's
    result (also when `ok` is False); `code` that run's program (or the last
    program tried when none succeeded); `answer` the final reply's text."""

    value: Any
    code: str | None
    attempts: tuple[Attempt, ...]
    messages: tuple[Message, ...]
    error: str | None
    ok: bool
    answer: str | None
    reason: Reason
    turns: int
    agent_run_id: str
    duration_s: float
    cause: BaseException | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class _ModelCall:
    messages: list[Message]


@dataclass(frozen=True)
class _Execute:
    agent_run_id: str
    hooks: tuple[EventHook, ...]
    turn: int
    code: str
    model_s: float
    reply: str
    overrides: dict[str, Any]
    values: dict[str, Any]


class _AgentStop(Exception):
    """Internal: the runtime itself failed (not the model); ends the agent run."""


class CodeModeAgent:
    """A code-mode agent over registered tasks (see the module docstring).

    Options beyond the loop's own are the runtime's: the limits of each run
    (`timeout_ms`, `max_memory`, `max_stack_depth`, `max_task_calls`,
    `run_timeout_s`, `task_timeout_s`, `concurrency`, `max_output_bytes`,
    `timeout`), `executor=` and `type_check=`, checked here, at construction.
    """

    def __init__(
        self,
        model: ModelFn,
        tasks: Iterable[Any] = (),
        inputs: Mapping[str, Any] | None = None,
        instructions: str | None = None,
        max_turns: int = 8,
        stop_on_success: bool = False,
        *,
        timeout_s: float | None = None,
        max_task_calls_total: int | None = None,
        max_feedback_chars: int = DEFAULT_MAX_CHARS,
        on_event: EventHook | None = None,
        **options: Any,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be a callable over the message list, got {type(model).__name__}")
        if not isinstance(max_turns, int) or isinstance(max_turns, bool) or max_turns < 1:
            raise ValueError(f"max_turns must be a positive int, got {max_turns!r}")
        for name, value in (("timeout_s", timeout_s), ("max_task_calls_total", max_task_calls_total)):
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0):
                raise ValueError(f"{name} must be a positive number or None, got {value!r}")
        if not isinstance(max_feedback_chars, int) or max_feedback_chars < 200:
            raise ValueError(f"max_feedback_chars must be an int of at least 200, got {max_feedback_chars!r}")
        unknown = sorted(set(options) - _LIMIT_NAMES - _RUN_OPTIONS)
        if unknown:
            known = ", ".join(sorted(_LIMIT_NAMES | _RUN_OPTIONS))
            raise TaskDefinitionError(f"unknown option(s): {', '.join(unknown)}; known: {known}", code="SBX206")
        self.model = model
        self.tasks: tuple[Task, ...] = tuple(as_task(t) for t in tasks)
        self.inputs: dict[str, Any] = dict(inputs or {})
        self.instructions = instructions
        self.max_turns = max_turns
        self.stop_on_success = stop_on_success
        self.timeout_s = timeout_s
        self.max_task_calls_total = max_task_calls_total
        self.max_feedback_chars = max_feedback_chars
        self.on_event = on_event
        self.options = dict(options)
        # One template of a trivial program checks every option, input type and task now.
        orchestrator_from_str("None", inputs=self.inputs, tasks=self.tasks, name="sandbox", **self.options)
        limit_options = {k: v for k, v in self.options.items() if k in _LIMIT_NAMES and k != "timeout"}
        self.limits = DEFAULT_LIMITS.with_options(**limit_options)
        self.system_prompt = system_prompt(tasks=self.tasks, inputs=self.inputs, instructions=instructions)
        self._validators = {
            name: compile_validator(spec_from_annotation(annotation), "in")
            for name, annotation in self.inputs.items()
            if annotation is not None
        }
        # a model's programs: bounded by bytes too, so a model sending large programs cannot grow the host
        self._templates: BoundedCache[tuple[Any, ...], CodeTaskTemplate] = BoundedCache(
            _TEMPLATE_CACHE, _TEMPLATE_CACHE_BYTES, max_share=0.25
        )

    # -- entry points -------------------------------------------------------

    def run(self, question: str, **input_values: Any) -> CodeModeResult:
        """Run the loop to its end, blocking. An async model is driven with
        `asyncio.run` when no event loop runs in this thread (inside one, use
        `await run_async(...)`)."""
        loop = self._loop(_question(question), self._check_inputs(input_values))
        runner = _PrivateLoop()
        try:
            request: Any = next(loop)
            while True:
                failure: Exception | None = None
                try:
                    response = self._serve_sync(request, runner)
                except Exception as exc:
                    failure = exc
                try:
                    request = loop.throw(failure) if failure is not None else loop.send(response)
                except StopIteration as stop:
                    result: CodeModeResult = stop.value
                    return result
        finally:
            runner.close()

    async def run_async(self, question: str, **input_values: Any) -> CodeModeResult:
        """Run the loop to its end without blocking the event loop: async models
        are awaited, sync models and the sandbox run on worker threads."""
        loop = self._loop(_question(question), self._check_inputs(input_values))
        request: Any = next(loop)
        while True:
            failure: Exception | None = None
            try:
                response = await self._serve_async(request)
            except Exception as exc:
                failure = exc
            try:
                request = loop.throw(failure) if failure is not None else loop.send(response)
            except StopIteration as stop:
                result: CodeModeResult = stop.value
                return result

    # -- serving the loop's requests ----------------------------------------

    def _serve_sync(self, request: _ModelCall | _Execute, runner: _PrivateLoop) -> Any:
        if isinstance(request, _Execute):
            return self._execute(request)
        reply = self.model(request.messages)
        if inspect.isawaitable(reply):
            return runner.run(reply)
        return reply

    async def _serve_async(self, request: _ModelCall | _Execute) -> Any:
        if isinstance(request, _Execute):
            return await asyncio.to_thread(self._execute, request)
        if _is_async_callable(self.model):
            reply = self.model(request.messages)
        else:
            reply = await asyncio.to_thread(self.model, request.messages)
        if inspect.isawaitable(reply):
            return await reply
        return reply

    # -- the loop -------------------------------------------------------------

    def _hooks(self) -> tuple[EventHook, ...]:
        return active_hooks(self.on_event)

    def _loop(self, question: str, values: dict[str, Any]) -> Generator[Any, Any, CodeModeResult]:
        """The loop as a generator of requests (model calls and executions), so
        the sync and async drivers share every decision."""
        started = time.perf_counter()
        agent_run_id = uuid.uuid4().hex[:12]
        hooks = self._hooks()
        if hooks:
            emit(hooks, AgentStarted(agent_run_id, question, self.max_turns))
        messages: list[Message] = [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": question},
        ]
        attempts: list[Attempt] = []
        last_success: Attempt | None = None
        calls_used = 0
        no_code_streak = 0
        turn = 0

        def finish(
            reason: Reason, ok: bool, error: str | None, answer: str | None = None, cause: BaseException | None = None
        ) -> CodeModeResult:
            code = last_success.code if last_success is not None else (attempts[-1].code if attempts else None)
            duration = time.perf_counter() - started
            if hooks:
                emit(hooks, AgentFinished(agent_run_id, turn, ok, reason, duration, error))
            return CodeModeResult(
                value=last_success.value if last_success is not None else None,
                code=code,
                attempts=tuple(attempts),
                messages=tuple(dict(m) for m in messages),
                error=error,
                ok=ok,
                answer=answer,
                reason=reason,
                turns=turn,
                agent_run_id=agent_run_id,
                duration_s=duration,
                cause=cause,
            )

        def send(text: str, kind: str) -> None:
            messages.append({"role": "user", "content": text})
            if hooks:
                emit(hooks, FeedbackSent(agent_run_id, turn, kind, len(text)))

        while True:
            if turn >= self.max_turns:
                tail = " (the last successful run's result is in `value`)" if last_success is not None else ""
                error = f"no final answer after {turn} model replies (max_turns={self.max_turns}){tail}"
                return finish("max_turns", False, error)
            if self.timeout_s is not None and time.perf_counter() - started >= self.timeout_s:
                return finish("timeout", False, f"the agent's time limit ran out (timeout_s={self.timeout_s}) after {turn} turns")
            if self.max_task_calls_total is not None and calls_used >= self.max_task_calls_total:
                return finish("task_budget", False, self._budget_message())
            turn += 1
            t0 = time.perf_counter()
            try:
                raw = yield _ModelCall([dict(m) for m in messages])
            except Exception as exc:
                model_s = time.perf_counter() - t0
                error = f"the model call raised {type(exc).__name__}: {exc}"
                if hooks:
                    emit(hooks, ModelReplied(agent_run_id, turn, model_s, False, 0, False, error))
                return finish("model_error", False, error, cause=exc)
            model_s = time.perf_counter() - t0
            if not isinstance(raw, str):
                error = f"the model returned {type(raw).__name__} instead of the reply text (str)"
                if hooks:
                    emit(hooks, ModelReplied(agent_run_id, turn, model_s, False, 0, False, error))
                return finish("model_error", False, error)
            reply = raw
            extracted = extract_code(reply)
            if hooks:
                emit(hooks, ModelReplied(agent_run_id, turn, model_s, True, len(reply), extracted.code is not None))
            messages.append({"role": "assistant", "content": reply})

            if extracted.code is None:
                if last_success is not None:
                    return finish("answer", True, None, answer=reply.strip())
                no_code_streak += 1
                if no_code_streak >= 2:
                    error = "the model replied twice without code before any program ran successfully"
                    return finish("no_code", False, error, answer=reply.strip())
                send(NO_CODE_FEEDBACK, "no_code")
                continue
            no_code_streak = 0

            overrides = self._run_limits(time.perf_counter() - started, calls_used)
            try:
                attempt: Attempt = yield _Execute(agent_run_id, hooks, turn, extracted.code, model_s, reply, overrides, values)
            except _AgentStop as stop:
                return finish("internal_error", False, str(stop), cause=stop.__cause__)
            calls_used += attempt.call_count
            if attempt.ok:
                last_success = attempt
                if self.stop_on_success:
                    attempts.append(attempt)
                    return finish("success", True, None)
            budget = self._budget_hit(attempt, overrides)
            if budget is not None:
                attempts.append(replace(attempt, feedback=""))
                return finish(budget[0], False, budget[1])
            attempts.append(attempt)
            send(attempt.feedback, attempt.outcome)

    def _budget_hit(self, attempt: Attempt, overrides: dict[str, Any]) -> tuple[Reason, str] | None:
        """Did this run stop on the agent's own budget rather than a run limit?
        Only then the run's limit was lowered to what was left of the budget."""
        error = attempt.error
        if not isinstance(error, LimitExceeded):
            return None
        limits = self.limits
        if error.limit == "task_calls" and overrides.get("max_task_calls", limits.max_task_calls) < limits.max_task_calls:
            return "task_budget", self._budget_message()
        if error.limit == "run_timeout" and overrides.get("run_timeout_s", limits.run_timeout_s) < limits.run_timeout_s:
            return "timeout", f"the agent's time limit ran out during a run (timeout_s={self.timeout_s})"
        return None

    def _budget_message(self) -> str:
        return f"the agent's task-call budget is used up (max_task_calls_total={self.max_task_calls_total})"

    # -- one attempt: gate, run, feedback -----------------------------------------

    def _run_limits(self, elapsed: float, calls_used: int) -> dict[str, Any]:
        overrides: dict[str, Any] = {}
        if self.timeout_s is not None:
            overrides["run_timeout_s"] = max(0.001, min(self.limits.run_timeout_s, self.timeout_s - elapsed))
        if self.max_task_calls_total is not None:
            overrides["max_task_calls"] = max(1, min(self.limits.max_task_calls, self.max_task_calls_total - calls_used))
        return overrides

    def _template(self, code: str, overrides: dict[str, Any]) -> CodeTaskTemplate:
        """Templates of programs seen before are reused: a model that resends
        the same program is not gated and compiled again."""
        key = (code, tuple(sorted(overrides.items())))
        template = self._templates.get(key)
        if template is not None:
            return template
        options = {**self.options, **overrides}
        template = orchestrator_from_str(code, inputs=self.inputs, tasks=self.tasks, name="sandbox", **options)
        self._templates.put(key, template, len(code) + template.program.footprint())
        return template

    def _execute(self, request: _Execute) -> Attempt:
        """Check and run one program; never raises for the program's faults."""
        t0 = time.perf_counter()
        hooks = request.hooks
        try:
            template = self._template(request.code, request.overrides)
        except RejectedError as error:
            if hooks:
                emit(hooks, CodeChecked(request.agent_run_id, request.turn, False, tuple(error.codes), time.perf_counter() - t0))
            text = feedback(error, max_chars=self.max_feedback_chars)
            return Attempt(
                request.turn, request.code, "rejected", text, time.perf_counter() - t0, request.model_s, request.reply,
                error=error, codes=tuple(error.codes),
            )
        except Exception as exc:
            raise _AgentStop(f"the runtime failed to prepare the program: {type(exc).__name__}: {exc}") from exc
        if hooks:
            emit(hooks, CodeChecked(request.agent_run_id, request.turn, True, (), time.perf_counter() - t0))
        ran = time.perf_counter()
        try:
            result = template.execute(on_event=self.on_event, **request.values)
        except SandboxError as error:
            calls = error.calls
            run_id = error.run_id or ""
            if hooks:
                summary = f"{type(error).__name__}: {error.message}"
                ran_s = time.perf_counter() - ran
                emit(hooks, CodeRan(request.agent_run_id, request.turn, run_id, False, ran_s, len(calls), summary))
            text = feedback(error, calls=calls, max_chars=self.max_feedback_chars)
            return Attempt(
                request.turn, request.code, outcome_of(error), text, time.perf_counter() - t0, request.model_s,
                request.reply, output=error.output, error=error, recorded=calls, run_id=run_id or None,
            )
        except Exception as exc:
            raise _AgentStop(f"the runtime failed while running the program: {type(exc).__name__}: {exc}") from exc
        if hooks:
            emit(hooks, CodeRan(
                request.agent_run_id, request.turn, result.run_id, True, time.perf_counter() - ran, len(result.raw_calls),
            ))
        text = "" if self.stop_on_success else success_feedback(result, max_chars=self.max_feedback_chars)
        return Attempt(
            request.turn, request.code, "ok", text, time.perf_counter() - t0, request.model_s, request.reply,
            value=result.value, output=result.output, recorded=result, run_id=result.run_id,
        )

    def _check_inputs(self, values: dict[str, Any]) -> dict[str, Any]:
        missing = sorted(set(self.inputs) - set(values))
        extra = sorted(set(values) - set(self.inputs))
        if missing:
            raise TypeError(f"run() is missing input value(s): {', '.join(missing)}")
        if extra:
            raise TypeError(f"input(s) {', '.join(extra)} are not declared: pass inputs={{name: type}} to CodeModeAgent")
        for name, validator in self._validators.items():
            validate(values[name], validator, f"inputs.{name}")
        return values


class _PrivateLoop:
    """The event loop on which `run()` awaits an async model: one per agent run,
    so an async client keeps its connections across turns."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self, awaitable: Awaitable[Any]) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            raise TypeError("the model is async and an event loop is running here: use `await agent.run_async(...)`")
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
        return self.loop.run_until_complete(_awaited(awaitable))

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            self.loop = None


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _question(question: Any) -> str:
    if not isinstance(question, str):
        raise TypeError(f"the question must be a str, got {type(question).__name__}")
    return question


def _is_async_callable(fn: Any) -> bool:
    """A coroutine function, an object with `async def __call__`, or an adapter
    over an async client (`is_async = True`)."""
    return (
        inspect.iscoroutinefunction(fn)
        or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
        or getattr(fn, "is_async", False) is True
    )


def outcome_of(error: SandboxError) -> Outcome:
    if isinstance(error, RejectedError):
        return "rejected"
    if isinstance(error, TaskError):
        return "task_error"
    if isinstance(error, SandboxRuntimeError):
        return "runtime_error"
    if isinstance(error, BoundaryTypeError):
        return "type_error"
    if isinstance(error, LimitExceeded):
        return "limit"
    if isinstance(error, WorkerCrashedError):
        return "crashed"
    return "error"
