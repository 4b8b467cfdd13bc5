from __future__ import annotations

import keyword

import libcst as cst

from ..builtins import FORBIDDEN_BUILTINS
from .base import Context, Invalid, Replacement, Rule
from .shared import folded


class NonAsciiIdentifier(Rule):
    """
    ## What it does
    Rejects identifiers (names, attributes, parameters, keywords) that contain
    any character outside ASCII. Strings and comments may hold any text.

    ## Why is this bad?
    Python folds identifiers with Unicode NFKC normalization before using
    them: `ｅｖａｌ` (fullwidth letters) *is* `eval`, and `ﬁle` is `file`. Code
    that looks harmless to a reviewer, or to a checker that compares raw
    text, can name anything. Look-alike letters from other scripts (Cyrillic
    `а` in `dаta`) make two different names read the same.

    ## Example
    ```python
    ｅｖａｌ("1 + 1")
    café = 3
    ```

    ## Use instead
    ```python
    total = 1 + 1
    cafe = 3
    ```

    ## Fix safety
    No automatic fix: the ASCII spelling the author meant is not always the
    NFKC one. When NFKC folds the name to a plain ASCII name that no other
    rule rejects, that name comes as a display fix (it is the name Python
    already uses), never applied by `--fix`.
    """

    code = "SBX204"
    name = "non-ascii-identifier"
    summary = "identifiers must be ASCII"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
    suggests = True
    VALID = ['greeting = "héllo wörld"', "# commentaire: café\ncafe = 1\n", "x = {'ключ': 1}"]
    INVALID = [
        Invalid('ｅｖａｌ("1")', line=1, column=1),
        "café = 3",
        "dаta = 1",  # Cyrillic а
        "x = {}\ny = x.ｋｅｙｓ()\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Name
        value = node.value
        if value.isascii():
            return
        normal = folded(value)
        if normal in FORBIDDEN_BUILTINS:
            message = (
                f"identifier `{value}` is not ASCII: Python folds it with NFKC to `{normal}`, a forbidden "
                f"builtin in disguise; {FORBIDDEN_BUILTINS[normal]}"
            )
        elif normal.isascii() and normal.isidentifier() and not normal.startswith("_") and not keyword.iskeyword(normal):
            message = (
                f"identifier `{value}` is not ASCII: Python folds it with NFKC to `{normal}`, "
                f"so it hides what it names; write `{normal}`"
            )
            ctx.report(self, node, message, Replacement(node, normal, f"Write `{normal}`", "display"))
            return
        elif normal.isascii():
            message = (
                f"identifier `{value}` is not ASCII: Python folds it with NFKC to `{normal}`, "
                "so it hides what it names; pick a plain ASCII name"
            )
        else:
            bad = ", ".join(f"`{c}` (U+{ord(c):04X})" for c in dict.fromkeys(value) if not c.isascii())
            message = (
                f"identifier `{value}` has non-ASCII characters {bad}: identifiers must be ASCII "
                "(Python folds them with NFKC, so look-alike letters can hide names; `ｅｖａｌ` becomes `eval`)"
            )
        ctx.report(self, node, message)
