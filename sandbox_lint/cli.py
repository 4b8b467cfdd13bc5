"""The `sandbox-lint` command: a thin shell over the checker's pure core.

    sandbox-lint [check] [PATHS] [--fix] [--diff] [--output-format FORMAT] ...
    sandbox-lint rule SBX103 | rule --all
    sandbox-lint run FILE [--tasks MODULE:ENV] [--input NAME=VALUE ...]
    sandbox-lint stubs MODULE:ENV
    sandbox-lint lsp [--tcp HOST:PORT]

Exit codes: 0 clean, 1 findings (after fixes: remaining findings; with
`--diff`: fixes to make), 2 usage, configuration, I/O or internal error.
Files are read as bytes: a file that does not decode is an SBX900 finding at
the bad byte, never a traceback. Fixes are written atomically (temporary file
+ rename) with the file's encoding, BOM and newline style kept.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import io
import json
import os
import re
import sys
import tempfile
import tokenize
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__
from .config import ConfigError, FileConfig, Overrides, Resolver, load_interface, parse_code_option
from .diagnostics import Diagnostic
from .fixes import apply_fixes
from .lines import split_lines_keepends
from .output import FORMATS, FileResult, format_statistics, format_text, render
from .rules import RULES_BY_CODE
from .rules.base import Rule

PROG = "sandbox-lint"
COMMANDS = ("check", "rule", "run", "stubs", "lsp")
STDIN_NAME = "<stdin>"

# Folders a directory walk never enters (files named on the command line are still checked).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
        "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
    }
)


class UsageError(Exception):
    """A mistake on the command line: one line on stderr, exit code 2."""


def _debug() -> bool:
    return os.environ.get("SANDBOX_LINT_DEBUG", "") not in ("", "0")


def _error(message: str, stream: TextIO | None = None) -> None:
    print(f"{PROG}: error: {message}", file=stream or sys.stderr)


# ---------------------------------------------------------------- reading and writing files


@dataclass(frozen=True)
class Decoded:
    """A file's text and how to write it back byte-for-byte the same way."""

    text: str
    encoding: str  # codec name; "utf-8-sig" keeps a BOM


def _decode_failure(data: bytes, start: int, encoding: str, reason: str) -> Diagnostic:
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    prefix = data[line_start:start]
    if line == 1 and prefix.startswith(codecs.BOM_UTF8):
        prefix = prefix[len(codecs.BOM_UTF8) :]
    column = len(prefix.decode(encoding, errors="replace")) + 1
    byte = data[start : start + 1].hex()
    name = "UTF-8" if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig") else encoding
    message = f"the file is not valid {name} ({reason} at byte 0x{byte}): save it as UTF-8"
    return Diagnostic("SBX900", RULES_BY_CODE["SBX900"].name, message, line, column, line, column + 1)


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]")


def decode(data: bytes) -> Decoded | Diagnostic:
    """Bytes → text per PEP 263 (BOM, coding cookie, default UTF-8), or an SBX900 finding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        first_lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n", 2)[:2]
        cookie_line = next((n for n, line in enumerate(first_lines, 1) if _COOKIE.match(line)), None)
        if cookie_line is None:
            # No declaration: the first lines are not UTF-8; report the bad byte below.
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        else:
            if data.startswith(codecs.BOM_UTF8):
                reason = "the file starts with a UTF-8 byte-order mark but declares another encoding"
            else:
                reason = f"invalid encoding declaration ({exc.msg})"
            message = f"{reason}: declare `# -*- coding: utf-8 -*-` or remove the declaration"
            return Diagnostic("SBX900", RULES_BY_CODE["SBX900"].name, message, cookie_line, 1, cookie_line, 2)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts positions after the BOM it dropped.
        start = exc.start + (len(codecs.BOM_UTF8) if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0)
        return _decode_failure(data, start, encoding, exc.reason)
    return Decoded(text, encoding)


def encode(fixed: str, decoded: Decoded) -> bytes:
    """Fixes already write line breaks in the file's own style (`fixes.py`)."""
    return fixed.encode(decoded.encoding)


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: never a half-written file."""
    target = path.resolve()  # through symlinks: replace the file, not the link
    mode = target.stat().st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".sandbox-lint.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------- finding files


@dataclass(frozen=True)
class Target:
    """One thing to check: a file (`path`) or standard input (`path` None)."""

    display: str
    path: Path | None
    config_path: Path  # where configuration is looked up (stdin: --stdin-filename or cwd)


def _is_virtualenv(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def collect_targets(
    paths: Sequence[str], stdin_filename: str | None, resolver: Resolver, errors: list[str]
) -> list[Target]:
    """Expand the command line's paths into files (walking folders for `*.py`)."""
    if not paths:
        paths = ["-"] if stdin_filename is not None else ["."]
    targets: list[Target] = []
    seen: set[str] = set()

    def add(display: str, path: Path) -> None:
        key = os.path.abspath(path)
        if key in seen:
            return
        seen.add(key)
        targets.append(Target(display, path, path))

    for arg in paths:
        if arg == "-":
            name = stdin_filename or STDIN_NAME
            where = Path(stdin_filename) if stdin_filename else Path.cwd()
            targets.append(Target(name, None, where))
            continue
        path = Path(arg)
        if path.is_dir():
            for file in _walk(arg, resolver):
                add(os.path.normpath(file), Path(file))
        elif path.exists() or path.is_symlink():
            if not resolver.project(path).is_excluded(path):
                add(arg, path)
        else:
            errors.append(f"{arg}: no such file or directory")
    return targets


def _walk(root: str, resolver: Resolver) -> Iterator[str]:
    """`*.py` files under `root`, sorted, skipping tool folders and `exclude` globs."""
    for folder, dirs, files in os.walk(root):
        project = resolver.project(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not _is_virtualenv(os.path.join(folder, d))
            and not (project.exclude and project.is_excluded(os.path.join(folder, d)))
        )
        for name in sorted(files):
            if name.endswith(".py"):
                file = os.path.join(folder, name)
                if not (project.exclude and project.is_excluded(file)):
                    yield file


# ---------------------------------------------------------------- check


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
        return Outcome(FileResult(target.display, tuple(fc.check(text))))
    fixed, count = apply_fixes(text, fc.check, unsafe=args.unsafe_fixes)
    remaining = tuple(fc.check(fixed))
    outcome = Outcome(FileResult(target.display, remaining), fixed=count if fixed != text else 0, stdin_output=echo)
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


def command_check(args: argparse.Namespace) -> int:
    select = parse_code_option(args.select, "--select")
    ignore = parse_code_option(args.ignore, "--ignore")
    interface = load_interface(Path(args.interface), origin="--interface") if args.interface else None
    overrides = Overrides(select=select, ignore=ignore, script=args.script, interface=interface)
    resolver = Resolver(config_path=Path(args.config) if args.config else None, overrides=overrides)
    errors: list[str] = []
    targets = collect_targets(args.paths, args.stdin_filename, resolver, errors)
    outcomes: list[Outcome] = []
    for target in targets:
        try:
            data = _read(target)
        except OSError as exc:
            errors.append(f"{target.display}: cannot read: {exc.strerror or exc}")
            continue
        try:
            fc = resolver.resolve(target.config_path, stdin=target.path is None and args.stdin_filename is None)
            outcomes.append(check_target(target, data, fc, args))
        except ConfigError:
            raise
        except OSError as exc:
            errors.append(f"{target.display}: cannot write the fixes: {exc.strerror or exc}")
        except Exception as exc:  # a bug: one clear line, keep checking the other files
            if _debug():
                traceback.print_exc()
            errors.append(
                f"{target.display}: internal error: {type(exc).__name__}: {exc} "
                "(please report it; SANDBOX_LINT_DEBUG=1 shows the traceback)"
            )
    for message in errors:
        _error(message)
    if not targets and not errors:
        print(f"{PROG}: warning: no Python files found under {', '.join(args.paths) or '.'}", file=sys.stderr)

    results = [outcome.result for outcome in outcomes]
    remaining = sum(len(r.diagnostics) for r in results)
    fixed = sum(outcome.fixed for outcome in outcomes)
    out = sys.stdout

    if args.diff:
        diffs = "".join(outcome.diff for outcome in outcomes)
        out.write(diffs)
        changed = sum(1 for outcome in outcomes if outcome.diff)
        if changed:
            print(f"Would fix {fixed} problem{'s' * (fixed != 1)} in {changed} file{'s' * (changed != 1)}.", file=sys.stderr)
        else:
            print("No fixes to make.", file=sys.stderr)
        return 2 if errors else (1 if changed else 0)

    report_stream = out
    if args.fix and any(outcome.stdin_output is not None for outcome in outcomes):
        # `--fix` on standard input prints the (fixed) source; findings go to stderr.
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
        text = format_text(results, unsafe_fixes=args.unsafe_fixes, fixed=fixed)
        if not (args.quiet and remaining == 0):
            report_stream.write(text)
    else:
        report_stream.write(render(args.output_format, results, unsafe_fixes=args.unsafe_fixes))
    report_stream.flush()
    if errors:
        return 2
    return 1 if remaining else 0


def _statistics_json(results: Sequence[FileResult]) -> str:
    counts: dict[str, dict[str, object]] = {}
    for result in results:
        for d in result.diagnostics:
            row = counts.setdefault(d.code, {"code": d.code, "name": d.name, "count": 0, "fixable": False})
            row["count"] = int(str(row["count"])) + 1
            row["fixable"] = bool(row["fixable"]) or d.fix is not None
    rows = sorted(counts.values(), key=lambda row: (-int(str(row["count"])), str(row["code"])))
    return json.dumps(rows, indent=2) + "\n"


# ---------------------------------------------------------------- rule


def _fix_availability(rule: type[Rule]) -> str:
    if rule.fixable == "safe":
        return "Fix: safe (applied by `--fix`)."
    if rule.fixable == "unsafe":
        return "Fix: unsafe (applied by `--fix --unsafe-fixes`)."
    return "Fix: none."


def rule_text(rule: type[Rule]) -> str:
    return f"# {rule.code} {rule.name}\n\n{rule.summary}\n\n{_fix_availability(rule)}\n\n{rule.docs()}\n"


def find_rule(query: str) -> type[Rule]:
    key = query.strip()
    rule = RULES_BY_CODE.get(key.upper())
    if rule is not None:
        return rule
    for candidate in RULES_BY_CODE.values():
        if candidate.name == key.lower():
            return candidate
    choices = list(RULES_BY_CODE) + [r.name for r in RULES_BY_CODE.values()]
    close = difflib.get_close_matches(key.upper() if key[:1].isalpha() and key[-1:].isdigit() else key.lower(), choices, n=1, cutoff=0.5)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    raise UsageError(f"unknown rule `{query}`{hint}; `{PROG} rule --all` lists every rule")


def command_rule(args: argparse.Namespace) -> int:
    if args.all == bool(args.code):
        raise UsageError("give a rule code (`sandbox-lint rule SBX103`) or `--all`")
    rules = list(RULES_BY_CODE.values()) if args.all else [find_rule(args.code)]
    if args.output_format == "json":
        items = [
            {
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "category": rule.category,
                "fix": rule.fixable,
                "explanation": rule.docs(),
                "url": rule.url(),
            }
            for rule in rules
        ]
        sys.stdout.write(json.dumps(items if args.all else items[0], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(rule_text(rule) for rule in rules))
    return 0


# ---------------------------------------------------------------- run, stubs, lsp


def command_run(args: argparse.Namespace) -> int:
    from runtime.cli_commands import run_command

    return run_command(args.file, args.tasks, args.inputs or ())


def command_stubs(args: argparse.Namespace) -> int:
    from runtime.cli_commands import stubs_command

    return stubs_command(args.spec)


def command_lsp(argv: list[str]) -> int:
    """Hand the arguments to the language server's own parser (`--tcp`, `--config`, ...)."""
    try:
        from lsp.server import main as lsp_main
    except ModuleNotFoundError as exc:
        if exc.name in ("lsp", "lsp.server"):
            raise UsageError("the language server (package `lsp`) is not installed with this sandbox-lint") from None
        raise UsageError(f"the language server cannot start: missing module `{exc.name}`") from None
    return int(lsp_main(argv, prog=f"{PROG} lsp") or 0)


# ---------------------------------------------------------------- arguments


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        _error(message)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Check Python orchestration code against the sandbox language.",
        epilog="`sandbox-lint FILE` is short for `sandbox-lint check FILE`. Exit codes: 0 clean, 1 findings, 2 errors.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files (the default command)", description="Check files and folders (folders are walked for *.py).")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; `-` reads standard input (default: .)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: apply unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff instead of writing them (exit 1 if any)")
    check.add_argument("--select", action="append", metavar="CODES", help="comma list of codes or prefixes to check, instead of the configured select and ignore")
    check.add_argument("--ignore", action="append", metavar="CODES", help="comma list of codes or prefixes to skip, in addition to the configured ignore")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per code instead of the findings")
    check.add_argument("--output-format", choices=FORMATS, default="text", help="text (default), json, sarif, github or llm")
    check.add_argument("--script", action="store_true", help="check every file as a whole sandbox script (script mode)")
    check.add_argument("--interface", metavar="STUB", help="interface stub (.pyi) of tasks and inputs; implies --script")
    check.add_argument("--stdin-filename", metavar="NAME", help="name of the file read from standard input (for messages and configuration)")
    check.add_argument("--config", metavar="PYPROJECT", help="use this pyproject.toml instead of searching upward")
    check.add_argument("-q", "--quiet", action="store_true", help="print nothing when there is nothing to report")
    check.set_defaults(handler=command_check)

    rule = sub.add_parser("rule", help="print a rule's documentation", description="Print the documentation of a rule.")
    rule.add_argument("code", nargs="?", metavar="CODE", help="a rule code (SBX103) or name (augmented-assignment)")
    rule.add_argument("--all", action="store_true", help="print every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    rule.set_defaults(handler=command_rule)

    run = sub.add_parser("run", help="run a sandbox script (checked first)", description="Check and run a sandbox script in Monty; prints the result as JSON.")
    run.add_argument("file", metavar="FILE", help="the script (`-` reads standard input)")
    run.add_argument("--tasks", metavar="MODULE:ENV", help="the TaskEnvironment whose tasks the script may call")
    run.add_argument("--input", "-i", dest="inputs", action="append", metavar="NAME=VALUE", help="an input (VALUE read as JSON when it parses); repeatable")
    run.set_defaults(handler=command_run)

    stubs = sub.add_parser("stubs", help="print the interface stub of registered tasks", description="Print the interface stub (.pyi) of the tasks of a TaskEnvironment.")
    stubs.add_argument("spec", metavar="MODULE:ENV", help="e.g. `myapp.tasks:env` or `path/to/tasks.py:env`")
    stubs.set_defaults(handler=command_stubs)

    # `lsp` arguments go to the server's own parser (`sandbox-lint lsp --help`).
    sub.add_parser("lsp", help="start the language server (stdio; --tcp HOST:PORT)", add_help=False)
    return parser


def _with_default_command(argv: list[str]) -> list[str]:
    if not argv:
        return ["check"]
    if argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version"):
        return argv
    return ["check", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        if arguments[0] == "lsp":
            return command_lsp(arguments[1:])
        args = parser.parse_args(arguments)
        return int(args.handler(args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    except (UsageError, ConfigError) as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`); keep Python from complaining at exit.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 1
    except Exception as exc:
        if _debug():
            traceback.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc} (please report it; SANDBOX_LINT_DEBUG=1 shows the traceback)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
