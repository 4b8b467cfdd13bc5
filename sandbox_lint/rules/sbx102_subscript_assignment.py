from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten
from .shared import STRINGS, TARGET_OWNERS, Builder, operand, rebind, replacement_advice, target_sites


def _int_literal(node: cst.BaseExpression) -> int | None:
    """The value of an integer literal like `3` or `-1`, else None."""
    sign = 1
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and not node.lpar:
        sign, node = -1, node.expression
    if isinstance(node, cst.Integer) and not node.lpar:
        try:
            return sign * int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


def _list_with(container: str, key_node: cst.BaseExpression, middle: str) -> str:
    """`container` with the item at `key_node` replaced by the list `middle`."""
    index = _int_literal(key_node)
    if index is None:
        key = code_of(key_node)
        return f"{container}[:{key}] + {middle} + {container}[{operand(key_node)} + 1:]"
    if index == 0:
        return f"{middle} + {container}[1:]"
    if index == -1:
        return f"{container}[:-1] + {middle}"
    return f"{container}[:{index}] + {middle} + {container}[{index + 1}:]"


def _subscript_builder(target: cst.Subscript) -> Builder:
    base = target.value
    container = code_of(base)
    elements = target.slice
    if len(elements) == 1 and isinstance(elements[0].slice, cst.Index) and elements[0].slice.star is None:
        key_node = elements[0].slice.value
        key = code_of(key_node)

        def build_index(value: str) -> str:
            as_dict = rebind(base, f"{{**{container}, {key}: {value}}}")
            if isinstance(key_node, STRINGS):
                return as_dict
            as_list = rebind(base, _list_with(container, key_node, f"[{value}]"))
            append = f"`{container}.append({value})` to add an item at the end"
            if _int_literal(key_node) is not None:
                return f"for a list, {as_list} (or {append}); for a dict, {as_dict}"
            return f"for a dict, {as_dict}; for a list, {append}, or {as_list} to replace one"

        return build_index
    if len(elements) == 1 and isinstance(elements[0].slice, cst.Slice) and elements[0].slice.step is None:
        piece = elements[0].slice
        lower = code_of(piece.lower) if piece.lower is not None else None
        upper = code_of(piece.upper) if piece.upper is not None else None

        def build_slice(value: str) -> str:
            parts = []
            if lower is not None:
                parts.append(f"{container}[:{lower}]")
            is_list = value.isidentifier() or (value.startswith("[") and value.endswith("]"))
            parts.append(value if is_list else f"list({value})")
            if upper is not None:
                parts.append(f"{container}[{upper}:]")
            return rebind(base, " + ".join(parts))

        return build_slice
    if len(elements) > 1 and all(isinstance(e.slice, cst.Index) for e in elements):
        key = ", ".join(code_of(e.slice) for e in elements)

        def build_tuple_key(value: str) -> str:
            return rebind(base, f"{{**{container}, ({key}): {value}}}")

        return build_tuple_key

    def build_other(value: str) -> str:
        return f"build a new `{container}` holding `{value}` with a literal or comprehension"

    return build_other


class SubscriptAssignment(Rule):
    """
    ## What it does
    Rejects assignment to a subscript or slice — `d[k] = v`, `xs[i] = v`,
    `xs[1:3] = ys` — in every target position: plain and chained assignment,
    tuple/list/starred unpacking (`a, d[k] = pair`), `for` loop and
    comprehension targets, annotated assignment, and augmented assignment
    (`d[k] += 1`, also reported by SBX103).

    ## Why is this bad?
    Assigning into a container mutates a value that other names may share,
    so the program's result depends on aliasing. Sandbox code builds new
    values instead: dict literals and `{**d, k: v}` for dicts, `.append()` and
    slices for lists. That keeps every value a snapshot, which makes runs
    reproducible and replayable.

    ## Example
    ```python
    counts = {}
    for name in names:
        counts[name] = len(name)
    ```

    ## Use instead
    ```python
    counts = {}
    for name in names:
        counts = {**counts, name: len(name)}
    # or: counts = {name: len(name) for name in names}
    ```

    ## Fix safety
    No fix: whether the container is a dict or a list, and whether other
    names share it, is not visible in the syntax.
    """

    code = "SBX102"
    name = "subscript-assignment"
    summary = "assignment to a subscript is not allowed: build a new dict or list instead"
    inspects = TARGET_OWNERS
    VALID = [
        "d = {'a': 1}\nd = {**d, 'b': 2}\nx = d['a']\n",
        "xs = []\nfor i in range(3):\n    xs.append(i * 2)\nfirst, *rest = xs\nhead = xs[0]\n",
        "pairs = [(k, v) for k, v in {'a': 1}.items()]\nfor k, v in pairs:\n    print(k, v)\n",
        "def f(d):\n    return [d[k] for k in d]\n",
    ]
    INVALID = [
        Invalid("d = {}\nd['k'] = 1\n", line=2, column=1),
        Invalid("xs = [1, 2]\nxs[0] = 5\n"),
        Invalid("xs = [1, 2, 3]\nxs[1:2] = [9]\n"),
        Invalid("d = {}\nx, d['k'] = 1, 2\n", line=2, column=4),
        Invalid("d = {}\nfirst, *d['rest'] = [1, 2, 3]\n"),
        Invalid("d = {}\nfor d['k'] in [1, 2]:\n    pass\n", line=2, column=5),
        Invalid("d = {}\nys = [1 for d['k'] in [1, 2]]\n"),
        Invalid("d = {}\nd['k']: int = 1\n"),
        Invalid("def outer(m):\n    def inner():\n        m[0][1] = 2\n        return m\n    return inner\n", line=3, column=9),
        Invalid("d = {}\na = d['x'] = 3\n"),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        for site in target_sites(node, ctx):
            target = site.target
            if not isinstance(target, cst.Subscript):
                continue
            advice = replacement_advice(site, _subscript_builder(target))
            ctx.report(
                self,
                target,
                f"assignment to `{shorten(code_of(target))}` is not allowed: {advice}",
            )
