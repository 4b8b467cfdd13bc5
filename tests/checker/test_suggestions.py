"""Suggestions that pass: every rewrite a finding carries, substituted where it
says, parses and brings no new finding; every autofix leaves only findings
that have no fix.

The cases are every rule's INVALID examples plus programs composed from the
mistakes models make (augmented, subscript and attribute assignment, `del`,
`with`, `try`, imports, decorators, `.format`, in-place mutation, sets,
`assert`, walrus, unknown names, wrong task arity, ...), placed at the top
level, in functions, loops, branches, async functions and comprehensions.
`REWRITES` counts the rewrites checked; the last test prints the count.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox_lint import check, check_host, parse_stub
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.fixes import apply_edits, apply_fixes
from sandbox_lint.interface import Interface
from sandbox_lint.parsing import ParseFailure, parse
from sandbox_lint.rules import RULES_BY_CODE
from sandbox_lint.rules.base import Invalid

STUB = (
    "def add(x: int, y: int) -> int: ...\n"
    "def scale(v: float, /, factor: float = 1.0, *, clamp: bool = False) -> float: ...\n"
    "async def fetch(url: str) -> str: ...\n"
    "def score(x: int) -> int: ...\n"
    "def load() -> dict: ...\n"
    "items: list[int]\n"
    "urls: list[str]\n"
    "config: dict[str, int]\n"
)
INTERFACE = parse_stub(STUB)

# More generated programs for a deeper search: SANDBOX_LINT_SUGGESTION_EXAMPLES=5000.
EXAMPLES = int(os.environ.get("SANDBOX_LINT_SUGGESTION_EXAMPLES", "250"))

REWRITES = Counter[str]()  # applicability -> rewrites checked
AUTOFIXES = Counter[str]()  # mode -> autofix runs checked


@dataclass(frozen=True)
class Case:
    code: str
    interface: Interface | None
    host: bool = False

    def check(self, text: str) -> list[Diagnostic]:
        return check_host(text) if self.host else check(text, interface=self.interface)


def _python_parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _libcst_parses(text: str) -> bool:
    return not isinstance(parse(text), ParseFailure)  # the checker's guarded parse: deep input cannot crash


def _parses(text: str, python: bool) -> None:
    """libcst parses `text`, and so does this Python when it parsed the original
    (some examples use syntax of later versions: `lazy import`, `type X = ...`)."""
    failure = parse(text)
    if isinstance(failure, ParseFailure):
        raise SyntaxError(f"{failure.message}:\n{text}")
    if python and not _python_parses(text):
        raise SyntaxError(f"Python does not parse:\n{text}")


def _counts(diagnostics: list[Diagnostic]) -> Counter[str]:
    return Counter(d.code for d in diagnostics)


def assert_suggestions_pass(case: Case) -> None:
    """Each fix of each finding, substituted at its edit range, parses and no code
    is found more often than before; autofixes leave no applicable fix."""
    before = case.check(case.code)
    counts = _counts(before)
    python = _python_parses(case.code)
    readable = _libcst_parses(case.code)
    for diagnostic in before:
        assert "\n" not in diagnostic.message and "…" not in diagnostic.message, diagnostic
        fix = diagnostic.fix
        if fix is None:
            continue
        assert "\n" not in fix.message and "…" not in fix.message, fix
        rewritten = apply_edits(case.code, fix.edits)
        assert rewritten != case.code, (diagnostic, case.code)
        try:
            _parses(rewritten, python)
        except SyntaxError as error:
            raise AssertionError(f"{diagnostic.code} rewrite does not parse:\n{case.code}\n---\n{rewritten}") from error
        after = _counts(case.check(rewritten))
        grown = {code: (counts[code], after[code]) for code in after if after[code] > counts[code]}
        assert not grown, (
            f"{diagnostic.code} rewrite ({fix.applicability}) brings new findings {grown}:\n"
            f"{case.code}\n--- becomes ---\n{rewritten}\n--- message ---\n{diagnostic.message}"
        )
        REWRITES[fix.applicability] += 1
    for unsafe in (False, True):
        fixed, _ = apply_fixes(case.code, case.check, unsafe=unsafe)
        if readable:
            _parses(fixed, python)
        left = case.check(fixed)
        applicable = ("safe", "unsafe") if unsafe else ("safe",)
        still = [d for d in left if d.fix is not None and d.fix.applicability in applicable]
        assert not still, f"autofix (unsafe={unsafe}) leaves fixable findings {still}:\n{case.code}\n---\n{fixed}"
        AUTOFIXES["unsafe" if unsafe else "safe"] += 1


def _examples() -> list[object]:
    params = []
    for code, rule in RULES_BY_CODE.items():
        for index, example in enumerate(rule.INVALID):
            invalid = example if isinstance(example, Invalid) else Invalid(example)
            interface = parse_stub(invalid.interface) if invalid.interface is not None else None
            params.append(pytest.param(Case(invalid.code, interface, invalid.host), id=f"{code}-{index}"))
            if interface is None and not invalid.host:  # the same mistake where names are checked too
                params.append(pytest.param(Case(invalid.code, INTERFACE), id=f"{code}-{index}-names"))
    return params


@pytest.mark.parametrize("case", _examples())
def test_invalid_examples_rewrites_pass(case: Case) -> None:
    assert_suggestions_pass(case)


# ---------------------------------------------------------------- generated programs

# Containers a mistake works on: a dict, a list, a record of unknown kind, a dict input.
CONTAINERS = st.sampled_from(["d", "xs", "row", "config", "items"])
KEYS = st.sampled_from(["'k'", "0", "-1", "2", "i", "key", "'a' + 'b'"])
VALUES = st.sampled_from(["1", "i", "add(1, 2)", "[1, 2]", "{'a': 1}", "len(xs)", '"""two\nlines"""', "(\n    1 +\n    2\n)"])
NAMES = st.sampled_from(["total", "n", "acc", "sum", "list"])
COMMENT = st.sampled_from(["", "  # note"])

SETUP = "d = {}\nxs = [1, 2]\nrow = load()\ni = 0\nkey = 'k'\ntotal = 0\nacc = []\n"


def _statement(draw: st.DrawFn) -> str:
    c, k, v, name = draw(CONTAINERS), draw(KEYS), draw(VALUES), draw(NAMES)
    note = draw(COMMENT)
    templates = [
        f"{name} += {v}",
        f"{c}[{k}] = {v}",
        f"{c}[{k}] += 1",
        f"{c}.count = {v}",
        f"{c}.count += 1",
        f"a, {c}[{k}] = 1, 2",
        f"a = {c}[{k}] = {v}",
        f"{c}[1:2] = [{v}]",
        f"for {c}[{k}] in items:\n    print(i)",
        f"del {c}[{k}]",
        f"del {c}[1:]",
        f"del {name}",
        f"del {c}.rows[0]",
        f"{c}.rows[0] = {v}",
        f"del a, {c}[{k}]",
        f"with open('x') as f:\n    {name} = f",
        f"with session() as s:\n    {name} = s\n    print({name})",
        f"with lock:\n    print({v})",
        f"try:\n    {name} = {v}\nexcept ValueError:\n    {name} = 0\nfinally:\n    print(1)",
        "import os",
        "from math import floor",
        "@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n",
        "@staticmethod\ndef helper():\n    return 1",
        "def wrap(f):\n    return f\n\n@wrap\ndef g():\n    return 2",
        "@cache\ndef h():\n    return 3",
        f"s = '{{}} and {{}}'.format({v}, i)",
        "s = '{x}'.format(x=i)",
        "s = '{0.__class__}'.format(i)",
        f"{c}.sort()",
        f"{c}.sort(reverse=True)",
        f"last = {c}.pop()",
        f"v = {c}.pop({k})",
        f"v = {c}.pop({k}, None)",
        f"{c}.update({{'a': {v}}}, b=2)",
        f"{c}.clear()",
        f"{c}.insert(0, {v})",
        f"{c}.remove({v})",
        f"{c}.setdefault('k', [])",
        f"{c}.reverse()",
        f"k, w = {c}.popitem()",
        f"ys = [r.sort() for r in [{c}]]",
        "s = {1, 2}",
        "s = set(items)",
        "s = {x * 2 for x in items}",
        "s = frozenset()",
        f"assert {v}, 'msg'",
        "assert len(items) > 0",
        f"if (n := len(items)) > 1:\n    print(n)",
        "print((m := 3) + m)",
        "ys = [y for x in items if (y := x * 2) > 2]",
        "total = ad(1, 2)",
        "for x in itemz:\n    print(x)",
        "v = confg['a']",
        "r = add(1)",
        "r = add(1, 2, 3)",
        "r = add(1, z=2)",
        "r = scale(2.0, clam=True)",
        "r = flyte_map('ad', items, items)",
        "match i:\n    case 1:\n        n = 1\n    case 2 | 3:\n        n = 2\n    case _:\n        n = 3",
        "match row:\n    case {'op': op}:\n        print(op)",
        "def squares(ys):\n    for y in ys:\n        yield y * y",
        "def run(x):\n    global total\n    total = total + x",
        "class Job:\n    def __init__(self, name):\n        self.name = name",
        "class Point:\n    x = 1",
        "f = lambda x: score(x) + 1",
        "scores = list(map(score, items))",
        "best = max(items, key=score)",
        "ok = type(i) == int",
        "v = getattr(row, 'name')",
        "ok = hasattr(row, 'name')",
        "setattr(d, 'k', 1)",
        "first = next(items)",
        "_hidden = 1",
        f"{name} = 0",
        "type = 'a'",
        "z = ...",
        "def f(items=[], n=len(xs)):\n    return n",
        "g = lambda x, n=len([1]): x * n",
        "y = dict(_k=1)",
        "k = ().__class__",
        "t = 1j",
    ]
    return draw(st.sampled_from(templates)) + note


ASYNC_MISTAKES = [
    "fetch(urls[0])",
    "page = fetch(urls[0])\n    return len(page)",
    "return fetch(urls[0]).upper()",
    "n = add(1, 2)\n    return add(n, 1)",
    "return len(fetch(urls[1]))",
    "async for u in urls:\n        print(u)",
]


def _indent(text: str, by: str) -> str:
    return "\n".join(by + line if line else line for line in text.split("\n"))


@st.composite
def programs(draw: st.DrawFn) -> str:
    parts = [SETUP]
    for _ in range(draw(st.integers(1, 4))):
        statement = _statement(draw)
        where = draw(st.sampled_from(["top", "function", "loop", "branch", "async"]))
        if where == "top":
            parts.append(statement)
        elif where == "function":
            parts.append("def work(obj):\n" + _indent(statement, "    ") + "\n    return obj")
        elif where == "loop":
            parts.append("for i in items:\n" + _indent(statement, "    "))
        elif where == "branch":
            parts.append("if items:\n" + _indent(statement, "    ") + "\nelse:\n    pass")
        else:
            mistake = draw(st.sampled_from(ASYNC_MISTAKES))
            parts.append("async def main():\n    " + mistake)
    return "\n".join(parts) + "\n"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_rewrites_pass(program: str) -> None:
    assert_suggestions_pass(Case(program, INTERFACE))


@settings(max_examples=max(EXAMPLES // 4, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_without_interface(program: str) -> None:
    assert_suggestions_pass(Case(program, None))


HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n\n@env.task\ndef add(x: int, y: int) -> int:\n    return x + y\n\n'


@settings(max_examples=max(EXAMPLES // 4, 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_orchestrators_rewrites_pass(program: str) -> None:
    body = program.replace(SETUP, "d = {}\nxs = [1, 2]\nrow = add(1, 2)\ni = 0\nkey = 'k'\ntotal = 0\nacc = []\n")
    source = HOST + "@env.sandbox.orchestrator\ndef flow(items: list[int], urls: list[str]) -> int:\n" + _indent(body, "    ") + "\n    return 0\n"
    assert_suggestions_pass(Case(source, None, host=True))


# ---------------------------------------------------------------- the known bad suggestions, as classes


def _messages(code: str, interface: Interface | None = INTERFACE) -> dict[str, list[Diagnostic]]:
    found: dict[str, list[Diagnostic]] = {}
    for d in check(code, interface=interface):
        found.setdefault(d.code, []).append(d)
    return found


@pytest.mark.parametrize(
    "code",
    [
        "report = load()\ndel report.rows[0]\n",
        "def f(report):\n    del report.summary['k']\n    return report\n",
        "report = load()\nreport.rows[0] = 1\n",
        "report = load()\nreport.rows.sort()\n",
        "report = load()\nlast = report.rows.pop()\n",
    ],
)
def test_containers_behind_attributes_are_rebuilt_into_names(code: str) -> None:
    """Never `report.rows = ...` (SBX115): the rebuilt value goes to a name of its own."""
    for diagnostic in check(code, interface=INTERFACE):
        assert not re.search(r"`report\.\w+ = ", diagnostic.message), diagnostic.message
        assert diagnostic.code != "SBX115"


@pytest.mark.parametrize(
    "code",
    [
        "class Job:\n    def __init__(self, name):\n        self.name = name\n",
        "class Job:\n    def start(this):\n        this.state = 'run'\n        del this.state\n",
        "class Job:\n    def bump(self):\n        self.count += 1\n",
    ],
)
def test_methods_never_suggest_rebinding_self(code: str) -> None:
    for diagnostic in check(code, interface=INTERFACE):
        assert not re.search(r"`(self|this) = ", diagnostic.message), diagnostic.message
        if diagnostic.fix is not None:
            assert not re.match(r"(self|this) = ", diagnostic.fix.edits[0].content), diagnostic.fix


@pytest.mark.parametrize(
    "item", ["open('x')", "eval('1')", "getattr(x, 'y')", "x.__enter__()", "g.gi_frame", "'{}'.format(x)", "{1, 2}"]
)
def test_with_never_suggests_assigning_a_rejected_value(item: str) -> None:
    code = f"x = 1\ng = 2\nwith {item} as f:\n    y = f\n"
    (finding,) = _messages(code)["SBX105"]
    assert finding.fix is None and "f = " not in finding.message, finding.message
    assert "cannot run there either" in finding.message


@pytest.mark.parametrize(
    "decorator",
    ["functools.lru_cache(maxsize=None)", "functools.cache", "staticmethod", "property", "dataclasses.dataclass", "_private"],
)
def test_decorators_the_sandbox_lacks_are_removed_not_called(decorator: str) -> None:
    code = f"@{decorator}\ndef fib(n):\n    return n\n"
    (finding,) = _messages(code)["SBX114"]
    assert "remove the decorator" in finding.message and "(fib)" not in finding.message
    assert finding.fix is not None and finding.fix.applicability == "display"
    assert apply_edits(code, finding.fix.edits).strip() == "def fib(n):\n    return n"


@pytest.mark.parametrize(
    "binding,mistake,wrong",
    [
        ("d = {}", "d[0] = 1", ".append("),
        ("d = {'a': 1}", "d[i] = 1", "for a list"),
        ("d = {k: 1 for k in 'ab'}", "d[i] = 1", "for a list"),
        ("d = {**config, 'x': 1}", "d[i] = 1", "for a list"),
        ("d = dict(a=1)", "d[0] = 2", "for a list"),
        ("d = {}", "del d[0]", "for a list"),
        ("d = {}", "d.clear()", "for a list"),
        ("xs = [1, 2]", "xs[i] = 1", "for a dict"),
        ("xs = [x for x in items]", "del xs[i]", "for a dict"),
        ("xs = list(items)", "xs[i] = 1", "{**"),
        ("xs = sorted(items)", "v = xs.pop(i)", "for a dict"),
    ],
)
def test_a_container_of_known_kind_gets_the_rewrite_for_that_kind(binding: str, mistake: str, wrong: str) -> None:
    code = f"i = 0\n{binding}\n{mistake}\n"
    found = [d for d in check(code, interface=INTERFACE) if d.code in ("SBX102", "SBX111", "SBX116")]
    assert found
    for diagnostic in found:
        assert wrong not in diagnostic.message, diagnostic.message
        assert diagnostic.fix is not None and diagnostic.fix.applicability == "display"


def test_unknown_kinds_name_both_rewrites_and_fix_the_likelier() -> None:
    (by_index,) = _messages("row = load()\nrow[0] = 1\n")["SBX102"]
    assert by_index.message.index("for a list") < by_index.message.index("for a dict")
    assert by_index.fix is not None and by_index.fix.edits[0].content == "row = [1] + row[1:]"
    (by_key,) = _messages("row = load()\nk = 'a'\nrow[k] = 1\n")["SBX102"]
    assert by_key.message.index("for a dict") < by_key.message.index("for a list")
    assert by_key.fix is not None and by_key.fix.edits[0].content == "row = {**row, k: 1}"


def test_suggested_names_avoid_tasks_builtins_and_names_in_scope() -> None:
    stub = "def results(x: int) -> int: ...\ndef item(x: int) -> int: ...\nitems: list[int]"
    code = "value = 1\ndef squares(xs):\n    for x in xs:\n        yield x * x\n"
    (finding,) = _messages(code, parse_stub(stub))["SBX108"]
    assert "`results_2 = []`" in finding.message
    code = "value = 1\nrow = load()\na, row[0] = 1, 2\n"
    (finding,) = _messages(code, parse_stub(stub + "\ndef load() -> dict: ..."))["SBX102"]
    assert "`value_2`" in finding.message


def test_the_message_and_the_display_fix_suggest_the_same_code() -> None:
    code = "d = {}\nd['k'] = 1\nxs = [3, 1]\nxs.sort()\nconfig.retries = 3\ndel d['k']\n"
    for diagnostic in check(code, interface=INTERFACE):
        assert diagnostic.fix is not None and diagnostic.fix.applicability == "display"
        content = diagnostic.fix.edits[0].content
        assert f"`{content}`" in diagnostic.message, (content, diagnostic.message)


# ---------------------------------------------------------------- never cut


LONG = "line['unit_price'] * line['quantity'] + compute_discount(line['customer_id'], line['unit_price'], 0.25)"


@pytest.mark.parametrize(
    "code",
    [
        f"d = {{}}\nd['total'] = {LONG}\n",
        f"x = 0\nx += {LONG}\n",
        f"return {LONG}\n",
        f"if (n := {LONG}) > 1:\n    print(n)\n",
        f"s = {{{LONG}, 2}}\n",
        f"with session({LONG}) as s:\n    print(s)\n",
        f"def f(x={LONG}):\n    return x\n",
        "s = '{} {}'.format(" + LONG + ", " + LONG + ")\n",
    ],
)
def test_long_code_is_elided_by_whole_sub_expressions_never_cut(code: str) -> None:
    """Quoted code parses (with `...` standing for what was left out), in every format."""
    from sandbox_lint.output import FileResult, format_json, format_llm, format_text

    found = check(code, interface=INTERFACE)
    assert found
    for diagnostic in found:
        assert "…" not in diagnostic.message
        for quoted in re.findall(r"`([^`]+)`", diagnostic.message):
            if len(quoted) > 40:
                _parses_as_code(quoted)
    results = [FileResult("x.py", tuple(found))]
    for rendered in (format_llm(found), format_text(results), format_json(results)):
        assert "…" not in rendered
    llm = format_llm(found)
    for diagnostic in found:
        assert diagnostic.message in llm


def _parses_as_code(text: str) -> None:
    """`text` is an expression, a statement or a header (`if x:`, `def f(...):`)."""
    candidates = [text, text + " pass", text.replace("; ", "\n")]
    for candidate in candidates:
        try:
            ast.parse(candidate)
            return
        except SyntaxError:
            continue
    raise AssertionError(f"quoted code does not parse: {text!r}")


def test_elision_keeps_code_valid_for_huge_literals() -> None:
    from sandbox_lint.rules.suggestions import elide

    literal = cst.parse_expression("[" + ", ".join(str(n) for n in range(20000)) + "]")
    assert elide(literal) == "[...]"
    call = cst.parse_expression("compute(alpha, beta, [" + ", ".join("'x'" for _ in range(50)) + "])")
    assert elide(call) == "compute(alpha, beta, [...])"
    nested = cst.parse_expression('{\n    "a": 1,  # one\n    "b": [\n        2,\n    ],\n}')
    assert elide(nested) == '{"a": 1, "b": [2,],}'
    text = cst.parse_expression('"""two\nlines""" + x')
    assert elide(text) == "... + x"


def test_rewrites_were_checked(capsys: pytest.CaptureFixture[str]) -> None:
    """The count of rewrites checked above (run with the tests before it)."""
    total = sum(REWRITES.values())
    with capsys.disabled():
        print(
            f"\nsuggestions: {total} rewrites checked ({dict(sorted(REWRITES.items()))}), "
            f"{sum(AUTOFIXES.values())} autofix runs ({dict(sorted(AUTOFIXES.items()))})"
        )
    if total:  # the test ran with the others (not alone)
        assert REWRITES["display"] > 100 and REWRITES["safe"] > 10 and REWRITES["unsafe"] > 10
