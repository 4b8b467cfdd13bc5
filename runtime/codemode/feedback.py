"""What the model reads after a run: plain words, bounded, the same for every loop.

    feedback(error)                      # any SandboxError -> text for the model
    success_feedback(result)             # a RunResult -> the result, output and calls

Each failure says what went wrong in the model's own program and what to do:

* a rejection: the gate's `llm` text (`str(error)`), one line per finding;
* a sandbox error: the exception, its message, the line and its source;
* a task failure: the task, its arguments, the exception and the call's line;
* a type error at the boundary: the value's path, the expected and actual types;
* a limit: which limit, its value, and how to stay under it;

then the output printed before the failure and the task calls that already
ran (their results too where the runtime records them). Every part is
bounded, and the whole text is at most `max_chars` long.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..driver import RunResult
from ..errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxError,
    SandboxRuntimeError,
    TaskError,
    WorkerCrashedError,
)

__all__ = ["DEFAULT_MAX_CHARS", "clip", "feedback", "success_feedback", "summarize"]

DEFAULT_MAX_CHARS = 4000
MAX_CALLS_LISTED = 20
MAX_OUTPUT_CHARS = 1200
MAX_SOURCE_LINE = 240
_MISSING: Any = object()

MAX_ITEMS = 12
MAX_STRING = 160
MAX_DEPTH = 4


def _short(value: Any, depth: int) -> str:
    """A repr that keeps the order of dicts (reprlib sorts them) and says how much it left out."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 256 else f"<int of {value.bit_length()} bits>"
    if isinstance(value, (str, bytes)):
        if len(value) <= MAX_STRING:
            return repr(value)
        text = repr(value[:MAX_STRING])
        return f"{text[:-1]}...{text[-1]} ({len(value)} long)"
    if isinstance(value, (list, tuple, dict)):
        if depth >= MAX_DEPTH:
            return "[...]" if isinstance(value, list) else "(...)" if isinstance(value, tuple) else "{...}"
        items = list(value.items()) if isinstance(value, dict) else list(value)
        shown = items[:MAX_ITEMS]
        if isinstance(value, dict):
            parts = [f"{_short(k, depth + 1)}: {_short(v, depth + 1)}" for k, v in shown]
        else:
            parts = [_short(v, depth + 1) for v in shown]
        if len(items) > MAX_ITEMS:
            parts.append(f"... ({len(items) - MAX_ITEMS} more)")
        if isinstance(value, dict):
            return "{" + ", ".join(parts) + "}"
        if isinstance(value, tuple):
            return "(" + ", ".join(parts) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(parts) + "]"
    text = repr(value)
    return text if len(text) <= MAX_STRING else text[: MAX_STRING - 3] + "..."


def summarize(value: Any, limit: int = 300) -> str:
    """A bounded `repr`: long containers and strings are cut (saying how much is
    left out), and the text is never longer than `limit` characters."""
    try:
        text = _short(value, 0)
    except Exception as exc:  # a value whose repr raises is still reported
        text = f"<{type(value).__name__} (repr failed: {type(exc).__name__})>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters (messages are shown as written, not as a repr)."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _describe(value: Any) -> str:
    kind = type(value).__name__
    if isinstance(value, (list, tuple, dict, str, bytes)):
        unit = "characters" if isinstance(value, str) else "bytes" if isinstance(value, bytes) else "items"
        return f"{kind}, {len(value)} {unit}"
    return kind


def _call_text(task: str, args: Sequence[Any], kwargs: dict[str, Any], limit: int = 200) -> str:
    shown = [summarize(a, 80) for a in args] + [f"{k}={summarize(v, 80)}" for k, v in kwargs.items()]
    text = f"{task}({', '.join(shown)})"
    return text if len(text) <= limit else text[: limit - 4] + "...)"


def _output_text(output: str) -> str:
    if len(output) <= MAX_OUTPUT_CHARS:
        return output.rstrip("\n")
    half = MAX_OUTPUT_CHARS // 2
    cut = len(output) - 2 * half
    return f"{output[:half]}\n... ({cut} characters left out) ...\n{output[-half:]}".rstrip("\n")


def _calls_section(calls: Sequence[Any], heading: str) -> list[str]:
    """The finished calls, each with what it returned (`CallRecord.result`)."""
    done = [c for c in calls if getattr(c, "ok", True)]
    if not done:
        return [f"{heading}: none."]
    lines = [f"{heading} ({len(done)}):"]
    for call in done[:MAX_CALLS_LISTED]:
        line = f"  {getattr(call, 'seq', '?')}. {_call_text(call.task, call.args, call.kwargs)}"
        result = getattr(call, "result", _MISSING)
        if result is not _MISSING:
            line += f" -> {summarize(result, 120)}"
        where = getattr(call, "line", None)
        lines.append(line + (f"  (line {where})" if where else ""))
    if len(done) > MAX_CALLS_LISTED:
        lines.append(f"  ... and {len(done) - MAX_CALLS_LISTED} more")
    return lines


_RUNTIME_HINTS = {
    "KeyError": "test `key in d` first, or read it with `d.get(key, default)`",
    "IndexError": "check `len(xs)` before indexing",
    "ZeroDivisionError": "check the divisor with `if` before dividing",
    "NameError": "use only the names listed in the instructions: the tasks, the inputs, the builtins and your own",
    "AttributeError": "values are plain ints, strings, lists and dicts: use `d[\"key\"]` or `d.get(\"key\")` for dict fields",
    "TypeError": "check the types of the values you combine (task results have the declared return types)",
}

_LIMIT_HINTS = {
    "time": "the program ran too long in the sandbox: look for a loop that never ends, or do less work in the sandbox",
    "memory": "the program built values that are too large: keep fewer or smaller values",
    "recursion": "the recursion is too deep: use a loop instead",
    "task_calls": "the program made too many task calls: make fewer calls (batch the work, or stop early)",
    "run_timeout": "the whole run took too long, task calls included: make fewer or lighter task calls",
    "task_timeout": "a task call took too long: call it with less work, or make fewer calls",
    "output": "the program printed too much: print less (the result is the last expression, it needs no print)",
    "value_items": "a value leaving the sandbox is too large once expanded (shared parts count once per reference): return or pass less",
    "value_bytes": "a value leaving the sandbox holds too much text once expanded (`[s] * n` counts `s` n times): return or pass less",
    "value_depth": "a value is nested too deeply: flatten it",
    "transfer_items": "the run passed too much data out of the sandbox in total: pass less to tasks",
    "transfer_bytes": "the run passed too much text out of the sandbox in total: pass less to tasks",
}


def _headline(error: SandboxError) -> list[str]:
    if isinstance(error, RejectedError):
        return [str(error).rstrip("\n")]
    if isinstance(error, TaskError):
        original = error.original
        message = clip(str(original), 400) or "(no message)"
        where = f" at line {error.line}" if error.line else ""
        lines = [
            f"The program ran, and the task `{error.task}` failed{where}: {type(original).__name__}: {message}",
            f"The failing call: {_call_text(error.task, error.args_, error.kwargs)}",
        ]
        if error.source_line:
            lines.append(f"  line {error.line}: {clip(error.source_line, MAX_SOURCE_LINE)}")
        lines.append(
            "There is no `try` in the sandbox: check the arguments before the call, skip the value that fails, "
            "or answer with what the other calls returned."
        )
        return lines
    if isinstance(error, SandboxRuntimeError):
        where = f" at line {error.line}" if error.line else ""
        lines = [f"The program raised {error.exc_type}{where}: {clip(error.exc_message, 400) or '(no message)'}"]
        if error.source_line:
            lines.append(f"  line {error.line}: {clip(error.source_line, MAX_SOURCE_LINE)}")
        hint = _RUNTIME_HINTS.get(error.exc_type)
        lines.append(f"Fix it so the error cannot happen{': ' + hint if hint else ''}.")
        return lines
    if isinstance(error, BoundaryTypeError):
        path = error.path
        if ".return" in path:
            cause = "a task returned a value that does not match its declared return type (the task is at fault, not your code)"
        elif path.startswith("output"):
            cause = "the program's result does not match the declared result type"
        elif path.startswith("inputs"):
            cause = "an input does not match its declared type"
        else:
            cause = "a task was called with an argument of the wrong type"
        return [
            f"A value has the wrong type at the sandbox boundary: {cause}.",
            f"  {path}: expected {error.expected}, got {error.got}",
        ]
    if isinstance(error, LimitExceeded):
        hint = _LIMIT_HINTS.get(error.limit, "do less work in one run")
        return [
            f"The run was stopped by the `{error.limit}` limit ({summarize(error.value, 60)}): {hint}.",
            f"  {clip(error.message, 400)}",
        ]
    if isinstance(error, WorkerCrashedError):
        return ["The sandbox worker crashed and the run was lost. Send the program again; if it happens again, use less memory."]
    return [f"The run failed: {type(error).__name__}: {clip(error.message, 600)}"]


def _bounded(lines: list[str], max_chars: int) -> str:
    text = "\n".join(lines).rstrip("\n") + "\n"
    if len(text) <= max_chars:
        return text
    tail = "\n... (feedback cut to its size limit)\n"
    return text[: max(0, max_chars - len(tail))].rstrip() + tail


def feedback(error: SandboxError, *, calls: Sequence[Any] | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The text to send the model after `error`.

    `calls` are the task calls the run made before it failed (by default the
    error's own `.calls`, with what each returned). The failing call itself is
    described in the headline, not listed as one that ran.
    """
    lines = _headline(error)
    if not isinstance(error, RejectedError):
        if error.output:
            lines += ["", "Printed output before the failure:", _output_text(error.output)]
        known = calls if calls is not None else getattr(error, "calls", None)
        if known is not None:
            lines += ["", *_calls_section(known, "Task calls that already ran before the failure")]
        lines += ["", "Send the whole corrected program again."]
    return _bounded(lines, max_chars)


def success_feedback(result: RunResult, *, calls: Sequence[Any] | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The text to send the model after a successful run: the result (bounded),
    the printed output and the task calls made (`calls`, by default `result.calls`)."""
    value = result.value
    lines = [
        "The program ran successfully.",
        f"Result ({_describe(value)}): {summarize(value, 1500)}",
    ]
    if result.output:
        lines += ["", "Printed output:", _output_text(result.output)]
    # by task name; without `calls`, from the run's own calls (no records built)
    names = [call.task for call in calls] if calls is not None else [call.task.name for call in result.raw_calls]
    if names:
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        made = ", ".join(f"{name} x{n}" for name, n in sorted(counts.items()))
        lines += ["", f"Task calls made: {len(names)} ({made})."]
    lines += [
        "",
        "If this result answers the question, reply with the final answer in plain words and no code block. "
        "Otherwise send a new program.",
    ]
    return _bounded(lines, max_chars)
