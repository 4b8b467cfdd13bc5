"""Boundary values for property tests, and exact comparison (types, float bits, order)."""

from __future__ import annotations

import math
import struct
from typing import Any

from hypothesis import strategies as st

from runtime.handles import Dir, File

text = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)  # lone surrogates included
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-0.0, math.inf, -math.inf, math.nan])
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**300), max_value=2**300)
    | floats | text | st.binary(max_size=20)
)
handles = st.builds(File, st.text(min_size=1, max_size=10)) | st.builds(Dir, st.text(min_size=1, max_size=10))
keys = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6)


def _exceptions(children: st.SearchStrategy[Any]) -> st.SearchStrategy[BaseException]:
    classes = st.sampled_from([ValueError, KeyError, TypeError, RuntimeError, ZeroDivisionError, Exception])
    return st.builds(lambda cls, args: cls(*args), classes, st.lists(children, max_size=2))


values = st.recursive(
    scalars | handles,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(keys, children, max_size=4)
        | st.dictionaries(text, children, max_size=4)
        | _exceptions(children)
    ),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equal in value and in every type, floats bit for bit, dicts in order."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return struct.pack(">d", a) == struct.pack(">d", b)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return len(a) == len(b) and all(same(k1, k2) and same(v1, v2) for (k1, v1), (k2, v2) in zip(a.items(), b.items()))
    if isinstance(a, BaseException):
        return same(a.args, b.args)
    return bool(a == b)
