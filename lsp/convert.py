"""Checker values ↔ LSP values: diagnostics, fixes, `# noqa` edits, rule docs.

Positions go through `Document`, which converts the checker's 1-based
code-point columns to 0-based columns in the client's position encoding.
A diagnostic's `data` carries its fix, already converted, and the document
version it was computed for, so a code action can use it without re-checking.
"""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

from sandbox_lint.diagnostics import Diagnostic, Fix
from sandbox_lint.rules import get_rule

from .documents import Document, units
from .options import EditorSettings

SOURCE = "sandbox-lint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"

# `# noqa` or `# noqa: A1, B2` (the same shape `sandbox_lint.checker.noqa_lines` reads).
_NOQA = re.compile(r"#\s*noqa(?P<colon>:\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_CODE_IN_NOQA = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def lsp_range(doc: Document, line: int, column: int, end_line: int, end_column: int, encoding: str) -> types.Range:
    return types.Range(start=doc.to_client(line, column, encoding), end=doc.to_client(end_line, end_column, encoding))


def _range_json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def range_from_json(value: Any) -> types.Range:
    start, end = value["start"], value["end"]
    return types.Range(
        start=types.Position(line=int(start["line"]), character=int(start["character"])),
        end=types.Position(line=int(end["line"]), character=int(end["character"])),
    )


def fix_edits(fix: Fix, doc: Document, encoding: str) -> list[types.TextEdit]:
    return [
        types.TextEdit(
            range=lsp_range(doc, edit.line, edit.column, edit.end_line, edit.end_column, encoding),
            new_text=edit.content,
        )
        for edit in fix.edits
    ]


def to_lsp(diagnostic: Diagnostic, doc: Document, encoding: str, editor: EditorSettings) -> types.Diagnostic:
    rule = get_rule(diagnostic.code)
    data: dict[str, Any] = {"version": doc.version}
    if diagnostic.fix is not None:
        data["fix"] = {
            "message": diagnostic.fix.message,
            "applicability": diagnostic.fix.applicability,
            "edits": [
                {"range": _range_json(edit.range), "newText": edit.new_text}
                for edit in fix_edits(diagnostic.fix, doc, encoding)
            ],
        }
    return types.Diagnostic(
        range=lsp_range(doc, diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column, encoding),
        message=diagnostic.message,
        severity=editor.severity_of(diagnostic.code),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url()) if rule is not None else None,
        source=SOURCE,
        data=data,
    )


# -- `# noqa` ------------------------------------------------------------------------------


def noqa_edit(doc: Document, line_index: int, code: str, encoding: str) -> types.TextEdit | None:
    """The edit that adds `code` to the `# noqa` comment of a line (None: not possible).

    Codes already there are kept; a bare `# noqa` already silences everything;
    a line ending in a backslash continuation cannot take a comment.
    """
    text = doc.line(line_index)
    if text.rstrip().endswith("\\"):
        return None
    match = _NOQA.search(text) if "#" in text else None
    if match is None:
        start = len(text.rstrip())
        new_text = f"  # noqa: {code}"
        end = len(text)
    else:
        if match.group("colon") is None:
            return None
        codes = [c.upper() for c in _CODE_IN_NOQA.findall(match.group("codes"))]
        if code in codes:
            return None
        start, end = match.span()
        new_text = "# noqa: " + ", ".join([*codes, code])
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=line_index, character=units(text[:start], encoding)),
            end=types.Position(line=line_index, character=units(text[:end], encoding)),
        ),
        new_text=new_text,
    )


def noqa_code_at(doc: Document, position: types.Position, encoding: str) -> str | None:
    """The rule code under the cursor inside a `# noqa: …` comment, if any."""
    text = doc.line(position.line)
    if "#" not in text:
        return None
    _, column = doc.checker_position(position, encoding)
    index = column - 1
    for match in _NOQA.finditer(text):
        if match.group("codes") is None:
            continue
        base = match.start("codes")
        for code in _CODE_IN_NOQA.finditer(match.group("codes")):
            if base + code.start() <= index <= base + code.end():
                return code.group().upper()
    return None


# -- docs ----------------------------------------------------------------------------------


def rule_markdown(code: str, messages: list[str] | None = None) -> str | None:
    """A rule's documentation for a hover: header, the findings' messages, the docs."""
    rule = get_rule(code)
    if rule is None:
        return None
    parts = [f"**{rule.code}** `{rule.name}` — {rule.summary}"]
    for message in messages or []:
        parts.append(f"> {message}")
    parts.append(rule.docs())
    parts.append(f"[{rule.code} documentation]({rule.url()})")
    return "\n\n".join(parts)


def workspace_edit(
    doc: Document, edits: list[types.TextEdit], capabilities: types.ClientCapabilities
) -> types.WorkspaceEdit:
    """Versioned `documentChanges` when the client takes them, else plain `changes`."""
    workspace = capabilities.workspace
    edit_caps = workspace.workspace_edit if workspace is not None else None
    if edit_caps is not None and edit_caps.document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={doc.uri: list(edits)})
