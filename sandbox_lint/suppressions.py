"""`# noqa` comments: which findings they suppress, and what they did.

    x += 1  # noqa: SBX103        suppresses SBX103 on this line
    x += 1  # noqa                suppresses every finding on this line

Codes match by prefix, as `--select` does (`# noqa: SBX1`). Other tools'
codes in the same comment (`# noqa: E501, SBX103`) are theirs: only `SBX`
codes are judged. Each comment becomes a `Suppression` saying what it
suppressed, which of its codes name no rule, which suppressed nothing, and
whether its line is sandbox code the runtime checks anyway (the gate ignores
`# noqa`); the rules' `check_noqa` hooks report on those (SBX602, SBX603).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .lines import split_lines

NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
OWN_PREFIX = "SBX"


@dataclass(frozen=True)
class NoqaComment:
    """A `# noqa` comment: where it is and the codes it names (None: every code)."""

    line: int
    column: int  # 1-based, where `#` is
    end_column: int
    codes: tuple[str, ...] | None


@dataclass(frozen=True)
class Suppression:
    """One `# noqa` comment and what it did to one check's findings.

    `unknown` are its `SBX` codes that no rule has; `unused` its known `SBX`
    codes that suppressed nothing (codes of the rules about `# noqa` comments
    are theirs to judge: `lists(code)`); `idle` is True for a bare `# noqa`
    that suppressed nothing. `enforced` says the line is sandbox code the
    runtime gate checks whatever the comment says.
    """

    comment: NoqaComment
    suppressed: tuple[Diagnostic, ...]
    unknown: tuple[str, ...]
    unused: tuple[str, ...]
    idle: bool
    enforced: bool
    overridden: tuple[Diagnostic, ...] = ()
    """The suppressed findings the runtime refuses anyway (rules it enforces)."""

    def lists(self, code: str) -> bool:
        """Whether the comment names `code` (or a prefix of it)."""
        return self.comment.codes is not None and any(code.startswith(listed) for listed in self.comment.codes)


def noqa_comments(source: str) -> dict[int, NoqaComment]:
    """Line -> its `# noqa` comment."""
    found: dict[int, NoqaComment] = {}
    if "noqa" not in source and "NOQA" not in source.upper():
        return found
    for number, text in enumerate(split_lines(source), start=1):
        if "#" not in text:
            continue
        match = NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        listed = None if codes is None else tuple(re.split(r"[,\s]+", codes.upper().strip()))
        found[number] = NoqaComment(number, match.start() + 1, match.end() + 1, listed)
    return found


def noqa_lines(source: str) -> dict[int, frozenset[str] | None]:
    """Line -> the codes suppressed there (None: every code)."""
    return {line: None if c.codes is None else frozenset(c.codes) for line, c in noqa_comments(source).items()}


def _matches(code: str, listed: str) -> bool:
    return code.startswith(listed)


def suppress(
    source: str,
    diagnostics: Sequence[Diagnostic],
    known_codes: Sequence[str],
    enforced: Callable[[int], bool],
    enforced_rule: Callable[[str], bool],
    judged_elsewhere: Sequence[str] = (),
) -> tuple[list[Diagnostic], list[Suppression]]:
    """The diagnostics no comment suppresses, and what each comment did.

    `judged_elsewhere`: codes of the rules about `# noqa` comments, never
    counted as unused here (those rules say whether their code was needed)."""
    comments = noqa_comments(source)
    if not comments:
        return list(diagnostics), []
    kept: list[Diagnostic] = []
    by_line: dict[int, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        comment = comments.get(diagnostic.line)
        if comment is not None and (
            comment.codes is None or any(_matches(diagnostic.code, code) for code in comment.codes)
        ):
            by_line.setdefault(diagnostic.line, []).append(diagnostic)
        else:
            kept.append(diagnostic)
    suppressions = []
    for line, comment in comments.items():
        suppressed = tuple(by_line.get(line, ()))
        unknown: list[str] = []
        unused: list[str] = []
        for code in comment.codes or ():
            if not code.startswith(OWN_PREFIX):
                continue  # another tool's code
            if not any(_matches(rule_code, code) for rule_code in known_codes):
                unknown.append(code)
            elif any(_matches(own, code) for own in judged_elsewhere):
                continue
            elif not any(_matches(d.code, code) for d in suppressed):
                unused.append(code)
        idle = comment.codes is None and not suppressed
        overridden = tuple(d for d in suppressed if enforced_rule(d.code))
        suppressions.append(
            Suppression(comment, suppressed, tuple(unknown), tuple(unused), idle, enforced(line), overridden)
        )
    return kept, suppressions
