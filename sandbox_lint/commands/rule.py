"""`sandbox-lint rule CODE | --all`: print rule documentation (the same text as the docs and the hover)."""

from __future__ import annotations

import argparse
import difflib
import json
import sys

from ..rules import RULES_BY_CODE
from ..rules.base import Rule

PROG = "sandbox-lint"


class UnknownRule(Exception):
    """The query names no rule (a usage error, exit code 2)."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rule = sub.add_parser("rule", help="print a rule's documentation", description="Print the documentation of a rule.")
    rule.add_argument("code", nargs="?", metavar="CODE", help="a rule code (SBX103) or name (augmented-assignment)")
    rule.add_argument("--all", action="store_true", help="print every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    rule.set_defaults(handler=command_rule)


_SUGGESTED = "a suggested rewrite (display only: shown in editors, JSON and SARIF, never applied by `--fix`)"


def _fix_availability(rule: type[Rule]) -> str:
    """The "Fix safety" line: what `--fix` applies, and whether findings carry suggested rewrites."""
    also = f"; other findings carry {_SUGGESTED}" if rule.suggests else ""
    if rule.fixable == "safe":
        return f"Fix: safe (applied by `--fix`){also}."
    if rule.fixable == "unsafe":
        return f"Fix: unsafe (applied by `--fix --unsafe-fixes`){also}."
    if rule.suggests or rule.fixable == "display":
        return f"Fix: {_SUGGESTED}."
    return "Fix: none."


def fix_kind(rule: type[Rule]) -> str | None:
    """"safe", "unsafe", "display" (suggestions only) or None, for machine output."""
    if rule.fixable in ("safe", "unsafe"):
        return rule.fixable
    return "display" if rule.suggests or rule.fixable == "display" else None


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
    raise UnknownRule(f"unknown rule `{query}`{hint}; `{PROG} rule --all` lists every rule")


def command_rule(args: argparse.Namespace) -> int:
    if args.all == bool(args.code):
        raise UnknownRule("give a rule code (`sandbox-lint rule SBX103`) or `--all`")
    rules = list(RULES_BY_CODE.values()) if args.all else [find_rule(args.code)]
    if args.output_format == "json":
        items = [
            {
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "category": rule.category,
                "fix": fix_kind(rule),
                "suggests": rule.suggests,
                "severity": rule.severity,
                "explanation": rule.docs(),
                "url": rule.url(),
            }
            for rule in rules
        ]
        sys.stdout.write(json.dumps(items if args.all else items[0], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(rule_text(rule) for rule in rules))
    return 0
