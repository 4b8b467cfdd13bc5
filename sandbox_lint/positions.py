"""Source positions of the nodes a check reports on, computed only for those.

libcst computes positions by generating the code of the whole module while
counting lines and columns (`PositionProvider`): about twice the cost of the
parse, most of a check that finds something. A finding only needs the
positions inside the statement that holds it (its *anchor*: a statement of
the unit's top block, recorded by the walk). This module generates the code
of those statements alone, starting at their real line with their real
indentation, so the positions are the ones `PositionProvider` would give.
The line where each anchor starts comes from CPython's `ast` of the same
text (ten times cheaper than libcst): its statements map one to one onto
libcst's, a simple statement line holding one `ast` statement per small
statement. When anything does not line up (a syntax CPython lacks, a finding
outside every anchor), the whole module's positions are used instead.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from .parsing import big_stack
from .rules.base import Finding

T = TypeVar("T")
DEEP = 60  # walks deeper than this generate code on the big-stack thread


def resolve_positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange] | None:
    """PositionProvider over the whole module, on the big-stack thread, RecursionError-safe."""

    def job() -> dict[cst.CSTNode, CodeRange] | None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        return dict(wrapper.resolve(PositionProvider))

    return _guarded(job, deep=True)


def _guarded(job: Callable[[], T | None], *, deep: bool) -> T | None:
    """Run `job`; deep trees on the big-stack thread with a raised recursion limit."""

    def run() -> T | None:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, 20_000))
        try:
            return job()
        except (RecursionError, KeyError):
            # Past the recursion limit libcst's codegen fails, and sometimes
            # surfaces that as a KeyError for a half-visited node.
            return None
        finally:
            sys.setrecursionlimit(previous)

    if deep:
        return big_stack.run(run)
    try:
        return job()
    except (RecursionError, KeyError):
        return None


class Positions:
    """Positions of one parsed text's nodes, for the findings of its units.

    `get()` is the whole module's (computed at most once); `for_findings()`
    covers the given findings, from their anchors where it can.
    """

    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.text = text
        self._whole: dict[cst.CSTNode, CodeRange] | None = None
        self._whole_failed = False

    def get(self) -> dict[cst.CSTNode, CodeRange] | None:
        if self._whole is None and not self._whole_failed:
            self._whole = resolve_positions(self.module)
            self._whole_failed = self._whole is None
        return self._whole

    def for_findings(self, findings: Sequence[Finding], roots: dict[int, cst.CSTNode], deep: bool) -> dict[cst.CSTNode, CodeRange] | None:
        """Positions of every node the findings name (their nodes and fix nodes).

        `roots` maps id(finding) to the root of the unit that reported it (a
        function's header findings are anchored at its root).
        """
        anchors: dict[int, cst.CSTNode] = {}
        for finding in findings:
            anchor = finding.anchor if finding.anchor is not None else roots.get(id(finding))
            if anchor is None or isinstance(anchor, cst.Module):
                return self.get()
            anchors[id(anchor)] = anchor
        starts = self._starts()
        if starts is None:
            return self.get()
        positions: dict[cst.CSTNode, CodeRange] = {}
        for key, anchor in anchors.items():
            where = starts.get(key)
            if where is None:
                return self.get()
            line, indents = where
            generated = _guarded(lambda: _generate(self.module, anchor, line, indents), deep=deep)
            if generated is None:
                return self.get()
            positions.update(generated)
        for finding in findings:
            if finding.node not in positions or (finding.fix is not None and finding.fix.node not in positions):
                return self.get()
        return positions

    def _starts(self) -> dict[int, tuple[int, list[str]]] | None:
        """id(statement) -> (the line its code starts on, its indentation tokens),
        for the module's statements, those of blocks under them (a wrapped
        snippet's `if True:`), and the bodies of the functions among them."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = compile(self.text, "<positions>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        assert isinstance(tree, ast.Module)
        starts: dict[int, tuple[int, list[str]]] = {}
        default = self.module.default_indent
        pending: list[tuple[Sequence[cst.BaseStatement], Sequence[ast.stmt], list[str], int]] = [
            (self.module.body, tree.body, [], 0)
        ]
        while pending:
            statements, nodes, indents, depth = pending.pop()
            pairs = _pair(statements, nodes)
            if pairs is None:
                return None
            for statement, node in pairs:
                starts[id(statement)] = (_first_line(statement, node), indents)
                block = getattr(statement, "body", None)
                if depth < 2 and isinstance(block, cst.IndentedBlock) and isinstance(
                    statement, (cst.FunctionDef, cst.If)
                ):
                    inner = [*indents, block.indent if block.indent is not None else default]
                    pending.append((block.body, node.body, inner, depth + 1))  # type: ignore[attr-defined]
        return starts


def _pair(statements: Sequence[cst.BaseStatement], nodes: Sequence[ast.stmt]) -> list[tuple[cst.BaseStatement, ast.stmt]] | None:
    """libcst's statements with the `ast` statement each starts with; None when they do not line up."""
    pairs = []
    index = 0
    for statement in statements:
        if index >= len(nodes):
            return None
        pairs.append((statement, nodes[index]))
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return pairs if index == len(nodes) else None


def _first_line(statement: cst.BaseStatement, node: ast.stmt) -> int:
    """The line where libcst's code for `statement` starts (its leading lines first)."""
    line = node.lineno
    decorators = getattr(statement, "decorators", ())
    if decorators:
        line = min(d.lineno for d in node.decorator_list)  # type: ignore[attr-defined]
        line -= len(decorators[0].leading_lines)
    return line - len(getattr(statement, "leading_lines", ()))


def _generate(module: cst.Module, anchor: cst.CSTNode, line: int, indents: list[str]) -> dict[cst.CSTNode, CodeRange]:
    provider = PositionProvider()
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
        indent_tokens=list(indents),
        line=line,
    )
    anchor._codegen(state)
    return {node: value for node, value in provider._computed.items() if isinstance(value, CodeRange)}
