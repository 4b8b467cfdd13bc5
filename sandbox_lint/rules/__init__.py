"""The rule registry: one line per rule module. Order is the order of `rule --all`."""

from __future__ import annotations

from functools import lru_cache

from .base import Rule
from .sbx101_import import ImportStatement
from .sbx103_augmented_assignment import AugmentedAssignment
from .sbx199_unsupported_syntax import UnsupportedSyntax
from .sbx205_bidi_control_character import BidiControlCharacter
from .sbx206_resource_limit import ResourceLimit
from .sbx900_syntax_error import SyntaxErrorRule

RULES: tuple[type[Rule], ...] = (
    ImportStatement,
    AugmentedAssignment,
    UnsupportedSyntax,
    BidiControlCharacter,
    ResourceLimit,
    SyntaxErrorRule,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in sorted(RULES, key=lambda r: r.code)}


@lru_cache(maxsize=1)
def rule_instances() -> tuple[Rule, ...]:
    return tuple(rule() for rule in RULES_BY_CODE.values())


def get_rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code.upper())
