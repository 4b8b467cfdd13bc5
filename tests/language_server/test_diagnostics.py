"""Diagnostics end to end: pull or push by client, open/change/save/close, host
mode with exact positions (code strings, non-ASCII text), script mode by config."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import LOOP, Session, host_file

pytestmark = LOOP

HOST = host_file(
    '''\
    import math
    total = 0
    for v in values:
        total += add(v, 1)
    return total
    '''
)


def summary(diagnostics: list[types.Diagnostic]) -> list[tuple[object, int, int, int, int]]:
    return sorted(
        (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in diagnostics
    )


async def test_open_reports_orchestrator_findings_with_full_metadata(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    diagnostics = await session.diagnostics(uri, 1)
    assert summary(diagnostics) == [("SBX101", 12, 4, 12, 15), ("SBX103", 15, 8, 15, 26)]
    by_code = {d.code: d for d in diagnostics}
    for diagnostic in diagnostics:
        assert diagnostic.source == "sandbox-lint"
        assert diagnostic.code_description is not None
        rules_page = "https://github.com/sandbox-lint/sandbox-lint/blob/main/docs/rules.md"
        assert diagnostic.code_description.href.startswith(f"{rules_page}#{str(diagnostic.code).lower()}-")
    assert by_code["SBX103"].message == "augmented assignment is not allowed: write `total = total + add(v, 1)`"
    assert by_code["SBX103"].severity == types.DiagnosticSeverity.Warning
    assert by_code["SBX101"].severity == types.DiagnosticSeverity.Warning
    # The fix travels with the diagnostic, for code actions to use as is.
    data = by_code["SBX103"].data
    assert data == {
        "version": 1,
        "fix": {
            "message": "Rewrite as `total = total + add(v, 1)`",
            "applicability": "safe",
            "edits": [
                {
                    "range": {"start": {"line": 15, "character": 8}, "end": {"line": 15, "character": 26}},
                    "newText": "total = total + add(v, 1)",
                }
            ],
        },
    }
    assert by_code["SBX101"].data == {"version": 1}


async def test_pull_when_the_client_supports_it_push_otherwise(session: Session, tmp_path: Path) -> None:
    assert session.result.capabilities.diagnostic_provider is not None
    uri = session.open(tmp_path / "flows.py", HOST)
    if session.pull:
        pulled = await session.pulled(uri)
        assert [d.code for d in pulled] == ["SBX101", "SBX103"]
        await asyncio.sleep(0.3)  # a pushing server would have published by now
        assert session.publish_count == 0
    else:
        pushed = await session.published(uri, 1)
        assert [d.code for d in pushed] == ["SBX101", "SBX103"]


async def test_plain_python_outside_orchestrators_is_not_checked(session: Session, tmp_path: Path) -> None:
    text = "import os\n\nclass Helper:\n    count = 0\n\nHelper.count += 1\n"
    uri = session.open(tmp_path / "plain.py", text)
    assert await session.diagnostics(uri, 1) == []


async def test_changes_are_debounced_and_the_last_text_wins(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    await session.diagnostics(uri, 1)
    before = session.publish_count
    # Three edits in quick succession: fix the import, then the augmented assignment.
    fixed_import = HOST.replace("    import math\n", "    math = 1\n")
    session.replace_all(uri, fixed_import, 2)
    session.replace_all(uri, fixed_import.replace("total += add(v, 1)", "total += 1"), 3)
    final = fixed_import.replace("total += add(v, 1)", "total = total + add(v, 1)")
    session.replace_all(uri, final, 4)
    assert await session.diagnostics(uri, 4, after=before) == []
    if not session.pull:
        await asyncio.sleep(0.3)
        versions = [p.version for p in session.client.published[before:]]  # type: ignore[attr-defined]
        assert versions == [4], "one check after the burst of edits, none for the intermediate versions"


async def test_incremental_edit_is_applied_where_the_client_says(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    await session.diagnostics(uri, 1)
    before = session.publish_count
    # Replace `import math` (line 12, columns 4-15) with `y = 2`.
    session.edit(
        uri, 2, types.Range(start=types.Position(line=12, character=4), end=types.Position(line=12, character=15)), "y = 2"
    )
    diagnostics = await session.diagnostics(uri, 2, after=before)
    assert summary(diagnostics) == [("SBX103", 15, 8, 15, 26)]


@pytest.mark.init_options({"debounce": 600})
async def test_debounce_is_configurable(fresh: Session, tmp_path: Path) -> None:
    session = fresh
    uri = session.open(tmp_path / "flows.py", HOST)
    if session.pull:
        # The client decides when to pull: a pull right after an edit sees the
        # edit (no server-side debounce), and nothing is ever pushed.
        assert [d.code for d in await session.pulled(uri)] == ["SBX101", "SBX103"]
        session.replace_all(uri, HOST.replace("    import math\n", ""), 2)
        assert [d.code for d in await session.pulled(uri)] == ["SBX103"]
        assert session.publish_count == 0
        return
    await session.published(uri, 1)
    before = session.publish_count
    loop = asyncio.get_running_loop()
    started = loop.time()
    session.replace_all(uri, HOST.replace("    import math\n", ""), 2)
    diagnostics = await session.published(uri, 2, after=before)
    assert loop.time() - started >= 0.55
    assert [d.code for d in diagnostics] == ["SBX103"]


async def test_save_checks_and_close_clears(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    await session.diagnostics(uri, 1)
    before = session.publish_count
    session.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    if not session.pull:
        assert [d.code for d in await session.published(uri, 1, after=before)] == ["SBX101", "SBX103"]
    before = session.publish_count
    session.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    if session.pull:
        # Pull clients drop a closed document's diagnostics themselves; the server forgot it.
        assert await session.pulled(uri) == []
    else:
        assert await session.published(uri, None, after=before) == []


CODE_STRINGS = textwrap.dedent(
    '''\
    import runtime
    from runtime import TaskEnvironment

    env = TaskEnvironment(name="demo")


    @env.task
    def add(x: int, y: int) -> int:
        return x + y


    SUMMED = runtime.sandbox.orchestrator_from_str(
        """
        total = 0
        for v in values:
            total += add(v, 1)
        import json
        total
        """,
        inputs={"values": list[int]},
        output=int,
        tasks=[add],
    )
    '''
)


async def test_positions_inside_code_strings_are_exact(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "strings.py", CODE_STRINGS)
    diagnostics = await session.diagnostics(uri, 1)
    lines = CODE_STRINGS.splitlines()
    found = {d.code: d for d in diagnostics}
    assert summary(diagnostics) == [("SBX101", 16, 4, 16, 15), ("SBX103", 15, 8, 15, 26)]
    start, end = found["SBX101"].range.start, found["SBX101"].range.end
    assert lines[start.line][start.character : end.character] == "import json"
    start, end = found["SBX103"].range.start, found["SBX103"].range.end
    assert lines[start.line][start.character : end.character] == "total += add(v, 1)"


NON_ASCII = HOST.replace("        total += add(v, 1)\n", '        label = "é🐍"; total += 2\n')


async def test_columns_count_the_negotiated_encoding_after_non_ascii_text(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "unicode.py", NON_ASCII)
    diagnostics = await session.diagnostics(uri, 1)
    finding = next(d for d in diagnostics if d.code == "SBX103")
    # `        label = "é🐍"; total += 2`: `total` is at code point 22 (0-based), the end at 32.
    # UTF-16: é is 1 unit, 🐍 is 2 → 23; UTF-8: é is 2 bytes, 🐍 is 4 → 22 + 1 + 3 = 26.
    expected = {"utf-16": (23, 33), "utf-8": (26, 36), "utf-32": (22, 32)}[session.encoding]
    assert (finding.range.start.line, finding.range.start.character, finding.range.end.character) == (15, *expected)
    assert session.encoding == ("utf-8" if session.name == "neovim" else "utf-16")


async def test_script_files_follow_the_project_configuration(session: Session, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sandbox-lint]\nscripts = ["flows/*.py"]\ninterface = "tasks.pyi"\n', encoding="utf-8"
    )
    (tmp_path / "tasks.pyi").write_text("def add(x: int, y: int) -> int: ...\nvalues: list[int]\n", encoding="utf-8")
    script = "import os\ntotal = 0\nfor v in values:\n    total += add(v, 1)\ntotal\n"
    script_uri = session.open(tmp_path / "flows" / "job.py", script)
    host_uri = session.open(tmp_path / "other.py", script)  # not a script: nothing to check
    diagnostics = await session.diagnostics(script_uri, 1)
    assert summary(diagnostics) == [("SBX101", 0, 0, 0, 9), ("SBX103", 3, 4, 3, 22)]
    assert await session.diagnostics(host_uri, 1) == []


async def test_security_and_syntax_findings_are_errors(session: Session, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sandbox-lint]\nscripts = ["*.py"]\n', encoding="utf-8")
    uri = session.open(tmp_path / "bidi.py", 'import os\naccess = "user\u202e"\n')
    diagnostics = await session.diagnostics(uri, 1)
    severities = {d.code: d.severity for d in diagnostics}
    assert severities == {"SBX101": types.DiagnosticSeverity.Warning, "SBX205": types.DiagnosticSeverity.Error}
    broken = session.open(tmp_path / "broken.py", "def f(:\n    pass\n")
    diagnostics = await session.diagnostics(broken, 1)
    assert [(d.code, d.severity) for d in diagnostics] == [("SBX900", types.DiagnosticSeverity.Error)]
