"""`sandbox-lint check [PATHS]`: check files and folders, fix them, report (the default verb).

Exit codes: 0 clean, 1 findings (after fixes: remaining findings; with
`--diff`: fixes to make), 2 usage, configuration, I/O or internal error.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import multiprocessing
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..config import ConfigError, FileConfig, Overrides, Resolver, load_interface, parse_code_option
from ..diagnostics import Diagnostic
from ..files import Target, collect_targets, decode, encode, write_atomically
from ..gitignore import GitIgnore
from .watch import watch
from ..fixes import apply_fixes
from ..lines import split_lines_keepends
from ..output import FORMATS, FileResult, coverage_summary, format_statistics, format_text, render, script_hints

PROG = "sandbox-lint"


def debug_enabled() -> bool:
    return os.environ.get("SANDBOX_LINT_DEBUG", "") not in ("", "0")


def error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check", help="check files (the default command)", description="Check files and folders (folders are walked for *.py).")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; `-` reads standard input (default: .)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: apply unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff instead of writing them (exit 1 if any)")
    check.add_argument("--select", action="append", metavar="CODES", help="comma list of codes or prefixes (or ALL) to check, instead of the configured select and ignore")
    check.add_argument("--ignore", action="append", metavar="CODES", help="comma list of codes or prefixes to skip, in addition to the configured ignore")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per code instead of the findings")
    check.add_argument("--output-format", choices=FORMATS, default="text", help="text (default), json, sarif, github or llm")
    check.add_argument("--script", action="store_true", help="check every file as a whole sandbox script (script mode)")
    check.add_argument("--interface", metavar="STUB", help="interface stub (.pyi) of tasks and inputs; implies --script")
    check.add_argument("--stdin-filename", metavar="NAME", help="name of the file read from standard input (for messages and configuration)")
    check.add_argument("--config", metavar="PYPROJECT", help="use this pyproject.toml instead of searching upward")
    check.add_argument("-q", "--quiet", action="store_true", help="print nothing when there is nothing to report")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (errors still exit 2)")
    check.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("-w", "--watch", action="store_true", help="check again whenever a checked file, folder or configuration changes (Ctrl-C stops)")
    check.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", help="walk folders without skipping what .gitignore files exclude")
    check.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: one per core from 16 files on; 1 checks in this process)")
    check.set_defaults(handler=command_check)


@dataclass
class Outcome:
    """What checking one target produced."""

    result: FileResult
    fixed: int = 0
    diff: str = ""
    stdin_output: bytes | None = None  # standard input with --fix: the source to print


def _unified_diff(before: str, after: str, name: str) -> str:
    lines = []
    for line in difflib.unified_diff(
        split_lines_keepends(before), split_lines_keepends(after), fromfile=name, tofile=name
    ):
        lines.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def check_target(target: Target, data: bytes, fc: FileConfig, args: argparse.Namespace) -> Outcome:
    echo = data if target.path is None and args.fix and not args.diff else None
    decoded = decode(data)
    if isinstance(decoded, Diagnostic):
        found = [decoded] if fc.settings.enabled("SBX900") and fc.keep("SBX900") else []
        return Outcome(FileResult(target.display, tuple(found)), stdin_output=echo)
    text = decoded.text
    if not (args.fix or args.diff):
        report = fc.report(text)
        return Outcome(FileResult(target.display, report.diagnostics, report.coverage))
    fixed, count = apply_fixes(text, fc.check, unsafe=args.unsafe_fixes)
    report = fc.report(fixed)
    outcome = Outcome(
        FileResult(target.display, report.diagnostics, report.coverage), fixed=count if fixed != text else 0, stdin_output=echo
    )
    if fixed == text:
        return outcome
    if args.diff:
        outcome.diff = _unified_diff(text, fixed, target.display)
    elif target.path is None:
        outcome.stdin_output = encode(fixed, decoded)
    else:
        write_atomically(target.path, encode(fixed, decoded))
    return outcome


def _read(target: Target) -> bytes:
    if target.path is None:
        return sys.stdin.buffer.read()
    return target.path.read_bytes()


# Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 16


def jobs_for(requested: int | None, files: int) -> int:
    """Worker processes for `files` files: `--jobs`, else one per usable core."""
    if requested is not None:
        return max(1, min(requested, files))
    if files < PARALLEL_FROM:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, files))


@dataclass(frozen=True)
class _Work:
    """What a worker needs to check files the way this process would."""

    config_path: Path | None
    overrides: Overrides
    args: argparse.Namespace


_worker: tuple[Resolver, argparse.Namespace] | None = None


def _start_worker(work: _Work) -> None:
    global _worker
    _worker = (Resolver(config_path=work.config_path, overrides=work.overrides), work.args)


def _check_in_worker(target: Target) -> tuple[Outcome | None, str | None]:
    assert _worker is not None
    resolver, args = _worker
    return _check_one(target, resolver, args)


def _check_one(target: Target, resolver: Resolver, args: argparse.Namespace) -> tuple[Outcome | None, str | None]:
    """One file: its outcome, or the one-line error that replaces it."""
    try:
        data = _read(target)
    except OSError as exc:
        return None, f"{target.display}: cannot read: {exc.strerror or exc}"
    try:
        fc = resolver.resolve(target.config_path, stdin=target.path is None and args.stdin_filename is None)
        return check_target(target, data, fc, args), None
    except ConfigError:
        raise
    except OSError as exc:
        return None, f"{target.display}: cannot write the fixes: {exc.strerror or exc}"
    except Exception as exc:  # a bug: one clear line, keep checking the other files
        if debug_enabled():
            traceback.print_exc()
        return None, (
            f"{target.display}: internal error: {type(exc).__name__}: {exc} "
            "(please report it; SANDBOX_LINT_DEBUG=1 shows the traceback)"
        )


def _check_all(targets: list[Target], work: _Work, resolver: Resolver, jobs: int) -> list[tuple[Outcome | None, str | None]]:
    """Every target's outcome, in order; across `jobs` processes when there are several."""
    if jobs <= 1 or any(target.path is None for target in targets):
        return [_check_one(target, resolver, work.args) for target in targets]
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, min(32, len(targets) // (jobs * 4)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(work,)) as pool:
        return list(pool.map(_check_in_worker, targets, chunksize=chunk))


def command_check(args: argparse.Namespace) -> int:
    if args.watch:
        return watch(args, check_once)
    return check_once(args)


def check_once(args: argparse.Namespace, watched: set[str] | None = None) -> int:
    """One check of the command line's paths; `watched` collects the files and
    folders it read (for `--watch`)."""
    select = parse_code_option(args.select, "--select")
    ignore = parse_code_option(args.ignore, "--ignore")
    interface = load_interface(Path(args.interface), origin="--interface") if args.interface else None
    overrides = Overrides(select=select, ignore=ignore, script=args.script, interface=interface)
    config_path = Path(args.config) if args.config else None
    resolver = Resolver(config_path=config_path, overrides=overrides)
    errors: list[str] = []
    gitignore = GitIgnore() if args.respect_gitignore else None
    targets = collect_targets(args.paths, args.stdin_filename, resolver, errors, gitignore=gitignore, folders=watched)
    if watched is not None:
        for target in targets:
            if target.path is not None:
                watched.add(str(target.path))
                stub = resolver.project(target.config_path).interface_path
                if stub is not None:
                    watched.add(str(stub))
    for warning in gitignore.warnings if gitignore is not None else ():
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be 1 or more, got {args.jobs}")
    jobs = jobs_for(args.jobs, len(targets))
    outcomes: list[Outcome] = []
    for outcome, problem in _check_all(targets, _Work(config_path, overrides, args), resolver, jobs):
        if outcome is not None:
            outcomes.append(outcome)
        if problem is not None:
            errors.append(problem)
    for message in errors:
        error(message)
    if not targets and not errors:
        print(f"{PROG}: warning: no Python files found under {', '.join(args.paths) or '.'}", file=sys.stderr)

    results = [outcome.result for outcome in outcomes]
    remaining = sum(len(r.diagnostics) for r in results)
    fixed = sum(outcome.fixed for outcome in outcomes)
    out = sys.stdout
    # `--output-file`: what stdout would carry (findings, statistics, the diff),
    # written at the end in one piece like a fix; notes stay on stderr.
    report_file = io.StringIO() if args.output_file is not None else None

    if args.diff:
        diffs = "".join(outcome.diff for outcome in outcomes)
        (report_file or out).write(diffs)
        changed = sum(1 for outcome in outcomes if outcome.diff)
        if changed:
            print(f"Would fix {fixed} problem{'s' * (fixed != 1)} in {changed} file{'s' * (changed != 1)}.", file=sys.stderr)
        else:
            print("No fixes to make.", file=sys.stderr)
        if not _write_report(args.output_file, report_file):
            return 2
        return 2 if errors else (1 if changed and not args.exit_zero else 0)

    report_stream: TextIO = report_file or out
    if args.fix and any(outcome.stdin_output is not None for outcome in outcomes):
        # `--fix` on standard input prints the (fixed) source; findings go to stderr
        # (or to the output file).
        if report_file is None:
            report_stream = sys.stderr
        for outcome in outcomes:
            if outcome.stdin_output is not None:
                out.flush()
                out.buffer.write(outcome.stdin_output)
                out.flush()

    if args.statistics:
        if args.output_format == "json":
            report_stream.write(_statistics_json(results))
        else:
            report_stream.write(format_statistics(results))
    elif args.output_format == "text":
        text = format_text(results, unsafe_fixes=args.unsafe_fixes, fixed=fixed, errors=len(errors))
        if not (args.quiet and remaining == 0):
            report_stream.write(text)
    else:
        report_stream.write(render(args.output_format, results, unsafe_fixes=args.unsafe_fixes))
        if args.output_format != "llm" and not args.quiet:
            # Machine formats keep their shape on stdout; what was checked goes to stderr.
            covered = coverage_summary(results) or "nothing was checked"
            print(f"{PROG}: {covered}", file=sys.stderr)
            for hint in script_hints(results):
                print(f"{PROG}: {hint}", file=sys.stderr)
    report_stream.flush()
    if not _write_report(args.output_file, report_file):
        return 2
    if errors:
        return 2
    return 1 if remaining and not args.exit_zero else 0


def _write_report(name: str | None, report: io.StringIO | None) -> bool:
    """Write `--output-file` (creating its folder): False, after an error line, when it cannot be."""
    if name is None or report is None:
        return True
    if not name:
        error("--output-file needs a file name")
        return False
    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, report.getvalue().encode("utf-8"))
    except OSError as exc:
        error(f"{name}: cannot write the report: {exc.strerror or exc}")
        return False
    return True


def _statistics_json(results: Sequence[FileResult]) -> str:
    counts: dict[str, dict[str, object]] = {}
    for result in results:
        for d in result.diagnostics:
            row = counts.setdefault(d.code, {"code": d.code, "name": d.name, "count": 0, "fixable": False})
            row["count"] = int(str(row["count"])) + 1
            row["fixable"] = bool(row["fixable"]) or d.fix is not None
    rows = sorted(counts.values(), key=lambda row: (-int(str(row["count"])), str(row["code"])))
    return json.dumps(rows, indent=2) + "\n"
