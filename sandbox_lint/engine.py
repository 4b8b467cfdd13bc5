"""One iterative walk over a libcst tree that dispatches nodes to rules.

The walk never recurses (deep trees cannot overflow it), tracks ancestors and
scopes, records which names are bound where, and enforces the allow-list: a
node type that no rule owns and that is not on the allow-list goes to the
rules that take unknown syntax (`Rule.owns_unknown`). Positions are computed
later, only for what is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from .rules.base import Context, Rule
from .tree import GETTERS, NODE_TYPES, ROLE_ATTR, ROLE_DECLARE, ROLE_KEYWORD, SCOPE_TYPES, field_getter

# Constructs of the sandbox language. Rules may still inspect them.
ALLOWED: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.Module, cst.SimpleStatementLine, cst.SimpleStatementSuite, cst.IndentedBlock,
        cst.Expr, cst.Assign, cst.AssignTarget, cst.AnnAssign, cst.Name,
        cst.If, cst.Else, cst.For, cst.While, cst.Break, cst.Continue, cst.Pass,
        cst.FunctionDef, cst.Parameters, cst.Param, cst.ParamStar, cst.ParamSlash,
        cst.Return, cst.Raise, cst.Await, cst.Call, cst.Arg,
        cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString,
        cst.FormattedString, cst.FormattedStringExpression, cst.FormattedStringText,
        cst.List, cst.Tuple, cst.Dict, cst.DictElement, cst.StarredDictElement,
        cst.Element, cst.StarredElement, cst.ListComp, cst.DictComp, cst.GeneratorExp,
        cst.CompFor, cst.CompIf, cst.Lambda, cst.Subscript, cst.SubscriptElement,
        cst.Index, cst.Slice, cst.Attribute, cst.BinaryOperation, cst.UnaryOperation,
        cst.BooleanOperation, cst.Comparison, cst.ComparisonTarget, cst.IfExp,
        cst.From,  # `raise X from Y`
    }
)

# Pieces that are not constructs on their own: whitespace, punctuation,
# operators, and the inner parts of constructs a rule rejects as a whole.
NEUTRAL: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace,
        cst.EmptyLine, cst.Newline, cst.Comment, cst.LeftParen, cst.RightParen,
        cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
        cst.RightCurlyBrace, cst.Comma, cst.Colon, cst.Dot, cst.AssignEqual,
        cst.Semicolon, cst.Asynchronous, cst.Annotation,
        cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo,
        cst.Power, cst.LeftShift, cst.RightShift, cst.BitOr, cst.BitAnd, cst.BitXor,
        cst.MatrixMultiply, cst.Not, cst.Minus, cst.Plus, cst.BitInvert, cst.And, cst.Or,
        cst.Equal, cst.NotEqual, cst.LessThan, cst.LessThanEqual, cst.GreaterThan,
        cst.GreaterThanEqual, cst.In, cst.NotIn, cst.Is, cst.IsNot,
        cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
        cst.FloorDivideAssign, cst.ModuloAssign, cst.PowerAssign, cst.LeftShiftAssign,
        cst.RightShiftAssign, cst.BitOrAssign, cst.BitAndAssign, cst.BitXorAssign,
        cst.MatrixMultiplyAssign,
        cst.ImportAlias, cst.ImportStar, cst.AsName, cst.WithItem, cst.ExceptHandler,
        cst.ExceptStarHandler, cst.Finally, cst.NameItem, cst.MatchCase, cst.MatchAs,
        cst.MatchClass, cst.MatchKeywordElement, cst.MatchList, cst.MatchMapping,
        cst.MatchMappingElement, cst.MatchOr, cst.MatchOrElement, cst.MatchSequenceElement,
        cst.MatchSingleton, cst.MatchStar, cst.MatchTuple, cst.MatchValue,
    }
)

class DepthExceeded(Exception):
    def __init__(self, node: cst.CSTNode, statement: cst.CSTNode | None) -> None:
        super().__init__()
        self.node = node
        self.statement = statement


class Dispatch:
    """Which rules see which node types, built once per set of enabled rules."""

    def __init__(self, rules: list[Rule], every_rule: tuple[Rule, ...] = ()) -> None:
        self.handlers: dict[type[cst.CSTNode], list[Rule]] = {}
        for rule in rules:
            for node_type in (*rule.owns, *rule.inspects):
                self.handlers.setdefault(node_type, []).append(rule)
        # A construct owned by a disabled rule is still not "unknown syntax".
        owned = {node_type for rule in (*rules, *every_rule) for node_type in rule.owns}
        self.known = ALLOWED | NEUTRAL | owned
        self.fallback = [rule for rule in rules if rule.owns_unknown]


def _attribute(node: cst.Attribute, ctx: Context, scope: cst.CSTNode | None) -> None:
    ctx.roles[id(node.attr)] = ROLE_ATTR


def _argument(node: cst.Arg, ctx: Context, scope: cst.CSTNode | None) -> None:
    if node.keyword is not None:
        ctx.roles[id(node.keyword)] = ROLE_KEYWORD


def _target(node: cst.AssignTarget | cst.AnnAssign | cst.AugAssign | cst.NamedExpr | cst.For, ctx: Context, scope: cst.CSTNode | None) -> None:
    ctx.bind_target(node.target, scope)


def _comprehension_target(node: cst.CompFor, ctx: Context, scope: cst.CSTNode | None) -> None:
    ctx.bind_target(node.target, ctx.scope_chain[-1])


def _named(node: cst.FunctionDef | cst.Param | cst.ClassDef, ctx: Context, scope: cst.CSTNode | None) -> None:
    ctx.bind(node.name, scope)


def _imported(node: cst.Import | cst.ImportFrom, ctx: Context, scope: cst.CSTNode | None) -> None:
    if not isinstance(node.names, cst.ImportStar):
        for alias in node.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name):
                ctx.bind(bound, scope)
            elif isinstance(bound, cst.Attribute):
                leftmost: cst.BaseExpression = bound
                while isinstance(leftmost, cst.Attribute):
                    ctx.roles[id(leftmost.attr)] = ROLE_DECLARE
                    leftmost = leftmost.value
                if isinstance(leftmost, cst.Name):
                    ctx.bind(leftmost, scope)
    if isinstance(node, cst.ImportFrom) and node.module is not None:
        module: cst.BaseExpression = node.module
        while isinstance(module, cst.Attribute):
            ctx.roles[id(module.attr)] = ROLE_DECLARE
            module = module.value
        ctx.roles[id(module)] = ROLE_DECLARE


def _declared(node: cst.Global | cst.Nonlocal, ctx: Context, scope: cst.CSTNode | None) -> None:
    for item in node.names:
        ctx.roles[id(item.name)] = ROLE_DECLARE
        ctx.bind(item.name, scope)


def _handler(node: cst.ExceptHandler | cst.ExceptStarHandler, ctx: Context, scope: cst.CSTNode | None) -> None:
    if node.name is not None and isinstance(node.name.name, cst.Name):
        ctx.bind(node.name.name, scope)


def _with_item(node: cst.WithItem, ctx: Context, scope: cst.CSTNode | None) -> None:
    if node.asname is not None:
        ctx.bind_target(node.asname.name, scope)


def _match_as(node: cst.MatchAs, ctx: Context, scope: cst.CSTNode | None) -> None:
    if node.name is not None:
        ctx.bind(node.name, scope)


# What the names directly under a node mean, recorded before they are visited.
ROLE_MARKERS: dict[type[cst.CSTNode], Callable[[Any, Context, cst.CSTNode | None], None]] = {
    cst.Attribute: _attribute,
    cst.Arg: _argument,
    cst.AssignTarget: _target, cst.AnnAssign: _target, cst.AugAssign: _target, cst.NamedExpr: _target, cst.For: _target,
    cst.CompFor: _comprehension_target,
    cst.FunctionDef: _named, cst.Param: _named, cst.ClassDef: _named,
    cst.Import: _imported, cst.ImportFrom: _imported,
    cst.Global: _declared, cst.Nonlocal: _declared,
    cst.ExceptHandler: _handler, cst.ExceptStarHandler: _handler,
    cst.WithItem: _with_item,
    cst.MatchAs: _match_as,
}


def walk(
    root: cst.CSTNode,
    ctx: Context,
    dispatch: Dispatch,
    *,
    skip: frozenset[int] = frozenset(),
) -> None:
    """Visit every node under `root` once, pre-order, without recursion.

    `skip` holds ids of subtrees not to enter (a host orchestrator's own
    decorators). Annotations are handed to rules but not entered: types are
    judged as a whole by the type rules, not as expressions. `ctx.anchor` is
    kept on the statement of the unit's top block that holds the node (a
    module's statements; a function's body statements; None in a function's
    header): findings record it, so positions are computed for that
    statement alone.
    """
    max_depth = ctx.settings.max_depth
    handlers = dispatch.handlers
    known = dispatch.known
    fallback = dispatch.fallback
    markers = ROLE_MARKERS
    getters = GETTERS
    node_types = NODE_TYPES
    ancestors = ctx.ancestors
    scope_chain = ctx.scope_chain
    scope_depths: list[int] = [-2]  # depth at which each entry of scope_chain was opened
    if not scope_chain:
        scope_chain.append(None)
        scope_depths.append(-1)
    anchor_depth = 1 if type(root) is cst.Module else 2
    annotation_type = cst.Annotation
    scope_types = SCOPE_TYPES
    stack: list[tuple[cst.CSTNode, int]] = [(root, 0)]
    push = stack.append
    pop = stack.pop
    deepest = 0
    while stack:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
        if len(ancestors) > depth:
            del ancestors[depth:]
        while scope_depths[-1] >= depth:
            scope_depths.pop()
            scope_chain.pop()
        if depth <= anchor_depth:
            ctx.anchor = node if depth == anchor_depth else None
        if depth > max_depth:
            ctx.deepest = deepest
            raise DepthExceeded(node, ctx.anchor)
        node_type = type(node)
        marker = markers.get(node_type)
        if marker is not None:
            marker(node, ctx, scope_chain[-1])
        rules = handlers.get(node_type)
        if rules is not None:
            for rule in rules:
                rule.visit(node, ctx)
        elif node_type not in known:
            for rule in fallback:
                rule.visit(node, ctx)
        if node_type is annotation_type:
            continue
        ancestors.append(node)
        if node_type in scope_types:
            scope_chain.append(node)
            scope_depths.append(depth)
        getter = getters.get(node_type) or field_getter(node_type)
        child_depth = depth + 1
        for value in reversed(getter(node)):
            kind = type(value)
            if kind in node_types:
                if not skip or id(value) not in skip:
                    push((value, child_depth))  # type: ignore[arg-type]
            elif kind is tuple or kind is list:
                for item in reversed(value):  # type: ignore[call-overload]
                    if type(item) in node_types and (not skip or id(item) not in skip):
                        push((item, child_depth))
    ctx.deepest = max(ctx.deepest, deepest)
