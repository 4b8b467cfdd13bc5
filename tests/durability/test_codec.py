"""runtime.codec: exact round trips, bounded encoding, digests, refusals."""

import json
import math
import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from values import keys, same, values

from runtime import codec
from runtime.handles import DataFrame, Dir, File

LIMIT = 1 << 20


def roundtrip(value):
    return codec.decode(codec.encode(value, max_bytes=LIMIT))


EXACT = [
    0, -1, 2**63 - 1, -(2**63), 2**63, -(2**64) - 1, 10**5000, -(10**5000),
    0.0, -0.0, 1.5, 1e-310, 1e308, math.inf, -math.inf, math.nan, -math.nan,
    "", "plain", "naïve ☃ 𝄞", "lone \ud800 and \udfff surrogates", "\x00\x1b[31m\n", "$t",
    b"", b"\x00\xff" * 10, True, False, None,
    [], (), (1,), [1, (2, [3, (4,)])], ((), [()]),
    {}, {"a": 1, "b": [2]}, {"$t": [1]}, {"$": 0, "x": 1},
    {1: "int", 1.5: "float", True: "bool", b"k": "bytes", None: "none", (1, ("x", b"y")): "tuple", "s": "str"},
    {"z": 1, "a": 2, "m": 3},
    File("/data/in.csv"), Dir("s3://bucket/prefix/"), [File("a"), {"dir": Dir("b")}],
    ValueError("bad", 3), KeyError("k"), ZeroDivisionError(), OSError(2, "No such file", "x.txt"),
    ExceptionGroup("several", [ValueError(1), TypeError("t")]), [KeyError(File("f")), 1],
]


def _id(value):
    return f"int{value.bit_length()}bits" if type(value) is int and value.bit_length() > 64 else ascii(value)[:40]


@pytest.mark.parametrize("value", EXACT, ids=_id)
def test_round_trip_is_exact(value):
    assert same(roundtrip(value), value)


@given(values)
@settings(max_examples=300, deadline=None)
def test_every_boundary_value_round_trips(value):
    text = codec.encode(value, max_bytes=LIMIT)
    text.encode("utf-8")  # always storable as UTF-8 text
    assert same(codec.decode(text), value)


@given(values)
@settings(max_examples=200, deadline=None)
def test_digest_is_the_digest_of_the_decoded_value(value):
    assert codec.digest(value) == codec.digest(roundtrip(value))


@given(st.dictionaries(keys, values, max_size=6))
@settings(max_examples=100, deadline=None)
def test_digest_of_a_dict_does_not_depend_on_its_order(mapping):
    assert codec.digest(mapping) == codec.digest(dict(reversed(list(mapping.items()))))


@pytest.mark.parametrize("a, b", [
    ([1], (1,)), (1, 1.0), (1, True), (1.0, True), (0.0, -0.0), ("1", 1), (b"a", "a"), (None, ()),
    ({1: 2}, {1.0: 2}), ([[]], [()]), (File("x"), Dir("x")), (File("x"), "x"),
])
def test_digest_distinguishes_types(a, b):
    assert codec.digest(a) != codec.digest(b)


def test_digest_ignores_dict_order_and_is_stable():
    assert codec.digest({"a": 1, "b": 2}) == codec.digest({"b": 2, "a": 1})
    assert codec.digest({1: "x", (2,): "y"}) == codec.digest({(2,): "y", 1: "x"})
    assert codec.digest(math.nan) == codec.digest(float("nan"))
    # stable across processes: hash randomisation must not leak in
    script = "from runtime import codec; print(codec.digest({'a': (1, 2.5, b'x'), 3: None}))"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert other == codec.digest({3: None, "a": (1, 2.5, b"x")})


def test_the_encoding_is_tagged_json():
    assert json.loads(codec.encode({"a": (1, b"\x00")}, max_bytes=100)) == [1, {"a": {"$t": [1, {"$b": "AA=="}]}}]
    assert codec.encode([1.0, 1], max_bytes=100) == "[1,[1.0,1]]"


class MyError(ValueError):
    pass


class Unrebuildable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


@pytest.mark.parametrize("error, restored_type, message", [
    (MyError("custom", 5), ValueError, "('custom', 5)"),
    (Unrebuildable(1, 2), Exception, "1/2"),
    (KeyError(object()), KeyError, None),  # args that are not boundary values
])
def test_other_exceptions_come_back_as_their_nearest_builtin_class(error, restored_type, message):
    back = roundtrip(error)
    assert type(back) is restored_type
    assert back.args == (str(error),)
    if message is not None:
        assert str(error) == message
    assert codec.preview(codec.encode(error, max_bytes=LIMIT)).startswith(type(error).__name__ + "(")


def test_shared_references_fail_fast_without_expanding():
    nested: list = [1]
    for _ in range(40):
        nested = [nested, nested]  # 2**40 leaves if expanded
    big = "x" * 1_000_000
    blob = b"y" * 1_000_000
    tracemalloc.start()
    try:
        for value in (nested, [big] * 3000, [blob] * 3000, {"k": (nested,)}):
            with pytest.raises(codec.ValueTooLarge) as caught:
                codec.encode(value, max_bytes=10_000_000)
            assert caught.value.limit == 10_000_000
            assert caught.value.size > 10_000_000
            assert not caught.value.exact
            assert "10000000" in str(caught.value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000  # a few copies of the budget at most, never the expansion


def test_shared_references_that_fit_are_encoded_in_full():
    nested: list = [0]
    for _ in range(10):
        nested = [nested, nested]
    back = roundtrip(nested)
    assert back == nested
    assert back[0] is not back[1] or back[0] == back[1]


def test_exact_size_check_names_the_size():
    with pytest.raises(codec.ValueTooLarge) as caught:
        codec.encode("é" * 100, max_bytes=150)  # [1,"éé…"]: 6 + 200 UTF-8 bytes
    assert caught.value.exact and caught.value.size == 206
    assert "206 bytes" in str(caught.value) and "150" in str(caught.value)
    assert len(codec.encode("é" * 100, max_bytes=206).encode()) == 206


@pytest.mark.parametrize("value, error, where", [
    ({1, 2}, codec.CodecError, "set"),
    ([0, {"k": object()}], codec.CodecError, "at value[1]['k']"),
    ({frozenset(): 1}, codec.CodecError, "(key)"),
    (lambda: 0, codec.CodecError, "function"),
    (type("Str", (str,), {})("sub"), codec.CodecError, "not a boundary type"),
])
def test_non_boundary_values_are_refused_with_their_path(value, error, where):
    with pytest.raises(error) as caught:
        codec.encode(value, max_bytes=LIMIT)
    assert where in str(caught.value)
    assert not isinstance(caught.value, codec.ValueTooLarge)


def test_cycles_and_deep_nesting_are_refused():
    cycle: list = [1]
    cycle.append(cycle)
    with pytest.raises(codec.CodecError, match="reference cycle"):
        codec.encode({"x": cycle}, max_bytes=LIMIT)
    deep: list = []
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(codec.NotReplayable, match="deeper than"):
        codec.encode(deep, max_bytes=LIMIT)
    fits: list = []
    for _ in range(codec.MAX_DEPTH - 1):
        fits = [fits]
    assert roundtrip(fits) == fits


@pytest.mark.parametrize("text", [
    "", "null", "[2, 1]", "[1]", "[1, 2, 3]", '[1, {"$q": 1}]', "[1, NaN]", '[1, {"$b": "!!"}]',
    '[1, {"$d": [[[1], 2]]}]', '[1, {"$d": [[1]]}]', '[1, {"$e": {"type": "os", "args": []}}]',
    '[1, {"$e": {"type": "SystemExit", "args": {}}}]', '[1, {"$t": 1, "x": 2}]', '[1, {"a": 1, "a": 2}]',
    '[1, {"$f": "nan:00"}]', '[1, {"$f": "1.5"}]', '[1, {"$i": "zz"}]', '[1, {"$df": {"kind": "x"}}]',
    "[1," * 100_000, "[1, " + "9" * 5000 + "]", "\ud800",
])
def test_text_that_is_not_a_recorded_value_is_a_codec_error(text):
    with pytest.raises(codec.CodecError):
        codec.decode(text)


def test_arguments_round_trip_and_preview():
    text = codec.encode_arguments((1, "two", b"3"), {"k": (4,)}, max_bytes=LIMIT)
    assert codec.decode_arguments(text) == ((1, "two", b"3"), {"k": (4,)})
    assert codec.preview(text) == "1, 'two', b'3', k=(4,)"
    assert codec.preview(codec.encode(list(range(100)), max_bytes=LIMIT)) == "[0, 1, 2, 3, 4, 5, ...]"
    assert codec.preview(codec.encode("x" * 10_000, max_bytes=LIMIT)) == repr("x" * 17 + "..." + "x" * 18)
    assert len(codec.preview(codec.encode(["y" * 30] * 6, max_bytes=LIMIT), 50)) == 50
    assert codec.preview("garbage").startswith("<unreadable:")
    with pytest.raises(codec.CodecError):
        codec.decode_arguments(codec.encode([1], max_bytes=LIMIT))


def test_max_bytes_must_be_positive():
    with pytest.raises(ValueError):
        codec.encode(1, max_bytes=0)


# ------------------------------------------------------------------ frames

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def test_pandas_frames_round_trip_through_parquet():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"], "c": [1.5, math.nan, -0.0]}, index=[10, 20, 30])
    text = codec.encode({"df": DataFrame(frame)}, max_bytes=LIMIT)
    back = codec.decode(text)["df"]
    assert type(back) is DataFrame
    assert back.value.equals(frame) and list(back.value.dtypes) == list(frame.dtypes)
    assert back.value.index.equals(frame.index)
    assert codec.preview(text) == "{'df': DataFrame(pandas, 3 rows x 3 columns)}"


def test_arrow_tables_round_trip():
    table = pa.table({"n": [1, 2], "s": ["a", "b"]})
    back = roundtrip(DataFrame(table)).value
    assert isinstance(back, pa.Table) and back.equals(table)


def test_frames_that_do_not_survive_parquet_are_not_replayable():
    with pytest.raises(codec.NotReplayable, match="Parquet"):
        codec.encode([DataFrame(pd.DataFrame({"mixed": [1, "x"]}))], max_bytes=LIMIT)
    with pytest.raises(codec.NotReplayable):
        codec.encode(DataFrame(object()), max_bytes=LIMIT)


def test_frames_count_against_the_limit():
    frame = pd.DataFrame({"a": list(range(20_000))})
    with pytest.raises(codec.ValueTooLarge):
        codec.encode(DataFrame(frame), max_bytes=10_000)


def test_without_pyarrow_frames_are_not_replayable():
    script = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
        "import pandas as pd\n"
        "from runtime import codec\n"
        "from runtime.handles import DataFrame\n"
        "try:\n"
        "    codec.encode([DataFrame(pd.DataFrame({'a': [1]}))], max_bytes=10000)\n"
        "except codec.NotReplayable as exc:\n"
        "    print('refused:', exc)\n"
        "try:\n"
        "    codec.decode(sys.stdin.read())\n"
        "except codec.NotReplayable as exc:\n"
        "    print('refused:', exc)\n"
    )
    recorded = codec.encode(DataFrame(pd.DataFrame({"a": [1]})), max_bytes=LIMIT)
    out = subprocess.run([sys.executable, "-c", script], input=recorded, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "refused: at value[0]: recording a DataFrame needs pyarrow (pip install pyarrow)",
        "refused: reading a recorded DataFrame needs pyarrow (pip install pyarrow)",
    ]


@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), max_size=30))
@settings(max_examples=30, deadline=None)
def test_frame_digest_follows_content(numbers):
    first = DataFrame(pd.DataFrame({"n": numbers}, dtype="int64"))
    second = DataFrame(pd.DataFrame({"n": list(numbers)}, dtype="int64"))
    assert codec.digest(first) == codec.digest(second)


_scalars = st.one_of(
    st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True, allow_infinity=True), st.text(),
)


@given(_scalars)
@settings(max_examples=300, deadline=None)
def test_the_scalar_fast_path_writes_what_the_full_encoder_writes(value):
    assert codec.encode(value, max_bytes=1 << 20) == codec._encode_tree(value, 1 << 20, canonical=False)


@given(st.lists(_scalars, max_size=10))
@settings(max_examples=300, deadline=None)
def test_the_argument_fast_path_writes_what_the_full_encoder_writes(args):
    full = codec._encode_tree((tuple(args), {}), 1 << 20, canonical=False)
    assert codec.encode_arguments(tuple(args), {}, max_bytes=1 << 20) == full
    assert codec.decode_arguments(full) == (tuple(args), {}) or any(isinstance(a, float) and a != a for a in args)


def test_the_fast_paths_keep_the_size_limit():
    with pytest.raises(codec.ValueTooLarge):
        codec.encode("x" * 100, max_bytes=50)
    with pytest.raises(codec.ValueTooLarge):
        codec.encode_arguments(("x" * 100,), {}, max_bytes=50)


@given(st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8))
@settings(max_examples=300, deadline=None)
def test_the_decode_fast_path_reads_what_the_full_decoder_reads(value):
    text = codec.encode(value, max_bytes=1 << 20)
    assert same(codec.decode(text), codec._decode(text, codec._HOOK))
