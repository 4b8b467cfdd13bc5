"""A long host file is parsed by top-level statements, each kept by its text
(`pipeline._host_tree`): the pieces' tree must be CPython's tree of the whole
file, node for node and position for position, and a file that does not
parse must not parse in pieces either. Also: checks run with the cyclic
garbage collector paused, and it comes back as it was."""

from __future__ import annotations

import ast
import gc
import importlib.util
import threading
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox_lint import check_host
from sandbox_lint import pipeline
from sandbox_lint.gc_pause import paused

ROOT = Path(__file__).resolve().parents[2]
# bench/corpus.py by its path: bench/ on sys.path would shadow packages (bench/lsp.py)
_spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
assert _spec is not None and _spec.loader is not None
_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_corpus)
host_file = _corpus.host_file

FILLER = "".join(f"value_{n} = {n}\n" for n in range(pipeline.SEGMENTED_LINES))  # long enough to go in pieces


def dump(tree: ast.AST | None) -> str | None:
    return None if tree is None else ast.dump(tree, include_attributes=True)


def assert_same_tree(source: str) -> None:
    pipeline.clear_caches()
    whole = dump(pipeline._compiled(source))
    assert dump(pipeline._segmented_tree(source)) == whole
    assert dump(pipeline._segmented_tree(source)) == whole  # again, from the pieces kept
    assert dump(pipeline._host_tree(source)) == whole


TRICKY = [
    # a code string whose lines sit at column 0
    'CODE = """\nx = 1\nif x:\n    y = 2\n"""\nz = 3\n',
    # a docstring of prose at column 0, long enough to need many joins
    '"""Title.\n\n' + "".join(f"Line {n} of prose.\n" for n in range(300)) + '"""\nimport os\n',
    # decorators, one or several, then the def
    "@first\n@second(1)\ndef f():\n    return 1\n@third\nclass C:\n    pass\n",
    # clauses at column 0 continue their statement
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\ntry:\n    pass\nexcept E:\n    pass\nfinally:\n    pass\n",
    "for x in y:\n    pass\nelse:\n    pass\nwhile z:\n    pass\nelse:\n    pass\n",
    # closing brackets at column 0
    "d = {\n    'a': 1,\n}\nt = (\n    1,\n)\nl = [\n1, 2\n]\n",
    # a backslash continuation onto a column-0 line
    "total = 1 + \\\n2\nafter = total\n",
    # comments at column 0 between statements, form feeds, non-ASCII names
    "# one\nx = 1\n# two\n\x0c\ny = 2\nnaïve = 3\n",
    # an f-string and bytes spanning lines at column 0
    'msg = f"""\n{x}\n"""\nraw = b"""\nbytes\n"""\n',
    # match statements (cases are indented)
    "match p:\n    case 1:\n        pass\n    case _:\n        pass\nafter = 1\n",
    # errors: at the top, in the middle, at the end, unterminated strings and brackets
    "  indented = 1\n",
    "x = (\n",
    'x = """never closed\n',
    "def f(:\n    pass\n",
    "x = 1\nelse:\n    pass\n",
    "@decorator_without_def\n",
    "x = 1 + \\\n",
    "x = 1\n\0\n",
]


@pytest.mark.parametrize("tail", TRICKY)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_tricky_files_parse_in_pieces_as_a_whole(tail: str, where: str) -> None:
    half = len(FILLER) // 2
    source = {"start": tail + FILLER, "middle": FILLER[:half] + tail + FILLER[half:], "end": FILLER + tail}[where]
    assert_same_tree(source)


@pytest.mark.parametrize("lines", [300, 1000, 5000])
def test_generated_host_files_parse_in_pieces_as_a_whole(lines: int) -> None:
    assert_same_tree(host_file(lines, findings=True))


def test_the_examples_and_a_sample_of_the_standard_library_parse_in_pieces_as_a_whole() -> None:
    files = sorted(ROOT.glob("examples/**/*.py")) + sorted(Path(ast.__file__).parent.glob("*.py"))[::3]
    checked = 0
    for path in files:
        source = path.read_text(encoding="utf-8", errors="surrogateescape")
        if "\r" in source:
            continue
        assert_same_tree(source)
        checked += 1
    assert checked > 50


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(), st.integers(0, 2))
def test_generated_programs_parse_in_pieces_as_a_whole(program: str, where: int) -> None:
    if "\r" in program:
        return
    program = program if program.endswith("\n") or not program else program + "\n"
    assert_same_tree([program + FILLER, FILLER + program, FILLER[:40] + program + FILLER][where])


def test_an_edit_reparses_only_its_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    source = host_file(1000, findings=True)
    pipeline.clear_caches()
    pipeline._host_tree(source)
    parsed: list[str] = []
    real = pipeline._compiled
    def spy(text: str) -> ast.Module | None:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(pipeline, "_compiled", spy)
    marker = 'spent = sum([order["total"] for order in orders])'
    at = source.index(marker) + len(marker)
    edited = source[:at] + "  # an edit" + source[at:]
    assert dump(pipeline._host_tree(edited)) == dump(real(edited))
    assert len(parsed) == 1 and "# an edit" in parsed[0] and parsed[0].count("\n") < 40


def test_a_check_pauses_the_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = pipeline.check_host_source

    def spy(source: str, settings: object) -> object:
        seen.append(gc.isenabled())
        return real(source, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "check_host_source", spy)
    assert gc.isenabled()
    check_host("from runtime import sandbox\n@sandbox.orchestrator\ndef main(x: int) -> int:\n    return x + 1\n")
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_overlapping_pauses_resume_the_collector_once_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    with paused():
        pass
    assert not gc.isenabled()  # the other thread's check is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()
