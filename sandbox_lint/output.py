"""Renderers: diagnostics → text for people, CI systems, editors and models.

Pure functions over `FileResult`s (a file name and its diagnostics); the CLI
picks one by `--output-format`. Positions are the core's: 1-based lines and
1-based columns in code points, end columns exclusive.

- `text`: `path:line:col: CODE message`, sorted, then a summary line.
- `json`: ruff's JSON shape, so tools that read ruff's output read this.
- `sarif`: SARIF 2.1.0 with every rule's docs and the fixes.
- `github`: GitHub Actions workflow commands (`::error file=…`).
- `llm`: one plain-words line per finding, made to be fed back to a model.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .diagnostics import Diagnostic, Edit
from .units import Coverage
from .rules import RULES_BY_CODE
from .rules.base import Rule

TOOL_NAME = "sandbox-lint"
INFORMATION_URI = "https://github.com/sandbox-lint/sandbox-lint"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

FORMATS = ("text", "json", "sarif", "github", "llm")


@dataclass(frozen=True)
class FileResult:
    """The diagnostics of one checked file, under the name shown to the user,
    and how much sandbox code it held (None: not known, e.g. unreadable)."""

    filename: str
    diagnostics: tuple[Diagnostic, ...]
    coverage: Coverage | None = None


def coverage_summary(results: Sequence[FileResult]) -> str:
    """What was checked, in words: "checked 2 orchestrators and 1 script in 3 files"
    and/or "no sandbox code in 4 files" (empty when nothing is known)."""
    known = [r for r in results if r.coverage is not None]
    with_code = [r for r in known if r.coverage is not None and (r.coverage.units or r.coverage.tasks)]
    parts = []
    if with_code:
        counts = [
            (sum(r.coverage.orchestrators for r in with_code if r.coverage), "orchestrator"),
            (sum(r.coverage.code_strings for r in with_code if r.coverage), "code string"),
            (sum(r.coverage.scripts for r in with_code if r.coverage), "script"),
            (sum(r.coverage.tasks for r in with_code if r.coverage), "task signature"),
        ]
        named = [_plural(count, word) for count, word in counts if count]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        parts.append(f"checked {listed} in {_plural(len(with_code), 'file')}")
    without = len(known) - len(with_code)
    if without:
        parts.append(f"no sandbox code in {_plural(without, 'file')}")
    return "; ".join(parts)


def script_hints(results: Sequence[FileResult]) -> list[str]:
    """One line per host file with no sandbox code that reads like a sandbox script."""
    return [
        f"hint: {r.filename} has no orchestrator or code string but reads like a sandbox script: check it "
        f"with `sandbox-lint check --script {r.filename}`, or add it to `scripts` in [tool.sandbox-lint]"
        for r in sorted(results, key=lambda r: r.filename)
        if r.coverage is not None and not r.coverage.units and r.coverage.script_like
    ]


def _sorted(results: Iterable[FileResult]) -> list[tuple[str, Diagnostic]]:
    pairs = [(r.filename, d) for r in results for d in r.diagnostics]
    pairs.sort(key=lambda pair: (pair[0], pair[1].sort_key, pair[1].end_line, pair[1].end_column, pair[1].message))
    return pairs


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code)


# ---------------------------------------------------------------- text


def format_text(
    results: Sequence[FileResult], *, unsafe_fixes: bool = False, fixed: int = 0, errors: int = 0
) -> str:
    """`path:line:col: CODE message` lines, sorted, and a summary: what was found,
    what was checked (never "All checks passed!" for files that held no
    sandbox code, or when some could not be read), and hints.

    `fixed` is how many findings `--fix` already fixed (the summary says so);
    `errors` how many paths could not be read or checked.
    """
    pairs = _sorted(results)
    lines = [f"{name}:{d.line}:{d.column}: {d.code} {d.message}" for name, d in pairs]
    covered = coverage_summary(results)
    tail = [*script_hints(results)]
    unknown = all(r.coverage is None for r in results)  # a caller that did not say what was checked
    if not pairs:
        if fixed:
            head = f"Found {_plural(fixed, 'problem')} ({fixed} fixed, 0 remaining)."
        elif errors:
            head = f"No problems found in the files that could be read ({_plural(errors, 'error')} above)."
        elif unknown or (covered and covered.startswith("checked")):
            head = "All checks passed!"
        elif results:
            head = f"No sandbox code found in {_plural(len(results), 'file')}: nothing was checked."
            covered = ""
        else:
            head = "No files were checked."
        summary = head + (f" {covered[0].upper()}{covered[1:]}." if covered else "")
        return "\n".join([summary, *tail]) + "\n"
    if fixed:
        summary = f"Found {_plural(len(pairs) + fixed, 'problem')} ({fixed} fixed, {len(pairs)} remaining)."
    else:
        summary = f"Found {_plural(len(pairs), 'problem')}."
    safe = sum(1 for _, d in pairs if d.fix is not None and d.fix.applicability == "safe")
    unsafe = sum(1 for _, d in pairs if d.fix is not None and d.fix.applicability == "unsafe")
    if unsafe_fixes and safe + unsafe:
        summary += f" {safe + unsafe} fixable with `--fix --unsafe-fixes`."
    elif safe:
        summary += f" {safe} fixable with `--fix`"
        summary += f" ({unsafe} more with `--unsafe-fixes`)." if unsafe else "."
    elif unsafe:
        summary += f" {unsafe} fixable with `--fix --unsafe-fixes`."
    lines.append(summary)
    if covered:
        lines.append(f"{covered[0].upper()}{covered[1:]}.")
    lines.extend(tail)
    return "\n".join(lines) + "\n"


def format_statistics(results: Sequence[FileResult]) -> str:
    """Count per code, most frequent first (ruff's `--statistics`)."""
    pairs = _sorted(results)
    counts = Counter(d.code for _, d in pairs)
    names = {d.code: d.name for _, d in pairs}
    fixable = {d.code for _, d in pairs if d.fix is not None and d.fix.applies}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(count)) for _, count in rows), default=1)
    code_width = max((len(code) for code, _ in rows), default=6)
    out = []
    for code, count in rows:
        marker = "[*]" if code in fixable else "[ ]"
        out.append(f"{count:>{width}}\t{code:<{code_width}}\t{marker} {names[code]}")
    return "\n".join(out) + ("\n" if out else "")


# ---------------------------------------------------------------- json


def _location(line: int, column: int) -> dict[str, int]:
    return {"row": line, "column": column}


def _json_edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": _location(edit.line, edit.column),
        "end_location": _location(edit.end_line, edit.end_column),
    }


def json_items(results: Sequence[FileResult]) -> list[dict[str, Any]]:
    """ruff's JSON objects, as Python values. A fix's `applicability` is
    "safe", "unsafe" or "display" (a suggested rewrite, never applied)."""
    items = []
    for name, d in _sorted(results):
        rule = _rule(d.code)
        fix = None
        if d.fix is not None:
            fix = {
                "applicability": d.fix.applicability,
                "message": d.fix.message,
                "edits": [_json_edit(edit) for edit in d.fix.edits],
            }
        items.append(
            {
                "cell": None,
                "code": d.code,
                "name": d.name,
                "message": d.message,
                "filename": name,
                "location": _location(d.line, d.column),
                "end_location": _location(d.end_line, d.end_column),
                "fix": fix,
                "url": rule.url() if rule is not None else None,
                "noqa_row": d.line,
            }
        )
    return items


def format_json(results: Sequence[FileResult]) -> str:
    return json.dumps(json_items(results), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- sarif


def _artifact(filename: str) -> dict[str, str]:
    """A relative path stays relative to %SRCROOT% (the working directory)."""
    path = Path(filename)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _section(docs: str, title: str) -> str:
    """The text under `## title` in a rule's docs, as one paragraph."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", docs, re.S | re.M)
    return " ".join(match.group(1).split()) if match else ""


def _sarif_rule(rule: type[Rule]) -> dict[str, Any]:
    docs = rule.docs()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _section(docs, "What it does") or rule.summary},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": [rule.category]},
    }


def sarif_log(results: Sequence[FileResult], *, cwd: Path | None = None) -> dict[str, Any]:
    """The SARIF 2.1.0 log as Python values: one run, every rule, every result."""
    from . import __version__

    rules = list(RULES_BY_CODE.values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    sarif_results = []
    for name, d in _sorted(results):
        artifact = _artifact(name)
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": "error",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": _region(d.line, d.column, d.end_line, d.end_column),
                    }
                }
            ],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.fix is not None:  # display fixes too: SARIF fixes are proposals; `applicability` says which
            result["fixes"] = [
                {
                    "description": {"text": d.fix.message},
                    "artifactChanges": [
                        {
                            "artifactLocation": artifact,
                            "replacements": [
                                {
                                    "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                                    "insertedContent": {"text": e.content},
                                }
                                for e in d.fix.edits
                            ],
                        }
                    ],
                    "properties": {"applicability": d.fix.applicability},
                }
            ]
        sarif_results.append(result)
    root = (cwd or Path.cwd()).resolve()
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": INFORMATION_URI,
                        "version": __version__,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                # Our columns count code points, not SARIF's default UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
                "results": sarif_results,
            }
        ],
    }


def format_sarif(results: Sequence[FileResult], *, cwd: Path | None = None) -> str:
    return json.dumps(sarif_log(results, cwd=cwd), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- github


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions annotations, one `::error` command per finding."""
    out = []
    for name, d in _sorted(results):
        props = ",".join(
            [
                f"file={_escape_property(name)}",
                f"line={d.line}",
                f"col={d.column}",
                f"endLine={d.end_line}",
                f"endColumn={d.end_column}",
                f"title={_escape_property(f'{d.code} {d.name}')}",
            ]
        )
        out.append(f"::error {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(out) + ("\n" if out else "")


# ---------------------------------------------------------------- llm

_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


def _one_line(message: str) -> str:
    """The message on one line, whole: nothing is cut (the rules quote code on
    one line already, eliding whole sub-expressions to `...` when long)."""
    return _LINE_BREAK.sub(" ", message.strip())


def format_llm(diagnostics: Sequence[Diagnostic], filename: str = "<sandbox>") -> str:
    """Findings in plain words for a model to read and fix, one line each.

    The runtime gate puts this text in `RejectedError`; deterministic for the
    same findings (sorted, duplicates dropped).
    """
    if not diagnostics:
        return f"{filename}: no problems found.\n"
    lines: list[str] = []
    seen: set[str] = set()
    for d in sorted(diagnostics, key=lambda d: (d.sort_key, d.message)):
        line = f"line {d.line}: {_one_line(d.message)} [{d.code}]"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    header = (
        f"{filename}: {_plural(len(lines), 'problem')} found, so the program was not run. "
        "Fix every line listed below and send the whole program again:"
    )
    return "\n".join([header, *lines]) + "\n"


def format_llm_files(results: Sequence[FileResult]) -> str:
    """`format_llm` for several files: a block per file with problems, then what was checked."""
    with_problems = sorted((r for r in results if r.diagnostics), key=lambda r: r.filename)
    covered = coverage_summary(results)
    if not with_problems:
        if covered and covered.startswith("checked"):
            return f"no problems found ({covered}).\n"
        if all(r.coverage is None for r in results):
            return f"no problems found in {_plural(len(results), 'file')}.\n"
        return f"no sandbox code found in {_plural(len(results), 'file')}: nothing was checked.\n"
    blocks = "".join(format_llm(r.diagnostics, r.filename) for r in with_problems)
    return blocks + (f"({covered}.)\n" if covered else "")


def render(output_format: str, results: Sequence[FileResult], *, unsafe_fixes: bool = False) -> str:
    """The CLI's dispatch from `--output-format` to a renderer."""
    if output_format == "text":
        return format_text(results, unsafe_fixes=unsafe_fixes)
    if output_format == "json":
        return format_json(results)
    if output_format == "sarif":
        return format_sarif(results)
    if output_format == "github":
        return format_github(results)
    if output_format == "llm":
        return format_llm_files(results)
    raise ValueError(f"unknown output format {output_format!r}: choose one of {', '.join(FORMATS)}")
