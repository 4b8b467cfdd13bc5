"""Robustness: no input crashes the checker, and hostile inputs get clean diagnostics.

- Generated programs (hypothesmith, from CPython's grammar and from libcst's
  node types), random text and random bytes never make `check` / `check_host`
  raise; every result is a list of well-formed diagnostics: registered codes,
  1-based positions inside the source.
- Embedding a program in a host file's code string reports the same findings
  as checking it as a script, shifted to the exact host positions.
- 10,000-deep nesting gives SBX206, a 5 MB file gives SBX206, invalid UTF-8
  through the CLI gives SBX900, and bidi control characters give SBX205 at the
  exact position; deep code within the limits is checked normally.

Generation is the slow part (hypothesmith's `from_node` takes ~0.5 s per
program), hence the modest example counts. Timeouts guard against hangs;
nothing here asserts a duration.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sandbox_lint import Diagnostic, check, check_host, parse_stub
from sandbox_lint.interface import InputDecl, Interface, Param, TaskSignature
from sandbox_lint.rules import RULES_BY_CODE
from sandbox_lint.settings import Settings

# hypothesmith compiles what it generates; CPython's warnings about it are noise here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_INTERFACE = parse_stub((ROOT / "examples" / "scripts" / "tasks.pyi").read_text(encoding="utf-8"))

GENERATED = settings(
    max_examples=200,
    deadline=None,
    # hypothesmith discards the programs CPython would not compile: filtering is its nature.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
SLOW_GENERATED = settings(GENERATED, max_examples=100)
# Room for hypothesis to shrink a failure (it gives up after 5 minutes) and report it,
# instead of the suite's 300 s timeout cutting it off mid-shrink.
SHRINK_TIMEOUT = pytest.mark.timeout(600)

# Python's own line breaks: \r\n, \r and \n (not form feed and the other
# characters str.splitlines() also splits on).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

HOST_HEADER = (
    "import runtime\n"
    "\n"
    'env = runtime.TaskEnvironment(name="robustness")\n'
    "\n"
    "\n"
    "@env.task\n"
    "def add(x: int, y: int) -> int:\n"
    "    return x + y\n"
    "\n"
    "\n"
)
CODE_STRING_OPEN = 'template = runtime.sandbox.orchestrator_from_str(\n    """\n'
CODE_STRING_CLOSE = '\n    """,\n    inputs={"n": int},\n    output=int,\n    tasks=[add],\n)\n'
# The interface the code string above declares, for checking the same text as a script.
CODE_STRING_INTERFACE = Interface(
    tasks=(TaskSignature("add", (Param("x", "int"), Param("y", "int")), "int"),),
    inputs=(InputDecl("n", "int"),),
    output="int",
)


def assert_well_formed(source: str, diagnostics: object) -> None:
    """A list of Diagnostics with registered codes and positions inside `source`."""
    assert isinstance(diagnostics, list)
    lines = _LINE_BREAK.split(source)
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.code in RULES_BY_CODE, d
        assert d.name == RULES_BY_CODE[d.code].name, d
        assert isinstance(d.message, str) and d.message.strip(), d
        assert 1 <= d.line <= len(lines), (d, len(lines))
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (d, lines[d.line - 1])
        assert d.line <= d.end_line <= len(lines), (d, len(lines))
        assert (d.end_line, d.end_column) >= (d.line, d.column), d
        # One past the end of the line: a one-character range on the line break itself.
        assert d.end_column <= len(lines[d.end_line - 1]) + 2, (d, lines[d.end_line - 1])
        if d.fix is not None:
            assert d.fix.applicability in ("safe", "unsafe", "display")
            for edit in d.fix.edits:
                assert 1 <= edit.line <= edit.end_line <= len(lines), (d, edit)
                assert (edit.end_line, edit.end_column) >= (edit.line, edit.column), (d, edit)


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def indent(source: str) -> str:
    return "\n".join("    " + line if line.strip() else line for line in source.split("\n"))


def as_decorated_orchestrator(source: str) -> str:
    return HOST_HEADER + "@env.sandbox.orchestrator\ndef generated(n: int) -> int:\n" + indent(source) + "\n"


def as_code_string(source: str) -> str:
    return HOST_HEADER + CODE_STRING_OPEN + indent(source) + CODE_STRING_CLOSE


def embeddable(source: str) -> bool:
    """Text that reads back unchanged from inside an indented triple-quoted string
    (the runtime dedents code strings, and so does the checker)."""
    if any(text in source for text in ('"""', "\\", "\r", "\x0c", "\t", "\x00")) or source.endswith('"'):
        return False
    # What the indented string dedents back to must be the source itself
    # (textwrap only strips spaces and tabs: a line of U+00A0 keeps the margin).
    return textwrap.dedent(indent(source)) == source


def assert_code_string_matches_script(source: str) -> None:
    """The same findings as the script, each moved to its exact place in the host file."""
    # The string's value, dedented as the runtime does, is exactly this text
    # (the line after the opening quotes, the source, the closing line): the
    # same text as a script, so even end-of-file positions agree.
    inner = "\n" + source + "\n"
    opening_line = (HOST_HEADER + CODE_STRING_OPEN).count("\n")
    lines = inner.split("\n")
    script = check(inner, interface=CODE_STRING_INTERFACE)
    host = check_host(as_code_string(source))

    def shifted(line: int, column: int) -> tuple[int, int]:
        moved = 4 if line <= len(lines) and lines[line - 1].strip() else 0
        return line + opening_line - 1, column + moved

    expected = [(d.code, *shifted(d.line, d.column)) for d in script]
    note(f"script: {script}\nhost: {host}")
    assert [(d.code, d.line, d.column) for d in host] == expected


def check_every_way(source: str) -> None:
    """Script mode with and without an interface, and host mode in both embeddings."""
    note(repr(source))
    assert_well_formed(source, check(source))
    assert_well_formed(source, check(source, interface=EXAMPLES_INTERFACE))
    decorated = as_decorated_orchestrator(source)
    assert_well_formed(decorated, check_host(decorated))
    if embeddable(source):
        assert_well_formed(as_code_string(source), check_host(as_code_string(source)))
        assert_code_string_matches_script(source)


# --- generated programs ---------------------------------------------------------------


@SHRINK_TIMEOUT
@GENERATED
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar_never_crash_the_checker(source: str) -> None:
    check_every_way(source)


@SHRINK_TIMEOUT
@SLOW_GENERATED
@given(hypothesmith.from_node())
def test_programs_from_libcst_nodes_never_crash_the_checker(source: str) -> None:
    check_every_way(source)


# --- random text and bytes ----------------------------------------------------------------

_TOKENS = [
    "x", "y", "f", "await", "async", "def", "lambda", "if", "else", "for", "in", "while", "return", "import",
    "class", "try:", "except", "with", "yield", "global", "del", "match", "case", ":=", "=", "+=", ":", ",",
    ".", "(", ")", "[", "]", "{", "}", "*", "**", "+", "-", "@", "not", "and", "or", "'", '"', '"""', "f'{",
    "}'", "#", "\\", "0", "1.5", "0x_", "1j", "_", "__class__", "\n", "\n    ", "\t", " ", "\r", "\x00",
    "\u202e", "é", "ｅ",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(_TOKENS), max_size=80).map("".join)


@SHRINK_TIMEOUT
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), token_soup))
def test_random_text_never_crashes_the_checker(text: str) -> None:
    check_every_way(text)


@SHRINK_TIMEOUT
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_checker(data: bytes) -> None:
    # The CLI decodes files as UTF-8; the core receives whatever text results.
    for text in (data.decode("utf-8", "surrogateescape"), data.decode("latin-1")):
        note(repr(text))
        assert_well_formed(text, check(text))
        host = as_decorated_orchestrator(text)
        assert_well_formed(host, check_host(host))


def test_non_str_source_is_a_clear_type_error_not_a_crash() -> None:
    with pytest.raises(TypeError, match="source text"):
        check(b"x = 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source text"):
        check_host(None)  # type: ignore[arg-type]


# --- 10,000-deep nesting --------------------------------------------------------------------

N = 10_000

DEEP = {
    "parentheses": "x = " + "(" * N + "1" + ")" * N + "\n",
    "lists": "x = " + "[" * N + "1" + "]" * N + "\n",
    "dicts": "x = " + "{'k': " * N + "1" + "}" * N + "\n",
    "calls": "x = " + "f(" * N + "1" + ")" * N + "\n",
    "not": "x = " + "not " * N + "y\n",
    "unary minus": "x = " + "-" * N + "1\n",
    "binary operator chain": "x = " + " + ".join(["1"] * N) + "\n",
    "power chain": "x = " + " ** ".join(["2"] * N) + "\n",
    "boolean chain": "x = " + " and ".join(["a"] * N) + "\n",
    "attribute chain": "x = a" + ".b" * N + "\n",
    "subscript chain": "x = a" + "[0]" * N + "\n",
    "call chain": "x = f" + "()" * N + "\n",
    "lambdas": "x = " + "lambda: " * N + "1\n",
    "conditional expressions": "x = " + "1 if c else " * N + "1\n",
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("shape", list(DEEP))
def test_ten_thousand_deep_nesting_is_a_resource_limit(shape: str) -> None:
    # CPython's parser stops these (200 nested brackets, its recursion limit)
    # and the checker reports that as a limit, SBX206, not a syntax error.
    source = DEEP[shape]
    diagnostics = check(source)
    assert_well_formed(source, diagnostics)
    assert codes(diagnostics) == ["SBX206"], diagnostics
    assert diagnostics[0].line == 1
    assert "nest" in diagnostics[0].message


@pytest.mark.timeout(120)
def test_ten_thousand_nested_ifs_exceed_the_size_limit() -> None:
    # Indentation grows with depth: 10,000 levels take ~50 MB of spaces.
    source = "".join(" " * level + "if x:\n" for level in range(N)) + " " * N + "pass\n"
    diagnostics = check(source)
    assert codes(diagnostics) == ["SBX206"]
    assert (diagnostics[0].line, diagnostics[0].column) == (1, 1)
    assert "bytes, over the limit of 1,000,000" in diagnostics[0].message


@pytest.mark.timeout(120)
def test_thousand_nested_ifs_hit_cpythons_indentation_limit() -> None:
    source = "".join(" " * level + "if x:\n" for level in range(1000)) + " " * 1000 + "pass\n"
    assert len(source.encode()) < Settings().max_bytes
    diagnostics = check(source)
    assert codes(diagnostics) == ["SBX206"]
    # CPython allows 100 levels of indentation: the 101st `if` line is the one refused.
    assert diagnostics[0].line == 101
    assert "indentation" in diagnostics[0].message


@pytest.mark.timeout(120)
@pytest.mark.parametrize("shape", ["parentheses", "not", "binary operator chain", "boolean chain"])
def test_ten_thousand_deep_nesting_in_host_files(shape: str) -> None:
    expression = DEEP[shape][len("x = ") : -1]
    decorated = HOST_HEADER + "@env.sandbox.orchestrator\ndef deep(n: int) -> int:\n    x = " + expression + "\n    return x\n"
    diagnostics = check_host(decorated)
    assert_well_formed(decorated, diagnostics)
    assert codes(diagnostics) == ["SBX206"], diagnostics

    embedded = as_code_string("x = " + expression + "\nx")
    diagnostics = check_host(embedded)
    assert_well_formed(embedded, diagnostics)
    assert codes(diagnostics) == ["SBX206"], diagnostics
    # Reported inside the code string: from the line of its opening quotes on.
    string_line = (HOST_HEADER + CODE_STRING_OPEN).count("\n")
    assert string_line <= diagnostics[0].line <= string_line + 2


def test_a_long_flat_comparison_is_not_nesting() -> None:
    # `a < a < ... < a` is one Comparison node in libcst, however long.
    source = "x = " + " < ".join(["a"] * N) + "\ny += 1\n"
    diagnostics = check(source)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX103", 2, 1)]


# --- deep but within the limits: checked normally ------------------------------------------

WITHIN_LIMITS = {
    # shape: (source, line, column) of the one SBX110 finding (a set literal) at the innermost level
    "150 parentheses": ("x = " + "(" * 150 + "{1, 2}" + ")" * 150 + "\n", 1, 155),
    "50 nested lists": ("x = " + "[" * 50 + "{1, 2}" + "]" * 50 + "\n", 1, 55),
    "50 nested calls": ("x = " + "print(" * 50 + "{1, 2}" + ")" * 50 + "\n", 1, 5 + 6 * 50),
    "150 additions": ("x = " + "1 + " * 150 + "{1, 2}\n", 1, 5 + 4 * 150),
    "150 nots": ("x = " + "not " * 150 + "{1, 2}\n", 1, 5 + 4 * 150),
    "50 nested ifs": ("".join("    " * i + "if n:\n" for i in range(50)) + "    " * 50 + "x = {1, 2}\n", 51, 5 + 4 * 50),
    "30 nested defs": (
        "".join("    " * i + f"def f{i}():\n" for i in range(30)) + "    " * 30 + "return {1, 2}\n",
        31,
        8 + 4 * 30,
    ),
}  # fmt: skip


@pytest.mark.parametrize("shape", list(WITHIN_LIMITS))
def test_deep_code_within_the_limits_is_checked_normally(shape: str) -> None:
    source, line, column = WITHIN_LIMITS[shape]
    diagnostics = check(source)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX110", line, column)], diagnostics


@pytest.mark.timeout(120)
def test_a_file_at_the_size_limit_is_checked_normally_and_one_byte_more_is_not() -> None:
    limit = Settings(max_bytes=50_000)
    line = "total = total + compute(item, 3) * 2  # a comment about the step\n"
    count = (limit.max_bytes - 100) // len(line)
    body = "total = 0\n" + line * count + "total += 1\n"
    source = body + "#" * (limit.max_bytes - len(body) - 1) + "\n"
    assert len(source.encode()) == limit.max_bytes
    diagnostics = check(source, settings=limit)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX103", count + 2, 1)]
    diagnostics = check(source + " ", settings=limit)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX206", 1, 1)]
    assert "50,001 bytes, over the limit of 50,000" in diagnostics[0].message


# --- a 5 MB file -----------------------------------------------------------------------------

FIVE_MB_LINE = "total = total + compute(item, 3) * 2  # a comment about the step\n"
FIVE_MB = "total = 0\n" + FIVE_MB_LINE * (5_000_000 // len(FIVE_MB_LINE) + 1)


@pytest.mark.timeout(60)
def test_a_five_megabyte_script_is_a_resource_limit() -> None:
    assert len(FIVE_MB.encode()) > 5_000_000
    diagnostics = check(FIVE_MB)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX206", 1, 1)]
    assert "over the limit of 1,000,000" in diagnostics[0].message


@pytest.mark.timeout(60)
def test_a_five_megabyte_host_file_is_a_resource_limit() -> None:
    source = as_decorated_orchestrator("x = 1\nreturn x") + FIVE_MB
    diagnostics = check_host(source)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("SBX206", 1, 1)]


def test_the_size_limit_is_a_setting() -> None:
    source = "x = 1\n" * 100
    assert codes(check(source, settings=Settings(max_bytes=100))) == ["SBX206"]
    assert check(source, settings=Settings(max_bytes=1000)) == []


# --- line breaks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,expected",
    [
        ("x = 1\ry += 1\r", ("SBX103", 2, 1)),
        ("x = 1\ry = '\u202e'\r", ("SBX205", 2, 6)),
        ("x = 1\r\x00\r", ("SBX900", 2, 1)),
        ("x = 1\r\ny = '\u202e'\r\n", ("SBX205", 2, 6)),
    ],
    ids=["rule finding", "bidi character", "null byte", "crlf"],
)
def test_a_lone_carriage_return_is_a_line_break_for_every_position(source: str, expected: tuple[str, int, int]) -> None:
    # Python (and libcst, and LSP clients) end a line at \r\n, \r or \n; every
    # diagnostic must count lines the same way, not only the rules' findings.
    diagnostics = check(source)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [expected]


# --- bidi and invisible characters -----------------------------------------------------------

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_bidi_characters_are_reported_at_their_exact_position(char: str) -> None:
    # In a string (line 2), in a comment (line 3), after non-ASCII text (line 4).
    source = f"x = 1\nname = 'ab{char}cd'\n# note {char}\nlabel = 'caf\u00e9 {char}'\n"
    diagnostics = check(source)
    found = [(d.code, d.line, d.column, d.end_line, d.end_column) for d in diagnostics]
    assert found == [
        ("SBX205", 2, 11, 2, 12),
        ("SBX205", 3, 8, 3, 9),
        ("SBX205", 4, 15, 4, 16),
    ]
    assert f"U+{ord(char):04X}" in diagnostics[0].message


def test_trojan_source_in_a_code_string_is_reported_at_the_host_position() -> None:
    source = as_code_string('access = "user\u202e \u2066# admin\u2069 \u2066"\naccess')
    line = (HOST_HEADER + CODE_STRING_OPEN).count("\n") + 1
    found = [(d.code, d.line, d.column) for d in check_host(source)]
    assert found == [("SBX205", line, 19), ("SBX205", line, 21), ("SBX205", line, 29), ("SBX205", line, 31)]


def test_trojan_source_in_a_decorated_orchestrator_is_reported() -> None:
    # An orchestrator's body is sandbox code: SBX205 applies "anywhere in the source" (SPEC §2).
    source = as_decorated_orchestrator('access = "user\u202e \u2066# admin\u2069 \u2066"\nreturn 1')
    line = HOST_HEADER.count("\n") + 3
    found = [(d.code, d.line, d.column) for d in check_host(source)]
    assert found == [("SBX205", line, 19), ("SBX205", line, 21), ("SBX205", line, 29), ("SBX205", line, 31)]


# --- invalid UTF-8 through the CLI -----------------------------------------------------------

# The installed console script (the real CLI binary); `python -m` would put the
# working directory, full of garbage files, first on sys.path.
_SCRIPT = Path(sys.executable).with_name("sandbox-lint")
SANDBOX_LINT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-I", "-m", "sandbox_lint"]


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path) -> tuple[int, str]:
    result = subprocess.run(
        [*SANDBOX_LINT, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120, check=False
    )
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    return result.returncode, stdout + stderr


def test_invalid_utf8_file_is_sbx900_at_the_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b'x = 1\ny = "caf\xe9"\n')
    status, output = run_cli("check", "--script", "bad.py", cwd=tmp_path)
    assert status == 1, output
    assert output.splitlines()[0].startswith("bad.py:2:9: SBX900 ")
    assert "UTF-8" in output


def test_invalid_utf8_on_stdin_is_sbx900(tmp_path: Path) -> None:
    status, output = run_cli("check", "--output-format", "json", "-", stdin=b"x = '\xff\xfe'\n", cwd=tmp_path)
    assert status == 1, output
    # stdout is the JSON list; the note on what was checked follows on stderr.
    document, _, note = output.partition("]\n")
    assert "nothing was checked" in note
    found = json.loads(document + "]")
    assert [(d["code"], d["location"]["row"], d["location"]["column"]) for d in found] == [("SBX900", 1, 6)]


def test_binary_garbage_files_give_diagnostics_not_crashes(tmp_path: Path) -> None:
    rng = random.Random(2024)
    samples = {
        "garbage.py": bytes(rng.randrange(256) for _ in range(4000)),
        "nulls.py": b"x = 1\n\x00\x00\x00\n",
        "truncated.py": b"x = '\xe2\x82'",
        "utf16.py": "x = 1\n".encode("utf-16"),
        "latin1.py": "nom = 'Ren\u00e9'\n".encode("latin-1"),
        "empty.py": b"",
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    status, output = run_cli("check", "--script", *samples, cwd=tmp_path)
    assert status == 1, output
    reported = {line.split(":", 1)[0] for line in output.splitlines() if ": SBX" in line}
    assert reported == set(samples) - {"empty.py"}, output
    assert "SBX900" in output


@pytest.mark.parametrize(
    ("source", "where"),
    [("x = 1\n\nreturn*0\n", (3, 1)), ("\n  \nfor x in y:\n    yield*x\n", (4, 5)), ("\nreturn*0\n", (2, 1))],
)
def test_a_parse_error_without_a_position_points_at_the_code(source: str, where: tuple[int, int]) -> None:
    """libcst's validation errors carry no position: the keyword they name, else the first code."""
    (finding,) = check(source)
    assert finding.code == "SBX900"
    assert (finding.line, finding.column) == where
