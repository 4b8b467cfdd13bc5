"""Code extraction: fenced and bare programs, prose never reaches the checker, answers stay answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.codemode import extract_code
from runtime.sandbox import orchestrate_local_detailed
from sandbox_lint import check

CASES = [
    # (reply, code or None, kind)
    ("```python\nx = 1\nx\n```", "x = 1\nx\n", "fenced"),
    ("```py\nx = 1\n```", "x = 1\n", "fenced"),
    ("```Python3\nx = 1\n```", "x = 1\n", "fenced"),
    ("```\nx = 1\n```", "x = 1\n", "fenced"),
    ("~~~python\nx = 1\n~~~", "x = 1\n", "fenced"),
    ("```{.python}\nx = 1\n```", "x = 1\n", "fenced"),
    ("````python\nprint('```')\n````", "print('```')\n", "fenced"),
    ("Here:\n```python\nx = add(1, 2)\n```\nThat adds them.", "x = add(1, 2)\n", "fenced"),
    ("First:\n```python\na = 1\n```\nthen:\n```python\nb = a + 1\nb\n```", "a = 1\n\nb = a + 1\nb\n", "fenced"),
    ("```python\nadd(1, 2)\n```\nOutput:\n```\n3\n```", "add(1, 2)\n", "fenced"),
    ("```json\n{\"a\": 1}\n```\nThe answer is above.", None, "none"),
    ("1. Run this:\n   ```python\n   x = 1\n   if x:\n       x = 2\n   ```", "x = 1\nif x:\n    x = 2\n", "fenced"),
    ("Cut off:\n```python\nx = 1\ny = 2", "x = 1\ny = 2\n", "fenced"),
    ("```python\r\nx = 1\r\n```\r\n", "x = 1\n", "fenced"),
    ("```python\n\n```\nnothing", None, "none"),
    ("Inline ```python x``` is prose.", None, "none"),
    ("add(1, 2)", "add(1, 2)\n", "bare"),
    ("x = 1\nx + 1", "x = 1\nx + 1\n", "bare"),
    ("for u in urls:\n    print(u)", "for u in urls:\n    print(u)\n", "bare"),
    ("import math", "import math\n", "bare"),
    ("42", None, "none"),
    ("Paris", None, "none"),
    ("Done", None, "none"),
    ("The total is 42.", None, "none"),
    ("", None, "none"),
    ("x\0y = 1", None, "none"),
]


@pytest.mark.parametrize("reply, code, kind", CASES)
def test_extraction(reply, code, kind):
    found = extract_code(reply)
    assert (found.code, found.kind) == (code, kind)


def test_prose_is_kept_apart():
    found = extract_code("Plan:\n```python\nx = 1\n```\nBye.")
    assert found.prose == "Plan:\nBye." and found.blocks == 1
    answer = extract_code("  The answer is 4.  ")
    assert answer.code is None and answer.prose == "The answer is 4."


PROSE = st.text(alphabet=st.characters(blacklist_characters="`~", blacklist_categories=("Cs",)), max_size=120)


@settings(max_examples=150, deadline=None)
@given(before=PROSE, after=PROSE)
def test_a_fenced_valid_program_never_becomes_a_syntax_error(before, after):
    """Whatever prose surrounds the fence, the extracted program is exactly the fenced one."""
    program = "total = 0\nfor x in [1, 2]:\n    total = total + x\ntotal\n"
    reply = f"{before}\n```python\n{program}```\n{after}"
    found = extract_code(reply)
    assert found.code == program
    assert not [d for d in check(found.code) if d.code == "SBX900"]


def test_an_extracted_program_runs():
    found = extract_code("Sure!\n```python\nvalues = [3, 1, 2]\nsorted(values)\n```\nIt sorts.")
    assert found.code is not None
    assert orchestrate_local_detailed(found.code).value == [1, 2, 3]


PIECES = st.sampled_from([
    "```", "```python", "```py", "```json", "``` python", "```python extra", "````", "~~~", "  ```", "    ```",
    "x = 1", "    y = 2", "", " ", "prose `inline`", "print('```')", "\t", "```  ", "total", "# done",
])


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(PIECES, max_size=9), tail=st.sampled_from(["", "\n", "\n\n", " ", "\n "]))
def test_the_whole_reply_fast_path_reads_as_the_general_one(lines, tail):
    from runtime.codemode.extract import _fenced_blocks, _whole_reply_block

    text = "\n".join(lines) + tail
    fast = _whole_reply_block(text)
    if fast is not None:
        blocks, prose = _fenced_blocks(text.split("\n"))
        assert fast[0] == blocks
        assert "\n".join(fast[1]).strip() == "\n".join(prose).strip()


def test_the_fast_path_takes_the_usual_reply():
    from runtime.codemode.extract import _whole_reply_block

    assert _whole_reply_block("```python\nx = 1\nx\n```") is not None
    assert _whole_reply_block("```python\nx = 1\n```\n") is not None
    assert _whole_reply_block("Here:\n```python\nx = 1\n```") is None  # prose first: the general path


BODY = st.sampled_from(["x = 1", "    y = 2", "", " ", "  z", "\tw", "print('~~~')", "if x:", "        deep"])


@settings(max_examples=400, deadline=None)
@given(
    info=st.sampled_from(["python", "py", "", " python", "json", "{.python}", "python3 x"]),
    body=st.lists(BODY, max_size=6),
    tail=st.sampled_from(["", "\n", "\n\n", " ", "\n "]),
)
def test_the_fast_path_agrees_on_single_block_replies(info, body, tail):
    from runtime.codemode.extract import _fenced_blocks, _whole_reply_block

    text = f"```{info}\n" + "".join(line + "\n" for line in body) + "```" + tail
    fast = _whole_reply_block(text)
    blocks, prose = _fenced_blocks(text.split("\n"))
    if "~~~" not in text:
        assert fast is not None
    if fast is not None:
        assert fast[0] == blocks
        assert "\n".join(fast[1]).strip() == "\n".join(prose).strip()
