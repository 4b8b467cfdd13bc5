"""The rule registry: one line per rule module. Order is the order of `rule --all`."""

from __future__ import annotations

from functools import lru_cache

from .base import Rule
from .sbx101_import import ImportStatement
from .sbx102_subscript_assignment import SubscriptAssignment
from .sbx103_augmented_assignment import AugmentedAssignment
from .sbx104_class_definition import ClassDefinition
from .sbx105_with_statement import WithStatement
from .sbx106_try_statement import TryStatement
from .sbx107_walrus import Walrus
from .sbx108_yield import YieldExpression
from .sbx109_global_nonlocal import GlobalNonlocal
from .sbx110_set_literal import SetLiteral
from .sbx111_del_statement import DelStatement
from .sbx112_assert_statement import AssertStatement
from .sbx113_match_statement import MatchStatement
from .sbx114_decorator import FunctionDecorator
from .sbx115_attribute_assignment import AttributeAssignment
from .sbx116_in_place_mutation import InPlaceMutation
from .sbx117_module_return import ModuleReturn
from .sbx199_unsupported_syntax import UnsupportedSyntax
from .sbx205_bidi_control_character import BidiControlCharacter
from .sbx206_resource_limit import ResourceLimit
from .sbx900_syntax_error import SyntaxErrorRule

RULES: tuple[type[Rule], ...] = (
    ImportStatement,
    SubscriptAssignment,
    AugmentedAssignment,
    ClassDefinition,
    WithStatement,
    TryStatement,
    Walrus,
    YieldExpression,
    GlobalNonlocal,
    SetLiteral,
    DelStatement,
    AssertStatement,
    MatchStatement,
    FunctionDecorator,
    AttributeAssignment,
    InPlaceMutation,
    ModuleReturn,
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
