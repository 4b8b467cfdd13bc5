"""The program inside a model's reply, or the sign that the reply is the final answer.

    extract_code("Here you go:\\n```python\\nadd(1, 2)\\n```\\nDone.").code   # "add(1, 2)\\n"
    extract_code("add(1, 2)").code                                           # "add(1, 2)\\n" (bare)
    extract_code("The total is 42.").code                                    # None: a final answer

Decisions (docs/codemode.md):

* Fenced blocks (``` or ~~~, up to three spaces of indent, CommonMark style)
  tagged `python`, `py`, `python3`, `py3` or `sandbox` are the program. With
  several, they are joined in order (a model often splits one program between
  explanations). Blocks tagged with another language (`json`, `text`,
  `output`, ...) are never code. Untagged blocks count only when the reply has
  no tagged block, so an untagged block showing the expected output after a
  tagged program is not appended to it.
* A fence left open at the end of the reply (a truncated answer) runs to the end.
* Each block is dedented by its own indent, so fences nested in a list item work.
* With no fence, the whole reply is the program when it parses as Python and
  looks like a program: more than one statement, or a statement that is not a
  bare expression, or an expression with a call. "42", "Paris" or "Done"
  parse, but are answers.
* Otherwise the reply holds no code: it is the final answer.

The fence and the prose never reach the checker, so a fenced reply cannot
turn into "SBX900 invalid syntax" because of them.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import Literal

__all__ = ["Extracted", "extract_code", "PYTHON_TAGS"]

PYTHON_TAGS = frozenset({"python", "py", "python3", "py3", "sandbox"})
_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Extracted:
    """What a reply holds. `code` is None when the reply is a final answer;
    `prose` is the reply without its code blocks."""

    code: str | None
    kind: Literal["fenced", "bare", "none"]
    prose: str
    blocks: int = 0


@dataclass(frozen=True)
class _Block:
    tag: str
    text: str


def _tag(info: str) -> str:
    """The language of a fence's info string: its first word (`{.python}` too)."""
    words = info.strip().strip("{}").split()
    return words[0].lstrip(".").lower() if words else ""


def _closes(line: str, fence: str) -> bool:
    """A closing fence: up to three spaces, at least as many fence characters, nothing else."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    stripped = stripped.rstrip()
    return len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)


def _fenced_blocks(lines: list[str]) -> tuple[list[_Block], list[str]]:
    """Every fenced block and the prose lines outside them."""
    blocks: list[_Block] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        head = lines[i].lstrip(" ")[:3]
        match = _OPEN.match(lines[i]) if head in ("```", "~~~") else None
        if match is None or (match["fence"][0] == "`" and "`" in match["info"]):
            prose.append(lines[i])
            i += 1
            continue
        indent = len(match["indent"])
        fence = match["fence"]
        body: list[str] = []
        i += 1
        while i < len(lines) and not _closes(lines[i], fence):
            line = lines[i]
            # CommonMark: an indented opening fence removes that much indent from its lines.
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            i += 1
        i += 1  # the closing fence (or the end of an unclosed block)
        blocks.append(_Block(_tag(match["info"]), _dedent(body)))
    return blocks, prose


def _whole_reply_block(text: str) -> tuple[list[_Block], list[str]] | None:
    """The usual reply, one ``` block and nothing else, read without walking
    its lines (the same result as `_fenced_blocks`; None for anything else)."""
    if not text.startswith("```") or text.count("`") != 6 or "~~~" in text:
        return None
    head_end = text.find("\n")
    end = text.rfind("```")
    if head_end < 0 or end <= head_end or text[end - 1] != "\n" or text[end + 3:].strip(" \n"):
        return None
    body = text[head_end + 1:end - 1]
    return [_Block(_tag(text[3:head_end]), _dedent(body.split("\n") if body else []))], [text[end + 3:]]


def _dedent(lines: list[str]) -> str:
    """`textwrap.dedent`, skipped in the common case of a block with a line at column 0."""
    text = "\n".join(lines)
    if any(line and not line[0].isspace() for line in lines):
        return text
    return textwrap.dedent(text)


def _parses(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes in prose
            return ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _looks_like_a_program(tree: ast.Module) -> bool:
    body = tree.body
    if not body:
        return False
    if len(body) > 1 or not isinstance(body[0], ast.Expr):
        return True
    active = (ast.Call, ast.Await, ast.ListComp, ast.DictComp, ast.GeneratorExp)
    return any(isinstance(node, active) for node in ast.walk(body[0]))


def _with_newline(code: str) -> str:
    return code if code.endswith("\n") else code + "\n"


def extract_code(reply: str) -> Extracted:
    """The program in `reply` (see the module's docstring for the rules)."""
    text = reply.replace("\r\n", "\n").replace("\r", "\n") if "\r" in reply else reply
    if "```" in text or "~~~" in text:
        whole = _whole_reply_block(text)
        blocks, prose_lines = whole if whole is not None else _fenced_blocks(text.split("\n"))
    else:
        blocks, prose_lines = [], [text]
    prose = "\n".join(prose_lines).strip()
    tagged = [b for b in blocks if b.tag in PYTHON_TAGS]
    chosen = tagged or [b for b in blocks if b.tag == ""]
    chosen = [b for b in chosen if b.text.strip()]
    if chosen:
        code = "\n\n".join(b.text.strip("\n") for b in chosen)
        return Extracted(_with_newline(code), "fenced", prose, len(chosen))
    if blocks:
        return Extracted(None, "none", text.strip(), 0)
    stripped = textwrap.dedent(text).strip("\n")
    tree = _parses(stripped) if stripped.strip() else None
    if tree is not None and _looks_like_a_program(tree):
        return Extracted(_with_newline(stripped), "bare", "", 0)
    return Extracted(None, "none", text.strip(), 0)
