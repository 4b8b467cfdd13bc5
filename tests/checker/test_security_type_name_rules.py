"""Security, type and name rules (SBX2xx, SBX3xx, SBX4xx, SBX501) beyond their examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox_lint import check, check_host, parse_stub
from sandbox_lint.builtins import (
    ALLOWED_BUILTINS,
    EXCEPTION_NAMES,
    FORBIDDEN_BUILTINS,
    PROVIDED,
    RUNTIME_FUNCTIONS,
)
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.fixes import apply_fixes
from sandbox_lint.interface import Interface, TaskSignature

STUB = parse_stub(
    "def add(x: int, y: int) -> int: ...\n"
    "def scale(v: float, /, factor: float = 1.0, *, clamp: bool = False) -> float: ...\n"
    "def size(page: str) -> int: ...\n"
    "async def fetch(url: str) -> str: ...\n"
    "items: list[int]\n"
    "urls: list[str]\n"
)
HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n'
OURS = ("SBX2", "SBX3", "SBX4", "SBX5")


def ours(diagnostics: list[Diagnostic]) -> list[tuple[str, int, int]]:
    """(code, line, column) of this file's rule families; SBX205/206 are not ours."""
    return [
        (d.code, d.line, d.column)
        for d in diagnostics
        if d.code.startswith(OURS) and d.code not in ("SBX205", "SBX206")
    ]


def only(diagnostics: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code == code]


# source, whether to pass the interface, expected (code, line, column) findings
CASES = [
    # SBX201 / SBX202 / SBX204: security
    ('ｅｖａｌ("1")', False, [("SBX202", 1, 1), ("SBX204", 1, 1)]),
    ("().__class__.__bases__", False, [("SBX201", 1, 4), ("SBX201", 1, 14)]),
    ("x = [].__class__.__base__.__subclasses__()", False, [("SBX201", 1, 8), ("SBX201", 1, 18), ("SBX201", 1, 27)]),
    ("for _ in [1]:\n    pass\n", False, []),
    ("a, _ = (1, 2)", False, []),
    ("_tmp = 1", False, [("SBX201", 1, 1)]),
    ("def f(*, _hidden=1):\n    return 1\n", False, [("SBX201", 1, 10)]),
    ("print(end_='')", False, []),
    ("d = dict(_x=1)", False, [("SBX201", 1, 10)]),
    ("__import__('os')", False, [("SBX201", 1, 1), ("SBX202", 1, 1)]),
    ("kind = type(3)", False, [("SBX202", 1, 8)]),
    ("row = {}\nk = row.type\nd = dict(type=1)\n", False, []),
    ("type = 'a'\nprint(type)\n", False, [("SBX202", 1, 1)]),
    ("def f(id):\n    return id\n", False, [("SBX202", 1, 7)]),
    ("café = 1", False, [("SBX204", 1, 1)]),
    ("x = 'ｅｖａｌ'", False, []),
    # SBX203: str.format
    ('s = "{0.__class__}".format(1)', False, [("SBX203", 1, 5)]),
    ('s = "{}".format', False, [("SBX203", 1, 5)]),
    ('name = "a"\ns = f"{name}"\n', False, []),
    # SBX207: defaults
    ("def f(x=-1, y=(1, -2.0, 'a', b'b', None, True), z='a' 'b'):\n    return x\n", False, []),
    ("def f(x=compute()):\n    return x\n", False, [("SBX207", 1, 9)]),
    ("g = lambda n=[]: n", False, [("SBX207", 1, 14)]),
    ("def f(x=(1, [2])):\n    return x\n", False, [("SBX207", 1, 13)]),
    ("def f(x=f'{1}'):\n    return x\n", False, [("SBX207", 1, 9)]),
    # SBX301: types in sandbox code
    ("def f(x: set[int]) -> int:\n    return 1\n", False, [("SBX301", 1, 10)]),
    ("def f(x: list[set[int]]) -> int:\n    return 1\n", False, [("SBX301", 1, 15)]),
    ("def f(x: typing.List[int], y: Optional[dict[str, float]]) -> Union[int, None]:\n    return 1\n", False, []),
    ("v: Literal['a'] = 'a'", False, [("SBX301", 1, 4)]),
    ("def f(x: dict[list, int]) -> int:\n    return 1\n", False, [("SBX301", 1, 15)]),
    # SBX401: unknown names
    ("total = add(1, 2)\nprint(total, len(items))\n", True, []),
    ("total = ad(1, 2)", True, [("SBX401", 1, 9)]),
    ("def f():\n    return later\nlater = 1\n", True, []),
    ("def f(a):\n    return [a + b for b in items]\n", True, []),
    ("def f():\n    return b\ndef g():\n    b = 1\n    return b\n", True, [("SBX401", 2, 12)]),
    ("raise StopIteration('x')", True, [("SBX401", 1, 7)]),
    ("raise ZeroDivisionError('x')", True, []),
    ("x = None if True else False", True, []),
    ("print(undefined)", False, []),
    ("s = set()\nf = frozenset([1])\n", True, []),
    ("s = set", True, [("SBX401", 1, 5)]),
    ("v = eval('1')", True, [("SBX202", 1, 5)]),
    ("v = _hidden", True, [("SBX201", 1, 5)]),
    # SBX402: shadowing
    ("items = sorted(items)", True, []),
    ("len = 3", True, [("SBX402", 1, 1)]),
    ("def f(add):\n    return add\n", True, [("SBX402", 1, 7)]),
    ("x = [1 for ValueError in items]", True, [("SBX402", 1, 12)]),
    ("a, map_task = (1, 2)", True, [("SBX402", 1, 4)]),
    ("len = 3", False, []),
    # SBX403: task call arity
    ("r = add(1, 2)", True, []),
    ("r = add(1)", True, [("SBX403", 1, 5)]),
    ("xs = [1, 2]\nr = add(*xs)\nkw = {'x': 1}\nq = add(**kw)\n", True, []),
    ("def add(a):\n    return a\nr = add(1)\n", True, [("SBX402", 1, 5)]),
    # SBX404: await placement
    ("page = await fetch('a')", True, []),
    ("async def f():\n    return [await fetch(u) for u in urls]\n", True, []),
    ("def f():\n    return await fetch('a')\n", True, [("SBX404", 2, 12)]),
    ("def f():\n    return await fetch('a')\n", False, []),
    ("g = lambda: await fetch('a')", True, [("SBX404", 1, 13), ("SBX501", 1, 19)]),
    # SBX405: unawaited task calls in async code
    ("async def f():\n    fetch('a')\n", True, [("SBX405", 2, 5)]),
    ("async def f():\n    return fetch('a') + 'b'\n", True, [("SBX405", 2, 12)]),
    ("async def f():\n    print(f'{fetch(\"a\")}')\n", True, [("SBX405", 2, 14)]),
    ("async def f():\n    return fetch('a')\n", True, [("SBX405", 2, 12)]),
    ("async def f():\n    return [fetch(u) for u in urls]\n", True, [("SBX405", 2, 13)]),
    ("async def f():\n    p = fetch('a')\n    q, r = fetch('b'), fetch('c')\n    return await gather(p, q, r)\n", True, []),
    ("async def f():\n    return await gather(*(fetch(u) for u in urls), fetch('x'))\n", True, []),
    ("async def f():\n    return await (fetch('a') if len(urls) else fetch('b'))\n", True, []),
    ("async def f():\n    return await map_task(size, urls, concurrency=2)\n", True, []),
    ("def f():\n    add(1, 2)\n    return add(1, 2) + 1\n", True, []),
    ("r = add(1, 2) + 1\n", True, []),
    ("async def f():\n    def gather(*a):\n        return a\n    return await gather(fetch('a'))\n", True,
     [("SBX402", 2, 9), ("SBX405", 4, 25)]),
    # SBX501: task calls inside callbacks
    ("r = list(map(size, urls))", True, [("SBX501", 1, 14)]),
    ("r = sorted(urls, key=size)", True, [("SBX501", 1, 22)]),
    ("r = min(urls, key=lambda u: size(u))", True, [("SBX501", 1, 29)]),
    ("r = sorted(urls, key=len)\ns = [size(u) for u in urls]\n", True, []),
    ("def size2(u):\n    return size(u)\nr = list(map(size2, urls))\n", True, []),
]


@pytest.mark.parametrize("source,with_interface,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_findings(source: str, with_interface: bool, expected: list[tuple[str, int, int]]) -> None:
    found = ours(check(source, interface=STUB if with_interface else None))
    assert sorted(found) == sorted(expected)


# --- SBX202 advice ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source,advice",
    [
        ("v = getattr(row, 'x')", "read the attribute directly: `row.x`"),
        ("v = getattr(row, name)", "access the attribute directly"),
        ("ok = type(x) == int", "isinstance(x, int)"),
        ("it = iter(xs)", "loop over the value itself: `xs`"),
        ("it = iter(xs, None)", "loop with `for"),
        ("n = next(xs)", "take the first item with `xs[0]`"),
        ("f = open('a')", "no file system"),
        ("ｅｖａｌ('1')", "`eval` (written `ｅｖａｌ`)"),
    ],
)
def test_forbidden_builtin_says_what_to_use(source: str, advice: str) -> None:
    [finding] = only(check(source), "SBX202")
    assert advice in finding.message


def test_non_ascii_message_names_the_nfkc_fold() -> None:
    [finding] = only(check('ｅｖａｌ("1")'), "SBX204")
    assert "NFKC" in finding.message and "`eval`, a forbidden builtin in disguise" in finding.message
    [plain] = only(check("ｔｏｔａｌ = 1"), "SBX204")
    assert "write `total`" in plain.message
    [mixed] = only(check("dаta = 1"), "SBX204")  # Cyrillic а
    assert "U+0430" in mixed.message


def test_private_name_message_names_the_attribute() -> None:
    [first, second] = only(check("().__class__.__bases__"), "SBX201")
    assert "`__class__`" in first.message and "`__bases__`" in second.message
    assert "dunder" in first.message


# --- SBX203 fixes ----------------------------------------------------------------

FIXABLE = [
    ('s = "{}".format(x)', 's = f"{x}"'),
    ("s = '{} and {}'.format(x, y)", "s = f'{x} and {y}'"),
    ('s = "{1}{0}".format(x, y)', 's = f"{y}{x}"'),
    ('s = "{0}-{0}".format(x)', 's = f"{x}-{x}"'),
    ('s = "{a}/{b}".format(a=x, b=y + 1)', 's = f"{x}/{y + 1}"'),
    ('s = "{!r:>12}|{:.2f}".format(x, y)', 's = f"{x!r:>12}|{y:.2f}"'),
    ('s = "{{literal}} {}".format(x)', 's = f"{{literal}} {x}"'),
    ('s = "tab\\t{}\\n".format(x)', 's = f"tab\\t{x}\\n"'),
    ('s = r"\\d+{}".format(x)', 's = rf"\\d+{x}"'),
    ('s = u"{}".format(x)', 's = f"{x}"'),
    ('s = """a\n{}\nb""".format(x)', 's = f"""a\n{x}\nb"""'),
    ('s = "{}".format({1: 2})', 's = f"{({1: 2})}"'),
    ('s = "{}".format(d[\'k\'] if False else \'v\')', 's = f"{d[\'k\'] if False else \'v\'}"'),
    ('s = ("{}".format(x))', 's = (f"{x}")'),
    ('s = "{}: {}".format(\n    x,\n    y,\n)', 's = f"{x}: {y}"'),
]

UNFIXABLE = [
    ('s = "{0.__class__}".format(x)', "reads an attribute"),
    ('s = "{0[1]}".format(x)', "reads an attribute or an item"),
    ('s = "{:{w}}".format(x, w=3)', "nested field"),
    ('s = "{}{}".format(x)', "no positional argument 1"),
    ('s = "{}".format(x, y)', "not used"),
    ('s = "{}{1}".format(x, y)', "mixes"),
    ('s = "{}".format(*xs)', "unpacks"),
    ('s = "{a}".format(**d)', "unpacks"),
    ('s = "{}".format(d["k"])', "cannot be placed"),
    ('s = "\\x7b{}".format(x)', "escape sequences"),
    ('s = "\\N{BULLET} {}".format(x)', "escape sequences"),
    ('s = "{1}{0}".format(f(x), g(y))', "different order"),
    ('s = "{0}{0}".format(f(x))', "more than once"),
    ('s = "{!x}".format(x)', "invalid conversion"),
    ('s = "{ x }".format(**{" x ": 1})', "not a plain"),
    ('s = "{x y}".format(x)', "not a plain"),
    ('s = "{".format(x)', "unclosed"),
    ('s = "}".format(x)', "single"),
    ('s = "a" "{}".format(x)', "not a single string literal"),
    ('s = b"{}".format(x)', "bytes"),
    ('s = "{}".format(x  # why\n)', "comments"),
    ('s = "{k}".format_map(d)', "format_map"),
    ('s = template.format(x)', "not a single string literal"),
]


def _sbx203(source: str) -> Diagnostic:
    [finding] = only(check(source), "SBX203")
    return finding


@pytest.mark.parametrize("source,expected", FIXABLE, ids=[f[0][:40] for f in FIXABLE])
def test_format_fix_is_the_equivalent_fstring(source: str, expected: str) -> None:
    finding = _sbx203(source)
    assert finding.fix is not None and finding.fix.applicability == "safe"
    fixed, count = apply_fixes(source, check, codes=frozenset({"SBX203"}))
    assert fixed == expected and count == 1
    assert only(check(fixed), "SBX203") == []
    # Exact: both programs compute the same string under CPython.
    env_a = {"x": 3.14159, "y": 7, "d": {"k": "K"}}
    env_b = dict(env_a)
    exec(source, env_a)  # noqa: S102 - test code comparing two trusted snippets
    exec(fixed, env_b)  # noqa: S102
    assert env_a["s"] == env_b["s"]


@pytest.mark.parametrize("source,reason", UNFIXABLE, ids=[u[0][:40] for u in UNFIXABLE])
def test_format_without_exact_fstring_has_no_fix(source: str, reason: str) -> None:
    finding = _sbx203(source)
    assert finding.fix is None
    assert reason in finding.message
    assert "f-string" in finding.message


# --- SBX401 messages -------------------------------------------------------------


def test_did_you_mean_suggests_tasks_inputs_and_locals() -> None:
    [task] = only(check("r = ad(1, 2)", interface=STUB), "SBX401")
    assert "did you mean `add`?" in task.message
    assert "available tasks: `add`, `fetch`, `scale`, `size`" in task.message
    [inp] = only(check("for i in itemz:\n    print(i)\n", interface=STUB), "SBX401")
    assert "did you mean `items`?" in inp.message
    [local] = only(check("count = 1\nprint(cuont)\n", interface=STUB), "SBX401")
    assert "did you mean `count`?" in local.message
    [none] = only(check("print(qqqqqq)", interface=STUB), "SBX401")
    assert "did you mean" not in none.message and "inputs: `items`, `urls`" in none.message


def test_no_tasks_is_said_plainly() -> None:
    [finding] = only(check("print(zz)", interface=Interface()), "SBX401")
    assert "no tasks are available" in finding.message


def test_host_global_used_in_orchestrator() -> None:
    source = (
        HOST
        + "CONFIG = {'scale': 2}\n"
        + "@env.task\ndef double(x: int) -> int:\n    return 2 * x\n"
        + "@env.sandbox.orchestrator\ndef pipeline(xs: list[int]) -> int:\n"
        + "    return double(sum(xs)) * CONFIG['scale']\n"
    )
    [finding] = only(check_host(source), "SBX401")
    assert (finding.line, finding.column) == (9, 30)
    assert "`CONFIG` is a host-module global: the sandbox cannot see host globals" in finding.message
    assert "pass it as an input or call a task" in finding.message


# --- SBX403 messages -------------------------------------------------------------


@pytest.mark.parametrize(
    "call,message",
    [
        ("add(1)", "`add` takes (x: int, y: int): missing argument `y`"),
        ("add()", "`add` takes (x: int, y: int): missing arguments `x`, `y`"),
        ("add(1, 2, 3)", "`add` takes (x: int, y: int): takes 2 positional arguments but 3 were given"),
        ("add(1, x=2)", "`x` is given twice: by position and as a keyword"),
        ("add(1, y=2, y=3)", "keyword argument `y` is given twice"),
        ("add(1, yy=2)", "unknown keyword argument `yy` (did you mean `y`?); missing argument `y`"),
        (
            "scale(v=2.0)",
            "`scale` takes (v: float, /, factor: float = ..., *, clamp: bool = ...): "
            "`v` is positional-only: pass it by position; missing argument `v`",
        ),
        ("scale(1.0, 2.0, True)", "takes 2 positional arguments but 3 were given"),
    ],
)
def test_task_call_signature_messages(call: str, message: str) -> None:
    [finding] = only(check(f"r = {call}", interface=STUB), "SBX403")
    assert message in finding.message


def test_unknown_arity_task_is_not_checked() -> None:
    interface = Interface.build(tasks=[TaskSignature("external")])
    assert only(check("r = external(1, 2, 3, k=4)", interface=interface), "SBX403") == []


# --- whole programs --------------------------------------------------------------

CLEAN_ASYNC = """\
async def main():
    pages = await gather(*[fetch(u) for u in urls])
    sizes = await map_task(size, pages, concurrency=4)
    pending = [fetch(u) for u in urls]
    again = await gather(*pending)
    total = 0
    for s in sizes:
        total = total + s
    first = await fetch(urls[0])
    doubled = add(total, total)
    return {"total": await doubled, "first": first, "again": len(again)}

result = await main()
result
"""


def test_clean_async_orchestration_has_no_findings() -> None:
    assert check(CLEAN_ASYNC, interface=STUB) == []


def test_clean_sync_orchestration_has_no_findings() -> None:
    source = (
        "def double(v):\n    return add(v, v)\n"
        "total = 0\nfor i in items:\n    total = total + double(i)\n"
        "best = max(items, key=lambda i: -i) if items else None\n"
        "label = f'{total} / {best!r}'\nlabel\n"
    )
    assert check(source, interface=STUB) == []


def test_interface_type_in_code_string_points_at_the_type() -> None:
    source = HOST + 't = env.sandbox.orchestrator_from_str("x", inputs={"x": Row, "y": int}, output=set[int])\n'
    findings = only(check_host(source), "SBX302")
    assert [(d.line, d.column) for d in findings] == [(3, 57), (3, 80)]
    assert "input `x` is declared as `Row`" in findings[0].message
    assert "the output is declared as `set[int]`" in findings[1].message


def test_task_signature_names_the_parameter() -> None:
    source = (
        HOST + "@env.task\ndef add(x, y: int, *more: int) -> int:\n    return x + y\n"
        "@env.sandbox.orchestrator\ndef main() -> int:\n    return add(1, 2)\n"
    )
    findings = only(check_host(source), "SBX303")
    assert [(d.line, d.column) for d in findings] == [(4, 9), (4, 20)]
    assert "parameter `x` of task `add` has no type annotation" in findings[0].message
    assert "`*more`" in findings[1].message


# --- the shared name lists --------------------------------------------------------


def test_builtin_lists_match_the_spec() -> None:
    assert ALLOWED_BUILTINS == set(
        "abs all any bool bytes chr dict divmod enumerate filter float int isinstance len list map max min "
        "ord pow print range repr reversed round sorted str sum tuple zip".split()
    )
    assert set(FORBIDDEN_BUILTINS) == set(
        "eval exec compile open input breakpoint help globals locals vars dir getattr setattr delattr hasattr "
        "type object super id memoryview bytearray __import__ exit quit property classmethod staticmethod "
        "iter next".split()
    )
    assert RUNTIME_FUNCTIONS == {"gather", "map_task", "flyte_map"}  # SPEC §2: Flyte's spelling too
    assert not (PROVIDED & set(FORBIDDEN_BUILTINS))
    assert {"ValueError", "KeyError", "Exception"} <= EXCEPTION_NAMES
    assert "StopIteration" not in EXCEPTION_NAMES


# --- SBX203: every offered fix is exact (property) --------------------------------

_TEXT = st.sampled_from(["a", " ", "{{", "}}", "\\n", "\\t", "\\\\", "\\'", "=", "!", ":", "%s", "é"])
_FIELD = st.builds(
    lambda name, conversion, spec: "{" + name + conversion + spec + "}",
    st.sampled_from(["", "", "0", "1", "a", "b"]),
    st.sampled_from(["", "", "!r", "!s", "!a"]),
    st.sampled_from(["", "", ":>6", ":^5", ":.2", ":,", ":!<3", ":=^7"]),
)


_EXPRESSIONS = st.sampled_from(["x", "y", "x + 1", "'q'", "[1, 2]", "len('ab')", "-y", "(x, y)"])


@st.composite
def _format_calls(draw: st.DrawFn) -> str:
    """A `"...".format(...)` call; most draws pass exactly the arguments the fields use."""
    pieces = draw(st.lists(st.one_of(_TEXT, _FIELD), max_size=6))
    quote = draw(st.sampled_from(['"', "'"]))
    body = "".join(pieces).replace("\\'", "'")
    if quote == "'":
        body = body.replace("'", "\\'")
    fields = [p[1:-1] for p in pieces if p.startswith("{") and not p.startswith("{{")]
    names = [f.split("!")[0].split(":")[0] for f in fields]
    if any(n.isdigit() for n in names):
        count = 1 + max(int(n) for n in names if n.isdigit())
    else:
        count = sum(1 for n in names if n == "")
    if draw(st.integers(0, 4)) == 0:  # sometimes deliberately wrong
        count = draw(st.integers(0, 3))
    args = [draw(_EXPRESSIONS) for _ in range(count)]
    for keyword in dict.fromkeys(n for n in names if n.isidentifier()):
        args.append(f"{keyword}={draw(_EXPRESSIONS)}")
    return f"s = {quote}{body}{quote}.format({', '.join(args)})\n"


@settings(max_examples=300, deadline=None)
@given(source=_format_calls())
def test_every_format_fix_computes_the_same_string(source: str) -> None:
    try:
        compile(source, "<case>", "exec")
    except SyntaxError:
        return
    finding = _sbx203(source)
    if finding.fix is None:
        return
    fixed, _ = apply_fixes(source, check, codes=frozenset({"SBX203"}))
    assert _outcome(source) == _outcome(fixed), (source, fixed)


def _outcome(source: str) -> object:
    """The string a snippet computes, or the type of error it raises (a bad spec raises in both)."""
    env: dict[str, object] = {"x": 2.5, "y": 7}
    try:
        exec(source, env)  # noqa: S102 - comparing two generated snippets
    except Exception as error:
        return type(error)
    return env["s"]
