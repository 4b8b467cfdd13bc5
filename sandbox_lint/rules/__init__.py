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
from .sbx201_private_name import PrivateName
from .sbx202_forbidden_builtin import ForbiddenBuiltin
from .sbx203_str_format import StrFormat
from .sbx204_non_ascii_identifier import NonAsciiIdentifier
from .sbx205_bidi_control_character import BidiControlCharacter
from .sbx206_resource_limit import ResourceLimit
from .sbx207_definition_time_call import DefinitionTimeCall
from .sbx301_disallowed_type import DisallowedTypeRule
from .sbx302_interface_type import InterfaceType
from .sbx303_task_signature import TaskSignatureRule
from .sbx401_unknown_name import UnknownName
from .sbx402_shadowed_name import ShadowedName
from .sbx403_task_call_signature import TaskCallSignature
from .sbx404_await_outside_async import AwaitOutsideAsync
from .sbx405_unawaited_task import UnawaitedTask
from .sbx501_task_in_callback import TaskInCallback
from .sbx601_unchecked_code_string import UncheckedCodeString
from .sbx602_unused_noqa import UnusedNoqa
from .sbx603_noqa_ignored_by_gate import NoqaIgnoredByGate
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
    PrivateName,
    ForbiddenBuiltin,
    StrFormat,
    NonAsciiIdentifier,
    BidiControlCharacter,
    ResourceLimit,
    DefinitionTimeCall,
    DisallowedTypeRule,
    InterfaceType,
    TaskSignatureRule,
    UnknownName,
    ShadowedName,
    TaskCallSignature,
    AwaitOutsideAsync,
    UnawaitedTask,
    TaskInCallback,
    UncheckedCodeString,
    UnusedNoqa,
    NoqaIgnoredByGate,
    SyntaxErrorRule,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in sorted(RULES, key=lambda r: r.code)}


@lru_cache(maxsize=1)
def rule_instances() -> tuple[Rule, ...]:
    return tuple(rule() for rule in RULES_BY_CODE.values())


def get_rule(code: str) -> type[Rule] | None:
    return RULES_BY_CODE.get(code.upper())
