"""The server's pure parts, table-driven: positions and edits (`lsp.documents`),
editor settings (`lsp.options`), `# noqa` edits and rule docs (`lsp.convert`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from lsp import convert, options
from lsp.project import Project
from lsp.documents import Document, code_points, units
from lsp.options import EditorSettings
from sandbox_lint import check
from sandbox_lint.settings import Settings

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


# -- documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", [""]),
        ("a", ["a"]),
        ("a\n", ["a", ""]),
        ("a\r\nb\rc\nd", ["a", "b", "c", "d"]),
        # Not line breaks in LSP (nor for the checker), though str.splitlines breaks there.
        ("a\x0cb\x1cc\u2028d\x85e\n", ["a\x0cb\x1cc\u2028d\x85e", ""]),
    ],
)
def test_lines_end_only_at_lsp_line_breaks(text: str, lines: list[str]) -> None:
    doc = Document("file:///x.py", text)
    assert [doc.line(i) for i in range(doc.line_count)] == lines


@pytest.mark.parametrize(
    ("line", "column", "encoding", "expected"),
    [
        (1, 1, UTF16, (0, 0)),
        (1, 3, UTF16, (0, 2)),  # after "xé": 1 + 1 units
        (2, 3, UTF16, (1, 3)),  # "é🐍": é is 1 unit, 🐍 is 2
        (2, 3, UTF8, (1, 6)),  # é is 2 bytes, 🐍 is 4
        (2, 3, UTF32, (1, 2)),
        (2, 99, UTF16, (1, 4)),  # past the end of the line: its end
        (99, 5, UTF16, (2, 0)),  # past the last line: the last line
        (0, 0, UTF16, (0, 0)),
    ],
)
def test_checker_positions_to_client_units(
    line: int, column: int, encoding: str, expected: tuple[int, int]
) -> None:
    doc = Document("file:///x.py", "xé\né🐍x\n")
    position = doc.to_client(line, column, encoding)
    assert (position.line, position.character) == expected


@pytest.mark.parametrize(
    ("character", "encoding", "offset"),
    [
        (0, UTF16, 0),
        (1, UTF16, 1),
        (2, UTF16, 1),  # inside the surrogate pair of 🐍: rounds down to its start
        (3, UTF16, 2),
        (4, UTF16, 3),
        (9, UTF16, 3),  # past the end of the line: its end, not the next line
        (1, UTF8, 0),  # inside é's two bytes
        (2, UTF8, 1),
        (6, UTF8, 2),
        (2, UTF32, 2),
    ],
)
def test_client_positions_to_offsets(character: int, encoding: str, offset: int) -> None:
    doc = Document("file:///x.py", "é🐍x\r\nnext")
    assert doc.offset(pos(0, character), encoding) == offset


def test_incremental_edits_apply_in_order_across_line_break_styles() -> None:
    doc = Document("file:///x.py", "a\x0cb\r\ncé🐍d\rlast", version=1)
    doc.apply_changes(
        [
            types.TextDocumentContentChangePartial(range=types.Range(start=pos(1, 4), end=pos(1, 5)), text="D"),
            types.TextDocumentContentChangePartial(range=types.Range(start=pos(2, 0), end=pos(2, 4)), text="LAST"),
            types.TextDocumentContentChangePartial(range=types.Range(start=pos(0, 1), end=pos(1, 1)), text="-"),
        ],
        2,
        UTF16,
    )
    assert (doc.text, doc.version) == ("a-é🐍D\rLAST", 2)
    doc.apply_changes([types.TextDocumentContentChangeWholeDocument(text="new")], 3, UTF16)
    assert (doc.text, doc.version, doc.line_count) == ("new", 3, 1)


@given(st.text(max_size=30), st.integers(min_value=0, max_value=40))
def test_units_and_code_points_are_inverse(line: str, count: int) -> None:
    for encoding in (UTF8, UTF16, UTF32):
        points = code_points(line, count, encoding)
        assert 0 <= points <= len(line)
        assert units(line[:points], encoding) <= count
        if points < len(line):
            assert units(line[: points + 1], encoding) > count


def test_full_range_ends_at_the_last_character() -> None:
    doc = Document("file:///x.py", "a\n🐍")
    assert doc.full_range(UTF16) == types.Range(start=pos(0, 0), end=pos(1, 2))


# -- options -----------------------------------------------------------------------------------


def test_settings_overlay_and_validation() -> None:
    base, problems = options.parse(
        {"enable": True, "select": ["sbx1"], "severity": {"SBX103": "Hint"}, "args": ["--verbose"]},
        EditorSettings(),
        "initializationOptions",
    )
    # `args` says how the client starts the server: accepted, not the server's to keep.
    assert problems == []
    assert base == EditorSettings(select=("SBX1",), severity=(("SBX103", "hint"),))
    overlay, problems = options.parse({"ignore": ["SBX110", 3, "not a code!"], "debounce": 0}, base, "config")
    assert overlay.select == ("SBX1",) and overlay.ignore == ("SBX110",) and overlay.debounce_ms == 0
    assert problems == [
        "config: `ignore`: ignored 3, expected a non-empty string",
        "config: `ignore`: unknown rule code or prefix `not a code!`: ignored",
    ]
    assert options.parse(None, base, "x") == (base, [])
    assert options.parse([1], base, "x")[1] == ["x: expected an object of sandbox-lint settings, got [1]"]
    assert options.parse({"enable": "yes"}, base, "x")[1] == ["x: `enable` must be true or false, got 'yes'"]


@pytest.mark.parametrize(
    ("severity", "code", "expected"),
    [
        ((), "SBX103", types.DiagnosticSeverity.Warning),
        ((), "SBX201", types.DiagnosticSeverity.Error),
        ((), "SBX207", types.DiagnosticSeverity.Error),
        ((), "SBX900", types.DiagnosticSeverity.Error),
        ((), "SBX401", types.DiagnosticSeverity.Warning),
        ((("SBX2", "warning"),), "SBX201", types.DiagnosticSeverity.Warning),
        ((("SBX", "hint"), ("SBX10", "information")), "SBX103", types.DiagnosticSeverity.Information),
        ((("SBX", "hint"), ("SBX10", "information")), "SBX201", types.DiagnosticSeverity.Hint),
    ],
)
def test_severity_longest_prefix_then_defaults(
    severity: tuple[tuple[str, str], ...], code: str, expected: types.DiagnosticSeverity
) -> None:
    assert EditorSettings(severity=severity).severity_of(code) == expected


def test_editor_select_and_ignore_layer_like_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sandbox-lint]\nselect = ["SBX1", "SBX2"]\nignore = ["SBX110"]\n[tool.sandbox-lint.limits]\nmax-depth = 50\n',
        encoding="utf-8",
    )
    uri = (tmp_path / "flows.py").as_uri()
    project = Project()
    assert project.file_config(uri).settings == Settings(select=("SBX1", "SBX2"), ignore=("SBX110",), max_depth=50)
    project.configure(EditorSettings(ignore=("SBX101",)))  # --ignore adds
    assert project.file_config(uri).settings.ignore == ("SBX110", "SBX101")
    project.configure(EditorSettings(select=("SBX103",), ignore=("SBX2",)))  # --select starts over
    assert project.file_config(uri).settings == Settings(select=("SBX103",), ignore=("SBX2",), max_depth=50)
    assert project.take_problems() == []


def test_unsaved_documents_are_host_files_and_bad_configs_fall_back(tmp_path: Path) -> None:
    project = Project()
    assert project.mode("untitled:Untitled-1") == "host"
    (tmp_path / "pyproject.toml").write_text("[tool.sandbox-lint]\nselect = 3\n", encoding="utf-8")
    uri = (tmp_path / "flows.py").as_uri()
    assert project.file_config(uri).settings == Settings()
    [problem] = project.take_problems()
    assert "`select` must be a list of strings" in problem and problem.endswith("with the default settings")
    assert project.checker(uri)("x += 1") == []  # a plain host file: nothing to check


# -- noqa and docs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "result"),
    [
        ("x += 1", "SBX103", "x += 1  # noqa: SBX103"),
        ("x += 1   ", "SBX103", "x += 1  # noqa: SBX103"),
        ("x += 1  # total", "SBX103", "x += 1  # total  # noqa: SBX103"),
        ("import os  # noqa: SBX103", "SBX101", "import os  # noqa: SBX103, SBX101"),
        ("import os  #noqa:sbx103,SBX105 because", "SBX101", "import os  # noqa: SBX103, SBX105, SBX101 because"),
        ("import os  # noqa: SBX101", "SBX101", None),  # already there
        ("import os  # noqa", "SBX101", None),  # a bare noqa silences everything
        ("x = 1 + \\", "SBX103", None),  # a comment cannot follow a line continuation
        ('s = "🐍"; x += 1', "SBX103", 's = "🐍"; x += 1  # noqa: SBX103'),
    ],
)
def test_noqa_edit(line: str, code: str, result: str | None) -> None:
    doc = Document("file:///x.py", f"first\n{line}\nlast\n")
    edit = convert.noqa_edit(doc, 1, code, UTF16)
    if result is None:
        assert edit is None
        return
    assert edit is not None and edit.range.start.line == edit.range.end.line == 1
    start, end = doc.offset(edit.range.start, UTF16), doc.offset(edit.range.end, UTF16)
    assert doc.text[:start] + edit.new_text + doc.text[end:] == f"first\n{result}\nlast\n"


def test_noqa_edits_silence_the_finding_in_the_checker() -> None:
    source = "x = 1\nx += 1\nimport os\n"
    doc = Document("file:///x.py", source)
    for diagnostic in check(source):
        edit = convert.noqa_edit(doc, diagnostic.line - 1, diagnostic.code, UTF16)
        assert edit is not None
        start, end = doc.offset(edit.range.start, UTF16), doc.offset(edit.range.end, UTF16)
        doc = Document("file:///x.py", doc.text[:start] + edit.new_text + doc.text[end:])
    # Silenced for the linter; on sandbox code the runtime gate ignores `# noqa`,
    # which SBX603 notes on each line (information, in editors).
    remaining = check(doc.text)
    assert [(d.line, d.code) for d in remaining] == [(2, "SBX603"), (3, "SBX603")]


@pytest.mark.parametrize(
    ("character", "code"),
    # "import os  # noqa: SBX101, sbx103": SBX101 spans 19-25, sbx103 27-33 (ends count).
    [(0, None), (12, None), (19, "SBX101"), (25, "SBX101"), (26, None), (27, "SBX103"), (33, "SBX103")],
)
def test_noqa_code_under_the_cursor(character: int, code: str | None) -> None:
    doc = Document("file:///x.py", "import os  # noqa: SBX101, sbx103")
    assert convert.noqa_code_at(doc, pos(0, character), UTF16) == code


def test_rule_markdown() -> None:
    text = convert.rule_markdown("sbx103", ["augmented assignment is not allowed"])
    assert text is not None
    assert text.startswith("**SBX103** `augmented-assignment` — ")
    assert "> augmented assignment is not allowed" in text and "## Fix safety" in text
    assert convert.rule_markdown("SBX999") is None
