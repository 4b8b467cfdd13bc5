from __future__ import annotations

import re

from collections.abc import Iterator

from .base import Invalid, Rule, TextFinding

# Bidirectional controls (Trojan Source), zero-width and other invisible
# characters that make code read differently from how it runs.
_INVISIBLE = re.compile(
    "[\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\u3164\ufeff\uffa0\u00ad\U000e0000-\U000e007f]"
)
_NAMES = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING", "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING", "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE", "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE", "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK", "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u2060": "WORD JOINER", "\u3164": "HANGUL FILLER", "\u00ad": "SOFT HYPHEN",
}
MAX_REPORTS = 50


class BidiControlCharacter(Rule):
    """
    ## What it does
    Rejects bidirectional control characters (U+202A–U+202E, U+2066–U+2069),
    zero-width characters and other invisible characters anywhere in the
    source: code, strings and comments.

    ## Why is this bad?
    "Trojan Source" (CVE-2021-42574): bidi overrides reorder how code is
    displayed, so a reviewer sees one program and the interpreter runs
    another. Zero-width characters make two identical-looking names differ.

    ## Example
    ```python
    access = "user\u202e \u2066# admin\u2069 \u2066"
    ```

    ## Use instead
    ```python
    access = "user"
    ```

    ## Fix safety
    No automatic fix: deleting the character changes what the code does, and
    a person should look at why it is there.
    """

    code = "SBX205"
    name = "bidi-control-character"
    summary = "invisible or bidirectional control character in the source"
    category = "security"
    severity = "error"
    VALID = ["x = 'caf\u00e9'", "# a comment with accents: \u00e9\u00e8\n"]
    INVALID = [
        Invalid("x = 'abc\u202edef'", line=1, column=9),
        "a\u200b = 1",
        "# comment \u2066 hidden\nx = 1\n",
    ]

    def check_text(self, text: str) -> Iterator[TextFinding]:
        """Every invisible or bidi control character (the first MAX_REPORTS)."""
        if text.isascii():
            return
        reported = 0
        for match in _INVISIBLE.finditer(text):
            index = match.start()
            char = match.group()
            if index == 0 and char == "\ufeff":
                continue  # a byte-order mark at the very start is harmless
            label = _NAMES.get(char, "invisible character")
            yield TextFinding(
                index, 1, f"invisible control character U+{ord(char):04X} ({label}): code may not read the way it runs; delete it"
            )
            reported += 1
            if reported >= MAX_REPORTS:
                return
