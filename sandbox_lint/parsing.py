"""Parse source into a libcst tree without ever crashing the process.

libcst's native parser overflows the C stack (a segfault, not an exception)
on deeply nested input: ~2,000 nested brackets on an 8 MB stack. Guard:

- sources up to SMALL_SOURCE characters cannot nest that deep: parse inline;
- larger ones first go through CPython's own parser, whose limits (200 nested
  brackets, its AST recursion limit) sit far below libcst's crash points, and
  are then parsed by libcst on a worker thread with a large stack.
"""

from __future__ import annotations

import ast
import os
import queue
import re
import threading
import warnings
from dataclasses import dataclass
from typing import Callable, TypeVar

import libcst as cst

from .lines import line_column

SMALL_SOURCE = 2000
_BIG_STACK = 256 * 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class ParseFailure:
    """Why a source could not be parsed: a syntax error or a resource limit."""

    kind: str  # "syntax", "limit" (a parser's nesting limit) or "too-complex" (over the cost budget)
    message: str
    line: int
    column: int  # 1-based


class _BigStackWorker:
    """One long-lived daemon thread with a large stack, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.Queue[tuple[Callable[[], object], queue.Queue[tuple[bool, object]]]] | None = None

    def _start(self) -> queue.Queue[tuple[Callable[[], object], queue.Queue[tuple[bool, object]]]]:
        jobs: queue.Queue[tuple[Callable[[], object], queue.Queue[tuple[bool, object]]]] = queue.Queue()

        def serve() -> None:
            while True:
                job, reply = jobs.get()
                try:
                    reply.put((True, job()))
                except BaseException as exc:  # handed back to the caller
                    reply.put((False, exc))

        previous = threading.stack_size()
        try:
            threading.stack_size(_BIG_STACK)
            thread = threading.Thread(target=serve, name="sandbox-lint-big-stack", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
        return jobs

    def run(self, job: Callable[[], T]) -> T:
        with self._lock:
            if self._jobs is None:
                self._jobs = self._start()
        reply: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)
        self._jobs.put((job, reply))
        ok, value = reply.get()
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]


big_stack = _BigStackWorker()


def _forget_worker_in_child() -> None:
    # A forked process has no copy of the thread: start a new one on first use.
    big_stack._jobs = None
    big_stack._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker_in_child)

_LIMIT_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too deeply nested",
)
_BRACKETS = re.compile(r"[()\[\]{}]")


_CPYTHON_BRACKET_LIMIT = 200  # CPython refuses deeper bracket nesting


def _bracket_count(source: str) -> int:
    """An upper bound of the bracket depth; above CPython's limit the exact
    verdict is CPython's, so small and large sources get the same answer."""
    return source.count("(") + source.count("[") + source.count("{")


def _bracket_depth(source: str) -> int:
    """Rough maximum bracket depth (strings not excluded): a last-resort guard."""
    depth = best = 0
    for match in _BRACKETS.finditer(source):
        if match.group() in "([{":
            depth += 1
            if depth > best:
                best = depth
        elif depth:
            depth -= 1
    return best


def _cpython_verdict(source: str) -> ParseFailure | None:
    """What CPython's parser says, or None when it accepts the source."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<sandbox>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        kind = "limit" if any(text in message for text in _LIMIT_MESSAGES) else "syntax"
        return ParseFailure(kind, message, exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError):
        return ParseFailure("limit", "expression nested too deeply to parse", 1, 1)
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return ParseFailure("syntax", str(exc), *_null_position(source))
    return None


def _null_position(source: str) -> tuple[int, int]:
    index = source.find("\0")
    return (1, 1) if index < 0 else line_column(source, index)


def _libcst_failure(exc: Exception, source: str) -> ParseFailure:
    if isinstance(exc, cst.ParserSyntaxError):
        first = exc.message.strip().splitlines()[0] if exc.message.strip() else "invalid syntax"
        return ParseFailure("syntax", first, exc.raw_line, exc.raw_column + 1)
    # No position (a CSTValidationError such as "Must have at least one space
    # after 'return'" for `return*0`): the keyword it names when it is there,
    # else the first code; never line 1 column 1, which in a code string is
    # the quotes' line.
    named = re.search(r"after '(\w+)'", str(exc))
    found = re.search(rf"(?<![\w.]){named.group(1)}(?=[^\w\s\\])", source) if named else None
    index = found.start() if found else len(source) - len(source.lstrip())
    return ParseFailure("syntax", f"cannot parse: {exc}", *(line_column(source, index) if source.strip() else (1, 1)))


_TOKEN = re.compile(r"\w+|[^\w\s]")


def parse_cost(source: str) -> tuple[int, int]:
    """libcst's work for `source`, in units: one per token, plus each bracket's
    nesting depth (a bracket `d` levels deep costs `d`). Also the line where
    the running total is highest per line (where to point an SBX206)."""
    tokens = len(_TOKEN.findall(source))
    depth = nested = 0
    worst_line, worst = 1, -1
    line_cost = 0
    line = 1
    for match in _BRACKETS_AND_BREAKS.finditer(source):
        char = match.group()
        if char in "([{":
            depth += 1
            nested += depth
            line_cost += depth
        elif char in ")]}":
            if depth:
                depth -= 1
        else:
            if line_cost > worst:
                worst, worst_line = line_cost, line
            line_cost = 0
            line += 1
    if line_cost > worst:
        worst_line = line
    return tokens + nested, worst_line


_BRACKETS_AND_BREAKS = re.compile(r"[()\[\]{}\n]")


def parse(source: str, max_units: int | None = None) -> cst.Module | ParseFailure:
    """A libcst Module, or why not. Never raises for any str input.

    With `max_units`, a source whose parse would cost more (`parse_cost`) is a
    "too-complex" failure before libcst sees it: libcst's time and memory grow
    fast with nesting (a 12 KB file of 150-deep brackets took 3 s and 760 MB).
    """
    if "\0" in source:
        return ParseFailure("syntax", "source contains a null byte", *_null_position(source))
    if max_units is not None and (len(source) > max_units or _bracket_count(source) * _CPYTHON_BRACKET_LIMIT > max_units):
        cost, line = parse_cost(source)
        if cost > max_units:
            return ParseFailure("too-complex", f"{cost:,} units over the limit of {max_units:,}", line, 1)
    if len(source) <= SMALL_SOURCE and _bracket_count(source) <= _CPYTHON_BRACKET_LIMIT:
        try:
            return cst.parse_module(source)
        except Exception as exc:
            return _cpython_verdict(source) or _libcst_failure(exc, source)
    verdict = _cpython_verdict(source)
    if verdict is not None and verdict.kind == "limit":
        return verdict
    if verdict is not None and _bracket_depth(source) > 400:
        # CPython stopped at an earlier error; do not hand libcst a deep file.
        return verdict

    def job() -> cst.Module | ParseFailure:
        try:
            return cst.parse_module(source)
        except Exception as exc:
            # Prefer CPython's wording when both reject the source.
            return verdict if verdict is not None else _libcst_failure(exc, source)

    return big_stack.run(job)
