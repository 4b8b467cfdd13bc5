"""The argument parser every `sandbox-lint` verb uses: argparse with ruff's manners.

- A mistyped option gets a suggestion: `--fxi` → "unknown option `--fxi`
  (did you mean `--fix`?)", where argparse only says "unrecognized arguments".
- Options are never abbreviated (`--fi` is not `--fix`): a prefix that works
  today would break, or change meaning, when an option is added; and a
  mistyped option is reported instead of silently matching another one.
- A usage error is one `PROG: error: …` line and where to find the options
  (not argparse's usage block, which buries the error under every option), exit 2.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn


def positive(kind: type[int | float] = int) -> Callable[[str], Any]:
    """An argparse `type=` for a number above 0 (`kind` int or float)."""
    wanted = "a positive integer" if kind is int else "a positive number"

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {'whole ' if kind is int else ''}number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r} (expected {wanted})")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its own messages
    return convert


def suggestion(word: str, choices: Sequence[str]) -> str:
    """` (did you mean `X`?)` for the closest of `choices`, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class ArgumentParser(argparse.ArgumentParser):
    more_options: tuple[str, ...] = ()
    """Options a mistyped one may have meant that belong elsewhere (the top-level
    `--version` when `check` is implied)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        print(f"`{self.prog} --help` lists the options.", file=sys.stderr)
        raise SystemExit(2)

    def option_strings(self) -> list[str]:
        """Every long and short option this parser knows."""
        return [option for action in self._actions for option in action.option_strings] + list(self.more_options)

    def unknown_argument(self, argument: str) -> str:
        """The error for one argument the parser did not recognize."""
        if argument.startswith("-") and argument != "-":
            option = argument.split("=", 1)[0]
            return f"unknown option `{option}`{suggestion(option, self.option_strings())}"
        return f"unexpected argument `{argument}`"

    def _reject(self, extras: list[str]) -> NoReturn:
        # After an unknown option argparse cannot tell its value from a stray
        # argument: name the options only.
        options = [argument for argument in extras if argument.startswith("-") and argument != "-"]
        self.error("; ".join(self.unknown_argument(argument) for argument in options or extras))

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self._reject(extras)
        return parsed

    def parse_intermixed_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Options and paths in any order (`check a.py --fix b.py`), as ruff takes them."""
        parsed, extras = self.parse_known_intermixed_args(args, namespace)
        if extras:
            self._reject(extras)
        return parsed
