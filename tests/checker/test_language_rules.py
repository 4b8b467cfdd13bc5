"""The language rules (SBX101–SBX117) beyond their own examples.

Table-driven: exact positions and the full list of findings per snippet (one
finding per violation, nothing else), the replacement each message names,
fixes and their idempotence, and a realistic orchestration script that must
come out with no diagnostics at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox_lint import check, check_host, parse_stub
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.fixes import apply_fixes

Position = tuple[str, int, int, int, int]  # code, line, column, end line, end column


def spans(diagnostics: list[Diagnostic]) -> list[Position]:
    return [(d.code, d.line, d.column, d.end_line, d.end_column) for d in diagnostics]


# Every finding of each snippet, with exact 1-based positions (end column exclusive).
POSITIONS: list[tuple[str, list[Position]]] = [
    ("d = {}\nd['k'] = 1\n", [("SBX102", 2, 1, 2, 7)]),
    ("x.a, d[k] = 1, 2\n", [("SBX115", 1, 1, 1, 4), ("SBX102", 1, 6, 1, 10)]),
    ("a, (b, *d[k]) = 1, (2, 3)\n", [("SBX102", 1, 9, 1, 13)]),
    ("d[i][j] = 1\n", [("SBX102", 1, 1, 1, 8)]),
    ("d[k].attr = 1\n", [("SBX115", 1, 1, 1, 10)]),
    ("obj.items[0] = 1\n", [("SBX102", 1, 1, 1, 13)]),
    ("for k, d[k] in pairs:\n    pass\n", [("SBX102", 1, 8, 1, 12)]),
    ("ys = {k: v for k, row.v in pairs}\n", [("SBX115", 1, 19, 1, 24)]),
    ("d[0]: int = 1\n", [("SBX102", 1, 1, 1, 5)]),
    ("d['n'] += 1\n", [("SBX102", 1, 1, 1, 7), ("SBX103", 1, 1, 1, 12)]),
    ("a = d['x'] = b.y = 3\n", [("SBX102", 1, 5, 1, 11), ("SBX115", 1, 14, 1, 17)]),
    ("del d['k']\n", [("SBX111", 1, 1, 1, 11)]),
    ("class Job:\n    pass\n", [("SBX104", 1, 1, 2, 9)]),
    ("with a() as x:\n    pass\n", [("SBX105", 1, 1, 2, 9)]),
    ("try:\n    x = 1\nexcept* E:\n    pass\n", [("SBX106", 1, 1, 4, 9)]),
    ("ys = [y for x in xs if (y := f(x))]\n", [("SBX107", 1, 25, 1, 34)]),
    ("s = f'{(n := 3)}'\n", [("SBX107", 1, 9, 1, 15)]),
    ("def g(xs):\n    yield from xs\n", [("SBX108", 2, 5, 2, 18)]),
    ("def f():\n    nonlocal x\n", [("SBX109", 2, 5, 2, 15)]),
    ("xs = {1, 2}\n", [("SBX110", 1, 6, 1, 12)]),
    ("xs = (set())\n", [("SBX110", 1, 7, 1, 12)]),
    ("if x:\n    assert x > 0, 'm'\n", [("SBX112", 2, 5, 2, 22)]),
    ("match x:\n    case 1:\n        pass\n", [("SBX113", 1, 1, 3, 13)]),
    ("def f():\n    @cache\n    def g():\n        return 1\n    return g\n", [("SBX114", 2, 5, 2, 11)]),
    ("xs.sort(key=len)\n", [("SBX116", 1, 1, 1, 17)]),
    ("x = 1\nreturn x\n", [("SBX117", 2, 1, 2, 9)]),
    ("import os\n", [("SBX101", 1, 1, 1, 10)]),
]


@pytest.mark.parametrize("source,expected", POSITIONS, ids=[s for s, _ in POSITIONS])
def test_exact_findings_and_positions(source: str, expected: list[Position]) -> None:
    assert spans(check(source)) == expected


# Whole programs: the exact codes found, in order. Each violation counts once.
CODES: list[tuple[str, list[str]]] = [
    # A class is one finding, its decorator is part of it; its methods' decorators are their own.
    ("@dataclass\nclass P:\n    @cached\n    def f():\n        return 1\n", ["SBX104", "SBX114"]),
    ("def f():\n    global a\n    a = {1}\n", ["SBX109", "SBX110"]),
    ("def f(xs):\n    for x in xs:\n        yield {x for x in xs}\n", ["SBX108", "SBX110"]),
    ("with a() as x:\n    try:\n        del x\n    finally:\n        pass\n", ["SBX105", "SBX106", "SBX111"]),
    ("f = lambda d: [d.update(x) for x in (y := [1])]\n", ["SBX116", "SBX107"]),
    ("for x in xs:\n    xs.pop()\n    xs.append(x)\n    xs.extend([x])\n", ["SBX116"]),
    ("match x:\n    case [a, b]:\n        return a\n", ["SBX113", "SBX117"]),
    ("d = {}\nd[1], d[2] = 1, 2\n", ["SBX102", "SBX102"]),
    # Reads, appends and new values are fine.
    ("d = {'a': [1]}\nv = d['a'][0]\nd['a'].append(2)\ne = {**d, 'b': d.get('a')}\n", []),
    # Only calls of the nine methods count; other method names and attributes do not.
    ("x = obj.pop\ny = obj.sorted()\nz = ' '.join(['a'])\n", []),
]


@pytest.mark.parametrize("source,codes", CODES, ids=[s for s, _ in CODES])
def test_one_finding_per_violation(source: str, codes: list[str]) -> None:
    assert [d.code for d in check(source)] == codes


# What each message tells the user to write, with the user's own names.
MESSAGES: list[tuple[str, str, str]] = [
    ("counts = {}\nfor name in names:\n    counts[name] = len(name)\n", "SBX102", "`counts = {**counts, name: len(name)}`"),
    ("results = [0, 0]\nresults[i] = run(i)\n", "SBX102", "`results = results[:i] + [run(i)] + results[i + 1:]`"),
    ("results = [0, 0]\nresults[0] = run(0)\n", "SBX102", "`results = [run(0)] + results[1:]`"),
    ("xs = [1, 2, 3]\nxs[1:] = ys\n", "SBX102", "`xs = xs[:1] + ys`"),
    ("a, cache['k'] = pair\n", "SBX102", "then write `cache = {**cache, 'k': value}`"),
    ("for table['k'] in rows:\n    pass\n", "SBX102", "`for item in rows:`"),
    ("totals['n'] += v\n", "SBX102", "`totals = {**totals, 'n': totals['n'] + v}`"),
    ("config.retries = 3\n", "SBX115", '`config = {**config, "retries": 3}`'),
    ("a.update(b)\n", "SBX116", "`a = {**a, **b}`"),
    ("a.update({'k': 1}, z=2)\n", "SBX116", '`a = {**a, \'k\': 1, "z": 2}`'),
    ("a.setdefault('k', [])\n", "SBX116", "`a = {'k': [], **a}`"),
    ("scores.sort()\n", "SBX116", "`scores = sorted(scores)`"),
    ("scores.sort(key=len, reverse=True)\n", "SBX116", "`scores = sorted(scores, key=len, reverse=True)`"),
    ("queue.pop()\n", "SBX116", "`queue = queue[:-1]`"),
    ("queue.pop(0)\n", "SBX116", "`queue = queue[1:]`"),
    ("first = queue.pop(0)\n", "SBX116", "`first = queue[0]`, then `queue = queue[1:]`"),
    ("opts.pop('debug', None)\n", "SBX116", "`opts = {k: v for k, v in opts.items() if k != 'debug'}`"),
    ("value = opts.pop('debug', None)\n", "SBX116", "`value = opts.get('debug', None)`"),
    ("xs.insert(2, v)\n", "SBX116", "`xs = xs[:2] + [v] + xs[2:]`"),
    ("xs.reverse()\n", "SBX116", "`xs = xs[::-1]`"),
    ("xs.remove(v)\n", "SBX116", "`xs = [item for item in xs if item != v]`"),
    ("xs.clear()\n", "SBX116", "`xs = []`"),
    ("dict.update(d, e)\n", "SBX116", "`d = {**d, **e}`"),
    ("total = sum(values)\nreturn total\n", "SBX117", "write `total` as the last line instead of `return total`"),
    ("return\n", "SBX117", "`if/else`"),
    ("if (n := len(xs)) > 2:\n    pass\n", "SBX107", "`n = len(xs)`"),
    ("while (chunk := read()):\n    pass\n", "SBX107", "before the loop and again at the end of its body"),
    ("f = lambda x: (y := x)\n", "SBX107", "`def` helper"),
    ("def g(xs):\n    for x in xs:\n        yield x\n", "SBX108", "`results.append(x)`"),
    ("def g(xs):\n    yield from xs\n", "SBX108", "`results.extend(xs)`"),
    ("total = 0\ndef add(v):\n    global total\n", "SBX109", "`def add(total, v):`, ending with `return total`"),
    ("s = {x.id for x in rows}\n", "SBX110", "`list({x.id: None for x in rows})`"),
    ("s = set(ids)\n", "SBX110", "`list({x: None for x in ids})`"),
    ("del cfg['debug']\n", "SBX111", "`cfg = {k: v for k, v in cfg.items() if k != 'debug'}`"),
    ("del xs[2:]\n", "SBX111", "`xs = xs[:2]`"),
    ("assert ok, 'bad'\n", "SBX112", "`if not ok: raise AssertionError('bad')`"),
    ("match cmd:\n    case 'go':\n        pass\n", "SBX113", "`if cmd == 'go':`"),
    ("@retry(3)\ndef fetch():\n    return 1\n", "SBX114", "`fetch = retry(3)(fetch)`"),
    ("with open_db() as db:\n    pass\n", "SBX105", "`db = open_db()`"),
    ("class Job:\n    pass\n", "SBX104", "class `Job`"),
    ("from math import floor\n", "SBX101", "`from math import floor`"),
]


@pytest.mark.parametrize("source,code,advice", MESSAGES, ids=[f"{c}:{s}" for s, c, _ in MESSAGES])
def test_message_names_the_replacement(source: str, code: str, advice: str) -> None:
    found = [d for d in check(source) if d.code == code]
    assert len(found) == 1, found
    assert advice in found[0].message


# (source, code, fixed text, unsafe)
FIXES: list[tuple[str, str, str, bool]] = [
    ("assert x\n", "SBX112", "if not x:\n    raise AssertionError()\n", False),
    ("assert not x, 'm'\n", "SBX112", "if not (not x):\n    raise AssertionError('m')\n", False),
    ("assert f(x)[0], msg\n", "SBX112", "if not f(x)[0]:\n    raise AssertionError(msg)\n", False),
    ("assert a if b else c\n", "SBX112", "if not (a if b else c):\n    raise AssertionError()\n", False),
    (
        "def f(rows):\n    if rows:\n        assert len(rows) < 10, f'{len(rows)} rows'\n    return rows\n",
        "SBX112",
        "def f(rows):\n    if rows:\n        if not (len(rows) < 10):\n"
        "            raise AssertionError(f'{len(rows)} rows')\n    return rows\n",
        False,
    ),
    ("if a:\n\tassert b\n", "SBX112", "if a:\n\tif not b:\n\t\traise AssertionError()\n", False),
    ("xs = {1, 2}\n", "SBX110", "xs = [1, 2]\n", True),
    ("xs = { 'a',  'b', }\n", "SBX110", "xs = [ 'a',  'b', ]\n", True),
    ("ys = {x for x in xs if x}\n", "SBX110", "ys = [x for x in xs if x]\n", True),
    ("s = set()\nt = set(xs)\n", "SBX110", "s = []\nt = list(xs)\n", True),
    ("s = frozenset(xs)\n", "SBX110", "s = tuple(xs)\n", True),
    ("n = len({a, b, a})\n", "SBX110", "n = len([a, b, a])\n", True),
    ("xs = [\n    {1, 2},\n]\n", "SBX110", "xs = [\n    [1, 2],\n]\n", True),
]


@pytest.mark.parametrize("source,code,fixed,unsafe", FIXES, ids=[s for s, *_ in FIXES])
def test_fix(source: str, code: str, fixed: str, unsafe: bool) -> None:
    result, count = apply_fixes(source, check, unsafe=unsafe, codes=frozenset({code}))
    assert count >= 1
    assert result == fixed
    compile(result, "<fixed>", "exec")
    assert [d for d in check(result) if d.code == code] == []
    assert apply_fixes(result, check, unsafe=unsafe) == (result, 0)


def test_unsafe_fix_needs_opt_in() -> None:
    source = "xs = {1, 2}\n"
    assert apply_fixes(source, check, unsafe=False) == (source, 0)
    [diagnostic] = check(source)
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "unsafe"


def test_assert_fix_is_safe() -> None:
    [diagnostic] = check("assert x\n")
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "safe"


# Reported, but with no fix.
NO_FIX: list[tuple[str, str]] = [
    ("x = 1; assert x\n", "SBX112"),  # not alone on its line
    ("assert x; y = 1\n", "SBX112"),
    ("if x: assert y\n", "SBX112"),  # one-line suite
    ("assert x, '''a\nb'''\n", "SBX112"),  # spans lines: re-indenting would change the string
    ("xs = {\n    1,\n    2,\n}\n", "SBX110"),
    ("s = set(a, b)\n", "SBX110"),
    ("s = set(**kw)\n", "SBX110"),
    ("def f(d):\n    x, d['k'] = '''a\nb''', 1\n", "SBX102"),  # spans lines: re-indenting would change the string
]

# Reported with a suggested rewrite only: a display fix, never applied.
DISPLAY_ONLY: list[tuple[str, str]] = [("d['k'] = 1\n", "SBX102"), ("xs.sort()\n", "SBX116")]


@pytest.mark.parametrize("source,code", DISPLAY_ONLY, ids=[s for s, _ in DISPLAY_ONLY])
def test_reported_with_a_display_fix_only(source: str, code: str) -> None:
    (found,) = [d for d in check(source) if d.code == code]
    assert found.fix is not None and found.fix.applicability == "display"
    assert apply_fixes(source, check, unsafe=True) == (source, 0)


@pytest.mark.parametrize("source,code", NO_FIX, ids=[s for s, _ in NO_FIX])
def test_reported_without_fix(source: str, code: str) -> None:
    found = [d for d in check(source) if d.code == code]
    assert len(found) == 1
    assert found[0].fix is None


# `set`/`frozenset` calls are only sets when the program has not bound the name.
SET_CALLS: list[tuple[str, int]] = [
    ("x = set([1])\n", 1),
    ("def set(xs):\n    return xs\n\nx = set([1])\n", 0),
    ("set = list\nx = set([1])\n", 0),
    ("def f(set):\n    return set([1])\n", 0),
    ("def f(set):\n    return 1\n\nx = set([1])\n", 1),  # a parameter of another function
    ("ys = [frozenset(x) for x in xs]\n", 1),
    ("ys = [frozenset(x) for frozenset in fs for x in xs]\n", 1),  # bound after the call is read
    ("x = obj.set([1])\n", 0),
]


@pytest.mark.parametrize("source,count", SET_CALLS, ids=[s for s, _ in SET_CALLS])
def test_set_calls_respect_local_bindings(source: str, count: int) -> None:
    assert len([d for d in check(source) if d.code == "SBX110"]) == count


CLEAN_SCRIPT = '''\
def summarize(rows):
    totals = {}
    for row in rows:
        region = row["region"]
        totals = {**totals, region: totals.get(region, 0) + row["amount"]}
    return totals


def top(totals, n):
    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)
    return [name for name, _ in ranked[:n]]


rows = load_rows("sales.csv")
cleaned = []
skipped = 0
for row in rows:
    if row["amount"] is None or row["amount"] < 0:
        skipped = skipped + 1
        continue
    cleaned.append({**row, "amount": float(row["amount"])})
else:
    pass

totals = summarize(cleaned)
best = top(totals, 3)
ranks = {f"rank_{i + 1}": name for i, name in enumerate(best)}
scores = [score_region(name) for name in best]
lines = [f"{name}: {totals[name]:.2f}" for name in best if name in totals]
batches = []
for start in range(0, len(cleaned), 100):
    batches.extend([cleaned[start:start + 100]])
while len(batches) > 4:
    batches = batches[:-1]
if not best:
    raise ValueError("no regions")
message = "%d rows skipped" % skipped
first, *rest = best
label: str = first.upper()
print(message, label)
{"ranks": ranks, "scores": scores, "lines": lines, "rest": rest, "batches": len(batches)}
'''

CLEAN_STUB = """\
def load_rows(path: str) -> list[dict]: ...
def score_region(name: str) -> float: ...
"""


def test_clean_orchestration_script_has_no_diagnostics() -> None:
    assert check(CLEAN_SCRIPT) == []
    assert check(CLEAN_SCRIPT, interface=parse_stub(CLEAN_STUB)) == []


HOST_FILE = '''\
import flyte

env = flyte.TaskEnvironment("etl")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.sandbox.orchestrator
def pipeline(x: int) -> int:
    d = {}
    d["a"] = add(x, 1)
    return d["a"]
'''


def test_host_orchestrator_reports_inside_and_skips_its_own_decorator() -> None:
    found = check_host(HOST_FILE)
    assert spans(found) == [("SBX102", 14, 5, 14, 11)]
    assert '`d = {**d, "a": add(x, 1)}`' in found[0].message


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8))
def test_set_literal_fix_keeps_the_elements(values: list[int]) -> None:
    source = "xs = {" + ", ".join(map(str, values)) + "}\n"
    fixed, _ = apply_fixes(source, check, unsafe=True)
    assert fixed == "xs = [" + ", ".join(map(str, values)) + "]\n"
    namespace: dict[str, object] = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["xs"] == values
