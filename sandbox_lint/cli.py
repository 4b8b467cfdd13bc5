"""The `sandbox-lint` command: one dispatcher, one module per verb.

    sandbox-lint [check] [PATHS] [--fix] [--diff] [--output-format FORMAT] ...
    sandbox-lint rule SBX103 | rule --all
    sandbox-lint run FILE | stubs MODULE:ENV | runs ... | lsp | mcp ...

`check` and `rule` are the checker's own verbs (`commands/`). Every other verb
comes from an installed package through the entry-point group
`sandbox_lint.commands`: each entry is a function `main(argv, *, prog) -> int`
(argv without the verb). The runtime registers `run`, `stubs`, `runs` and
`mcp`, the language server registers `lsp`, so the checker never imports
either of them. Exit codes: 0 clean, 1 findings, 2 usage, configuration, I/O
or internal error.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points

from . import __version__
from .commands import check as check_command
from .commands import rule as rule_command
from .commands.arguments import ArgumentParser
from .config import ConfigError

PROG = "sandbox-lint"
BUILTIN = ("check", "rule")
PLUGIN_GROUP = "sandbox_lint.commands"

Verb = Callable[..., int]


class UsageError(Exception):
    """A mistake on the command line: one line on stderr, exit code 2."""


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def plugin_verbs() -> dict[str, EntryPoint]:
    """Verbs other installed packages provide (entry-point group `sandbox_lint.commands`)."""
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=PLUGIN_GROUP):
        found.setdefault(point.name, point)
    return found


def _load(point: EntryPoint) -> Verb:
    try:
        verb = point.load()
    except Exception as exc:  # a broken or half-installed package: say which, exit 2
        raise UsageError(f"the `{point.name}` command cannot start ({point.value}): {type(exc).__name__}: {exc}") from None
    if not callable(verb):
        raise UsageError(f"the `{point.name}` command ({point.value}) is not a function")
    return verb  # type: ignore[no-any-return]


def build_parser(plugins: Sequence[str] = ()) -> argparse.ArgumentParser:
    return _build_parsers(plugins)[0]


def _build_parsers(plugins: Sequence[str] = ()) -> tuple[ArgumentParser, dict[str, ArgumentParser]]:
    """The top-level parser (for `--help`, `--version`) and each built-in verb's own."""
    others = ", ".join(plugins) if plugins else "none installed"
    parser = ArgumentParser(
        prog=PROG,
        description="Check Python orchestration code against the sandbox language.",
        epilog=(
            f"More commands from installed packages: {others} (`{PROG} COMMAND --help`). "
            f"`{PROG} FILE` is short for `{PROG} check FILE`. Exit codes: 0 clean, 1 findings, 2 errors."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    check_command.add_parser(sub)
    rule_command.add_parser(sub)
    verbs = {name: verb for name, verb in sub.choices.items() if isinstance(verb, ArgumentParser)}
    return parser, verbs


def _with_default_command(argv: list[str], plugins: dict[str, EntryPoint]) -> list[str]:
    if not argv:
        return ["check"]
    first = argv[0]
    if first in BUILTIN or first in plugins or first in ("-h", "--help", "--version"):
        return argv
    if not first.startswith("-") and not os.path.exists(first) and first.isidentifier():
        known = [*BUILTIN, *plugins]
        close = difflib.get_close_matches(first, known, n=1, cutoff=0.6)
        if close:
            raise UsageError(f"unknown command `{first}` (did you mean `{close[0]}`?); commands: {', '.join(known)}")
    return ["check", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        # Checking files (the common case: pre-commit, CI) never reads the
        # installed packages' metadata: only a bare word can name a verb (a
        # folder named like a verb is checked with `sandbox-lint check NAME`).
        first = arguments[0] if arguments else ""
        bare_word = first.isidentifier() and first not in BUILTIN
        plugins = plugin_verbs() if bare_word or first in ("-h", "--help") else {}
        implied = _with_default_command(arguments, plugins)
        check_implied = implied[:1] == ["check"] and arguments[:1] != ["check"]
        arguments = implied
        if arguments[0] in plugins:
            verb = _load(plugins[arguments[0]])
            return int(verb(arguments[1:], prog=f"{PROG} {arguments[0]}") or 0)
        top, verbs = _build_parsers(sorted(plugins))
        verb_parser = verbs.get(arguments[0])
        if verb_parser is None:  # --help, --version
            args = top.parse_args(arguments)
        elif arguments[0] == "check":
            if check_implied:
                verb_parser.more_options = ("--version",)
            # The verb's own parser: its usage line, its options for a
            # did-you-mean, and paths and options in any order, as ruff takes them.
            # After `--` only paths (`check -- -odd.py`); argparse's intermixed
            # parsing mishandles `--` before Python 3.12, so split it here.
            rest = arguments[1:]
            cut = rest.index("--") if "--" in rest else len(rest)
            args = verb_parser.parse_intermixed_args(rest[:cut])
            args.paths = [*args.paths, *rest[cut + 1 :]]
        else:
            args = verb_parser.parse_args(arguments[1:])
        return int(args.handler(args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    except (UsageError, ConfigError, rule_command.UnknownRule) as exc:
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
        if check_command.debug_enabled():
            traceback.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc} (please report it; SANDBOX_LINT_DEBUG=1 shows the traceback)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
