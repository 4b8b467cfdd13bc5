"""Bad input never stops the server: binary garbage, a 5 MB document, 500 rapid
edits, malformed messages and failing handlers. After each, the server still
answers, and the final diagnostics are those of the final text."""

from __future__ import annotations

import random
from pathlib import Path

from lsprotocol import types

from sandbox_lint import check, check_host

from .conftest import LOOP, Session, apply_text_edits, host_file

pytestmark = LOOP

HOST = host_file(
    '''\
    label = "é🐍"
    total = 0
    for v in values:
        total += add(v, 1)
    return total
    '''
)


def expected(text: str, encoding: str, *, script: bool = False) -> list[tuple[str, int, int, int, int]]:
    """What the server must report for `text`: the core's findings, converted here
    independently of the server (lines split at \\n, \\r\\n, \\r; columns in `encoding`)."""
    import re

    found = check(text) if script else check_host(text)
    lines = re.split(r"\r\n|\r|\n", text)
    codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]

    def position(line: int, column: int) -> tuple[int, int]:
        index = min(line - 1, len(lines) - 1)
        prefix = lines[index][: column - 1]
        return index, len(prefix.encode(codec, "surrogatepass")) // width

    return sorted(
        (d.code, *position(d.line, d.column), *position(d.end_line, d.end_column)) for d in found
    )


def summary(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in diagnostics
    )


async def still_answers(session: Session, uri: str) -> None:
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert result is not None


def garbage(seed: int, size: int) -> str:
    """Random bytes as text: control characters, NULs, odd line breaks, astral
    characters. No lone surrogates: JSON-RPC travels as UTF-8, which cannot
    carry them, so the server never receives the text the test would model."""
    rng = random.Random(seed)
    text = bytes(rng.randrange(256) for _ in range(size)).decode("latin-1")
    extras = ["\x00", "\ufffd", "\U0010ffff", "\u2028", "\x0c", "\r", "\r\n", "🐍", "\u202e", "'''", "(" * 50]
    pieces = list(text)
    for _ in range(size // 20):
        pieces.insert(rng.randrange(len(pieces)), rng.choice(extras))
    return "".join(pieces)


async def test_binary_garbage_gives_diagnostics_not_a_crash(session: Session, tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "pyproject.toml").write_text('[tool.sandbox-lint]\nscripts = ["*.py"]\n', encoding="utf-8")
    for seed in range(6):
        text = garbage(seed, 3000)
        uri = session.open(scripts / f"garbage{seed}.py", text)
        diagnostics = await session.diagnostics(uri, 1)
        assert diagnostics, "garbage is never clean"
        assert summary(diagnostics) == expected(text, session.encoding, script=True)
    # Host mode: garbage that mentions an orchestrator is parsed (and fails to parse).
    text = "@env.sandbox.orchestrator\n" + garbage(99, 2000)
    host = session.open(tmp_path / "host" / "garbage.py", text)
    assert summary(await session.diagnostics(host, 1)) == expected(text, session.encoding)
    await still_answers(session, host)


async def test_a_5_mb_document_is_reported_as_too_large(session: Session, tmp_path: Path) -> None:
    body = "        total = total + add(v, 1)  # padding padding padding padding\n"
    text = HOST + body * (5_000_000 // len(body))
    assert len(text) > 5_000_000
    uri = session.open(tmp_path / "big.py", text)
    diagnostics = await session.diagnostics(uri, 1)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [("SBX206", 0, 0)]
    assert "over the limit of 1,000,000" in diagnostics[0].message
    # Editing the big document works, and shrinking it brings the usual findings back.
    before = session.publish_count
    session.replace_all(uri, HOST, 2)
    assert summary(await session.diagnostics(uri, 2, after=before)) == expected(HOST, session.encoding)


async def test_500_rapid_edits_end_with_the_diagnostics_of_the_final_text(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "edits.py", HOST)
    await session.diagnostics(uri, 1)
    before = session.publish_count
    text = HOST
    rng = random.Random(4)
    lines = HOST.splitlines()
    inserts = ["1", "é", "🐍", " ", "x", "+= 2", "\n        total += 1"]
    for version in range(2, 502):
        line = rng.choice([12, 13, 15, 16])  # inside the orchestrator
        current = text.split("\n")[line]
        # A position after the line's non-ASCII text, in client units.
        cut = rng.randrange(len(current) + 1)
        codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[session.encoding]
        width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[session.encoding]
        character = len(current[:cut].encode(codec)) // width
        rng_ = types.Range(
            start=types.Position(line=line, character=character), end=types.Position(line=line, character=character)
        )
        new_text = rng.choice(inserts)
        session.edit(uri, version, rng_, new_text)
        text = apply_text_edits(text, [types.TextEdit(range=rng_, new_text=new_text)], session.encoding)
    assert len(lines) < len(text.split("\n"))
    diagnostics = await session.diagnostics(uri, 501, after=before)
    assert summary(diagnostics) == expected(text, session.encoding)
    if not session.pull:
        versions = [p.version for p in session.client.published[before:] if p.uri == uri]  # type: ignore[attr-defined]
        assert versions[-1] == 501 and len(versions) < 500, "rapid edits are debounced"


async def test_handler_errors_are_logged_and_answered(session: Session, tmp_path: Path) -> None:
    uri = session.open(tmp_path / "flows.py", HOST)
    [finding] = await session.diagnostics(uri, 1)
    broken = types.Diagnostic(
        range=finding.range,
        message=finding.message,
        code="SBX103",
        source="sandbox-lint",
        data={"version": 1, "fix": {"message": "m", "applicability": "safe", "edits": "not a list"}},
    )
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=finding.range,
            context=types.CodeActionContext(diagnostics=[broken]),
        )
    )
    assert result is None
    errors = session.logs(types.MessageType.Error)
    assert any(m.startswith("code_action failed:") and "Traceback" in m for m in errors)
    await still_answers(session, uri)


async def test_malformed_messages_and_unknown_documents_are_survived(session: Session, tmp_path: Path) -> None:
    writer = session.client.protocol.writer
    assert writer is not None
    bodies = [
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 7}}}',
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": ',  # cut short
        b"\xff\xfe\x00garbage\x80",  # not UTF-8, not JSON
        b'{"jsonrpc": "2.0", "id": 999, "method": "textDocument/hover", "params": {"position": "here"}}',
    ]
    for body in bodies:
        writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    writer.write(b"a line that is no header\r\n")
    missing = (tmp_path / "never-opened.py").as_uri()
    session.replace_all(missing, "x = 1", 2)
    hover = await session.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=missing), position=types.Position(line=0, character=0))
    )
    assert hover is None
    uri = session.open(tmp_path / "flows.py", HOST)
    assert summary(await session.diagnostics(uri, 1)) == expected(HOST, session.encoding)
    assert any("not open: ignored" in m for m in session.logs(types.MessageType.Warning))
    assert any(m.startswith("internal error") for m in session.logs(types.MessageType.Error))
