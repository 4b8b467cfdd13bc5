"""Scripted models: callables over the message list that act on the feedback they read.

`FeedbackFollower` sends a first program, then applies every finding of the
feedback to its previous program the way the text says (the suggested
rewrite, the deletion, the unwrapping, the suggested name) and resends it;
after "The program ran successfully" it answers in plain words. It raises
when it meets a finding it cannot act on, so a test cannot pass on feedback
that only looks right.
"""

from __future__ import annotations

import ast
import asyncio
import re
import textwrap
from collections.abc import Callable, Sequence

from runtime.codemode import extract_code

FINDING = re.compile(r"^line (\d+): (.*) \[(SBX\d+)\]$", re.MULTILINE)
RESULT = re.compile(r"^Result \([^)]*\): (.*)$", re.MULTILINE)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _replace_statement(lines: list[str], index: int, suggestion: str) -> None:
    """Write the suggestion at the reported line: a statement replaces the line,
    an expression replaces the value of an assignment or the whole expression."""
    line = lines[index]
    stripped = line.strip()
    tree = ast.parse(suggestion)
    is_statement = not (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr))
    if not is_statement:
        node = ast.parse(stripped).body[0]
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = stripped[: stripped.index("=")].rstrip()
            lines[index] = f"{_indent(line)}{target} = {suggestion}"
            return
    lines[index] = _indent(line) + suggestion


def _unwrap_try(lines: list[str], lineno: int) -> list[str]:
    """Keep the body of the `try` at `lineno`, one level less indented, and drop its handlers."""
    tree = ast.parse("\n".join(lines))
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and node.lineno == lineno:
            body = lines[node.body[0].lineno - 1 : node.body[-1].end_lineno]
            block = textwrap.indent(textwrap.dedent("\n".join(body)), _indent(lines[lineno - 1])).split("\n")
            return lines[: node.lineno - 1] + block + lines[node.end_lineno :]
    raise AssertionError(f"no `try` statement starts at line {lineno}")


def apply_feedback(program: str, text: str) -> str:
    """The program with every `line N: ... [SBXnnn]` finding of `text` applied."""
    findings = [(int(n), message, code) for n, message, code in FINDING.findall(text)]
    if not findings:
        raise AssertionError(f"the feedback lists no finding to act on:\n{text}")
    lines = program.rstrip("\n").split("\n")
    for lineno, message, code in sorted(findings, key=lambda f: -f[0]):
        index = lineno - 1
        if "write `" in message:
            _replace_statement(lines, index, message.split("write `", 1)[1].split("`", 1)[0])
        elif "keep the body without the `try`" in message:
            lines = _unwrap_try(lines, lineno)
        elif "did you mean `" in message:
            wrong = message.split("`", 2)[1]
            right = message.split("did you mean `", 1)[1].split("`", 1)[0]
            lines[index] = re.sub(rf"\b{re.escape(wrong)}\b", right, lines[index])
        elif "all available functions are provided directly" in message:
            del lines[index]
        else:
            raise AssertionError(f"the scripted model cannot act on {code}: {message}")
    return "\n".join(lines) + "\n"


def fenced(program: str) -> str:
    return f"```python\n{program.rstrip()}\n```"


class FeedbackFollower:
    """First `first_reply`; then the previous program with the feedback applied;
    after a successful run, "The answer is <result>."."""

    def __init__(self, first_reply: str) -> None:
        self.first_reply = first_reply
        self.seen: list[list[dict[str, str]]] = []

    def __call__(self, messages: Sequence[dict[str, str]]) -> str:
        self.seen.append([dict(m) for m in messages])
        if len(messages) == 2:
            return self.first_reply
        last = messages[-1]["content"]
        if last.startswith("The program ran successfully"):
            match = RESULT.search(last)
            assert match is not None, last
            return f"The answer is {match.group(1)}."
        previous = extract_code(messages[-2]["content"]).code
        assert previous is not None
        return fenced(apply_feedback(previous, last))


class Replies:
    """The given replies in order (a reply may be a function of the messages)."""

    def __init__(self, *replies: str | Callable[[Sequence[dict[str, str]]], str]) -> None:
        self.replies = list(replies)
        self.calls = 0

    def __call__(self, messages: Sequence[dict[str, str]]) -> str:
        reply = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        return reply(messages) if callable(reply) else reply


class AsyncFollower(FeedbackFollower):
    """The same model as a coroutine function, yielding to the loop on every call."""

    async def __call__(self, messages: Sequence[dict[str, str]]) -> str:  # type: ignore[override]
        await asyncio.sleep(0)
        return super().__call__(messages)
