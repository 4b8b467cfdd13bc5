"""Hover end to end: a finding's rule docs, and the docs of a code in `# noqa: …`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lsprotocol import types

from .conftest import LOOP, Session

pytestmark = LOOP

HOST = textwrap.dedent(
    '''\
    from runtime import TaskEnvironment

    env = TaskEnvironment(name="demo")


    @env.sandbox.orchestrator
    def pipeline(values: list[int]) -> int:
        total = 0  # noqa: SBX101, SBX103, SBX602
        for v in values:
            total += v
        return total
    '''
)


async def hover(session: Session, uri: str, line: int, character: int) -> types.Hover | None:
    return await session.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )


def markdown(result: types.Hover | None) -> str:
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_hover_on_a_finding_shows_the_rule_docs_and_the_message(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    [finding] = await session.diagnostics(uri, 1)
    assert finding.code == "SBX103"
    for character in (8, 12, 18):  # start, inside, end of `total += v`
        result = await hover(session, uri, 9, character)
        text = markdown(result)
        assert text.startswith("**SBX103** `augmented-assignment`")
        assert "> augmented assignment is not allowed: write `total = total + v`" in text
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in text
        assert "https://github.com/sandbox-lint/sandbox-lint/blob/main/docs/rules.md#sbx103-augmented-assignment" in text
        assert result is not None and result.range == finding.range


async def test_hover_on_a_noqa_code_shows_that_rules_docs(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    await session.diagnostics(uri, 1)
    line = HOST.splitlines()[7]
    first = line.index("SBX101")
    second = line.index("SBX103")
    assert markdown(await hover(session, uri, 7, first + 2)).startswith("**SBX101** `import`")
    assert markdown(await hover(session, uri, 7, second + 6)).startswith("**SBX103** `augmented-assignment`")
    assert await hover(session, uri, 7, line.index("noqa")) is None  # `noqa` itself is no code
    assert await hover(session, uri, 7, 4) is None  # `total`: no finding there


async def test_hover_on_an_unknown_noqa_code_or_plain_code_is_empty(session: Session, tmp_path: Path) -> None:
    text = HOST.replace("SBX101, SBX103", "SBX999")
    uri = session.open(tmp_path / "flows.py", text)
    await session.diagnostics(uri, 1)
    assert await hover(session, uri, 7, text.splitlines()[7].index("SBX999") + 1) is None
    assert await hover(session, uri, 0, 3) is None
    assert await hover(session, uri, 500, 0) is None  # past the end: no error, no hover
