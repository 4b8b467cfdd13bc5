"""Text made safe for a terminal: what the runtime's command-line verbs print.

A program's output, its error messages and the values in a trace are the
program's own text: an ESC or CSI sequence in them would drive the user's
terminal (move the cursor, rewrite earlier lines, set the title), and bidi
controls would reorder what is shown. Every character that is not printable
(`str.isprintable`: C0 and C1 controls, DEL, bidi and other format
characters, line and paragraph separators, unassigned code points) is shown
as its Python escape instead (`\\x1b`, `\\u202e`).
"""

from __future__ import annotations


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_safe(text: str) -> str:
    """`text` as one safe line: every non-printable character escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def terminal_safe_lines(text: str) -> str:
    """`text` with its line breaks (`\\n`) and tabs kept, everything else
    non-printable escaped (a `\\r` too: it would overwrite the line)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char in "\n\t" else _escape(char) for char in text)
