"""Code actions end to end: the rule's fix (from the diagnostic's data, or
recomputed when stale), "Disable CODE for this line", and source.fixAll."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import LOOP, Session, apply_text_edits, edits_of, host_file

pytestmark = LOOP

HOST = host_file(
    '''\
    import math
    total = 0
    for v in values:
        total += add(v, 1)
    total *= 2
    return total
    '''
)
FIXED = HOST.replace("total += add(v, 1)", "total = total + add(v, 1)").replace("total *= 2", "total = total * 2")


async def actions_for(
    session: Session, uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    rng = diagnostics[0].range if diagnostics else types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    assert result is not None
    assert all(isinstance(action, types.CodeAction) for action in result)
    return list(result)  # type: ignore[arg-type]


def check_edit_shape(session: Session, edit: types.WorkspaceEdit | None, uri: str, version: int) -> None:
    """Versioned documentChanges for clients that take them (VS Code), plain changes otherwise."""
    assert edit is not None
    if session.name == "visual-studio-code":
        assert edit.changes is None and edit.document_changes is not None
        change = edit.document_changes[0]
        assert isinstance(change, types.TextDocumentEdit)
        assert (change.text_document.uri, change.text_document.version) == (uri, version)
    else:
        assert edit.document_changes is None and edit.changes is not None


async def test_quick_fix_comes_from_the_diagnostic_data(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    diagnostics = await session.diagnostics(uri, 1)
    augmented = [d for d in diagnostics if d.code == "SBX103"]
    actions = await actions_for(session, uri, augmented[:1])
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
        ("SBX103: Rewrite as `total = total + add(v, 1)`", types.CodeActionKind.QuickFix, True),
        ("Disable SBX103 for this line", types.CodeActionKind.QuickFix, None),
        ("Fix all auto-fixable sandbox-lint problems", "source.fixAll.sandbox-lint", None),
    ]
    fix = actions[0]
    assert list(fix.diagnostics or []) == augmented[:1]
    check_edit_shape(session, fix.edit, uri, 1)
    fixed = apply_text_edits(HOST, edits_of(fix.edit, uri), session.encoding)
    assert fixed == HOST.replace("total += add(v, 1)", "total = total + add(v, 1)")
    # The fixed text has one finding fewer.
    before = session.publish_count
    session.replace_all(uri, fixed, 2)
    assert [d.code for d in await session.diagnostics(uri, 2, after=before)] == ["SBX101", "SBX103"]


async def test_stale_diagnostic_data_is_recomputed_for_the_current_text(session: Session, tmp_path: Path) -> None:
    text = "\n" + HOST  # the client still shows diagnostics from before a line was inserted
    uri = session.open(tmp_path / "flows.py", HOST)
    old = [d for d in await session.diagnostics(uri, 1) if d.code == "SBX103"][0]
    before = session.publish_count
    session.replace_all(uri, text, 2)
    current = [d for d in await session.diagnostics(uri, 2, after=before) if d.code == "SBX103"][0]
    assert current.range.start.line == old.range.start.line + 1
    stale = types.Diagnostic(
        range=current.range, message=current.message, code="SBX103", source="sandbox-lint", data={"version": 1, "fix": {}}
    )
    actions = await actions_for(session, uri, [stale], only=[types.CodeActionKind.QuickFix])
    assert actions[0].title == "SBX103: Rewrite as `total = total + add(v, 1)`"
    fixed = apply_text_edits(text, edits_of(actions[0].edit, uri), session.encoding)
    assert fixed == text.replace("total += add(v, 1)", "total = total + add(v, 1)")


async def test_disable_for_this_line_adds_a_noqa_comment(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    imports = [d for d in await session.diagnostics(uri, 1) if d.code == "SBX101"]
    actions = await actions_for(session, uri, imports, only=[types.CodeActionKind.QuickFix])
    assert [a.title for a in actions] == ["Disable SBX101 for this line"]  # SBX101 has no fix
    fixed = apply_text_edits(HOST, edits_of(actions[0].edit, uri), session.encoding)
    assert "    import math  # noqa: SBX101\n" in fixed
    before = session.publish_count
    session.replace_all(uri, fixed, 2)
    # Silenced for the linter; the runtime gate ignores `# noqa`, which SBX603 notes.
    assert [d.code for d in await session.diagnostics(uri, 2, after=before)] == ["SBX603", "SBX103", "SBX103"]


async def test_disable_merges_into_an_existing_noqa_comment(session: Session, tmp_path: Path) -> None:
    text = HOST.replace("    import math\n", "    import math  # noqa:SBX103\n")
    uri = session.open(tmp_path / "flows.py", text)
    imports = [d for d in await session.diagnostics(uri, 1) if d.code == "SBX101"]
    actions = await actions_for(session, uri, imports, only=[types.CodeActionKind.QuickFix])
    fixed = apply_text_edits(text, edits_of(actions[0].edit, uri), session.encoding)
    assert "    import math  # noqa: SBX103, SBX101\n" in fixed


async def test_fix_all_applies_every_safe_fix_as_one_edit(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    diagnostics = await session.diagnostics(uri, 1)
    actions = await actions_for(session, uri, diagnostics, only=[types.CodeActionKind.SourceFixAll])
    assert [(a.title, a.kind) for a in actions] == [
        ("Fix all auto-fixable sandbox-lint problems", "source.fixAll.sandbox-lint")
    ]
    action = actions[0]
    # Both clients resolve code actions, so the edit is computed on codeAction/resolve.
    assert action.edit is None
    resolved = await session.client.code_action_resolve_async(action)
    check_edit_shape(session, resolved.edit, uri, 1)
    edits = edits_of(resolved.edit, uri)
    assert len(edits) == 1 and edits[0].range.start == types.Position(line=0, character=0)
    assert apply_text_edits(HOST, edits, session.encoding) == FIXED


@pytest.mark.capabilities("no-resolve")
async def test_fix_all_edit_is_inline_for_clients_without_resolve(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    await fresh.diagnostics(uri, 1)
    actions = await actions_for(fresh, uri, [], only=["source.fixAll.sandbox-lint"])
    assert len(actions) == 1
    assert apply_text_edits(HOST, edits_of(actions[0].edit, uri), fresh.encoding) == FIXED


async def test_kinds_are_filtered_and_foreign_diagnostics_ignored(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    diagnostics = await session.diagnostics(uri, 1)
    quick = await actions_for(session, uri, diagnostics, only=[types.CodeActionKind.QuickFix])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in quick)
    assert await actions_for(session, uri, diagnostics, only=[types.CodeActionKind.Refactor]) == []
    foreign = types.Diagnostic(range=diagnostics[0].range, message="unused", code="F401", source="flake8")
    assert [a.kind for a in await actions_for(session, uri, [foreign])] == ["source.fixAll.sandbox-lint"]
    clean = session.open(tmp_path / "clean.py", FIXED.replace("    import math\n", ""))
    assert await session.diagnostics(clean, 1) == []
    assert await actions_for(session, clean, []) == []


@pytest.mark.parametrize("brk", ["\r", "\r\n"])
async def test_fix_all_keeps_carriage_return_line_breaks(session: Session, tmp_path: Path, brk: str) -> None:
    # Before the one line model, lone `\r` files came back corrupted.
    text, fixed = HOST.replace("\n", brk), FIXED.replace("\n", brk)
    uri = session.open(tmp_path / "flows.py", text)
    await session.diagnostics(uri, 1)
    actions = await actions_for(session, uri, [], only=["source.fixAll.sandbox-lint"])
    action = actions[0]
    if action.edit is None:
        action = await session.client.code_action_resolve_async(action)
    assert apply_text_edits(text, edits_of(action.edit, uri), session.encoding) == fixed


SUGGESTED = host_file(
    '''\
    counts = {}
    for v in values:
        counts[v] = add(v, 1)
    return len(counts)
    '''
)


async def test_display_fixes_are_offered_as_suggestions_never_fixed_all(session: Session, tmp_path: Path) -> None:
    """A suggested rewrite (applicability "display") is a quick fix marked as a
    suggestion, never preferred, and never part of "fix all" (ruff's server offers
    display-only fixes the same way)."""
    uri = session.open(tmp_path / "flows.py", SUGGESTED)
    diagnostics = await session.diagnostics(uri, 1)
    (subscript,) = [d for d in diagnostics if d.code == "SBX102"]
    assert isinstance(subscript.data, dict) and subscript.data["fix"]["applicability"] == "display"
    actions = await actions_for(session, uri, [subscript])
    assert [(a.title, a.is_preferred) for a in actions] == [
        ("SBX102: Rewrite as `counts = {**counts, v: add(v, 1)}` (suggestion: review the rewrite)", False),
        ("Disable SBX102 for this line", None),
    ]
    assert "`counts = {**counts, v: add(v, 1)}`" in subscript.message  # the same code as the message
    rewritten = apply_text_edits(SUGGESTED, edits_of(actions[0].edit, uri), session.encoding)
    assert "        counts = {**counts, v: add(v, 1)}\n" in rewritten
    before = session.publish_count
    session.replace_all(uri, rewritten, 2)
    assert [d.code for d in await session.diagnostics(uri, 2, after=before)] == []
