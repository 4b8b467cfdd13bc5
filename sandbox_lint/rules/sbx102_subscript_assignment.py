from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid
from .shared import TARGET_OWNERS, target_rewrite, target_sites, with_item
from .suggestions import elide


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
    No automatic fix: other names may share the container, and rebuilding it
    leaves them with the old value. The rewrite the message names comes as a
    display fix (shown in editors and JSON, never applied by `--fix`) for
    plain, chained and unpacking assignments, augmented assignments and
    `for` targets. When the container is bound to a dict (a dict literal or
    comprehension, `{**d, ...}`, `dict(...)`, a `dict` annotation) or a list
    in its scope, the rewrite is for that kind only; otherwise the message
    names both, the likelier first (a list for an integer index).
    """

    code = "SBX102"
    name = "subscript-assignment"
    summary = "assignment to a subscript is not allowed: build a new dict or list instead"
    inspects = TARGET_OWNERS
    suggests = True
    VALID = [
        "d = {'a': 1}\nd = {**d, 'b': 2}\nx = d['a']\n",
        "xs = []\nfor i in range(3):\n    xs.append(i * 2)\nfirst, *rest = xs\nhead = xs[0]\n",
        "pairs = [(k, v) for k, v in {'a': 1}.items()]\nfor k, v in pairs:\n    print(k, v)\n",
        "def f(d):\n    return [d[k] for k in d]\n",
        Valid("counts = {}\nfor name in ['a']:\n    counts = {**counts, name: len(name)}\n"),
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
        Invalid("d = {'a': 1}\nd['b'] = 2\n", line=2),
        Invalid("def f(rows: list[int]):\n    rows[0] = 1\n    return rows\n"),
        Invalid("report = load()\nreport.rows[0] = 1\n"),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        for site in target_sites(node, ctx):
            target = site.target
            if not isinstance(target, cst.Subscript):
                continue
            words, fix = target_rewrite(site, lambda value: with_item(target, value, ctx), ctx)
            if not words:
                words = f"build a new `{elide(target.value, 40)}` holding the new item with a literal or comprehension"
            ctx.report(self, target, f"assignment to `{elide(target, target=True)}` is not allowed: {words}", fix)
