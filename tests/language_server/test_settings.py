"""Settings end to end: initializationOptions, workspace/configuration (pulled on
initialized and on didChangeConfiguration), `[tool.sandbox-lint]`, and re-checks
of open documents when any of them changes."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import LOOP, TIMEOUT_S, Session

pytestmark = LOOP

HOST = textwrap.dedent(
    '''\
    from runtime import TaskEnvironment

    env = TaskEnvironment(name="demo")


    @env.sandbox.orchestrator
    def pipeline(values: list[int]) -> int:
        import math
        total = 0
        for v in values:
            total += v
        return total
    '''
)


async def eventually(
    session: Session, uri: str, predicate: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """The document's diagnostics once `predicate` holds (pulled again, or the latest pushed)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    diagnostics: list[types.Diagnostic] = []
    while asyncio.get_running_loop().time() < deadline:
        if session.pull:
            diagnostics = await session.pulled(uri)
        else:
            pushed = [p for p in session.client.published if p.uri == uri]  # type: ignore[attr-defined]
            diagnostics = list(pushed[-1].diagnostics) if pushed else []
        if predicate(diagnostics):
            return diagnostics
        await asyncio.sleep(0.05)
    raise AssertionError(f"diagnostics never matched: {diagnostics!r}")


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


@pytest.mark.init_options({"ignore": ["SBX101"]})
async def test_initialization_options_ignore(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX103"]


@pytest.mark.init_options({"select": ["SBX101"]})
async def test_initialization_options_select(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX101"]


@pytest.mark.init_options({"severity": {"SBX1": "information", "sbx103": "hint", "SBX2": "warning"}})
async def test_severity_overrides_by_code_or_prefix(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    diagnostics = await fresh.diagnostics(uri, 1)
    assert {d.code: d.severity for d in diagnostics} == {
        "SBX101": types.DiagnosticSeverity.Information,
        "SBX103": types.DiagnosticSeverity.Hint,  # the longest matching prefix wins
    }


@pytest.mark.init_options({"ignore": ["SBX101"]})
@pytest.mark.configuration({"ignore": ["SBX103"]})
async def test_workspace_configuration_wins_over_initialization_options(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await eventually(fresh, uri, lambda d: codes(d) == ["SBX101"])) == ["SBX101"]


async def test_did_change_configuration_pulls_settings_and_rechecks(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX101", "SBX103"]
    before = fresh.publish_count
    fresh.client.set_configuration({"ignore": ["SBX101"], "severity": {"SBX103": "error"}}, section="sandbox-lint")
    fresh.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    diagnostics = await eventually(fresh, uri, lambda d: codes(d) == ["SBX103"])
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    if not fresh.pull:
        # Pushed again for the same version: the document was re-checked without an edit.
        assert await fresh.published(uri, 1, after=before) == diagnostics


@pytest.mark.capabilities("no-configuration")
async def test_settings_in_the_change_notification_for_clients_without_configuration(
    fresh: Session, tmp_path: Path
) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX101", "SBX103"]
    fresh.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"sandbox-lint": {"select": ["SBX103"]}})
    )
    await eventually(fresh, uri, lambda d: codes(d) == ["SBX103"])


@pytest.mark.init_options({"enable": False})
async def test_disabled_means_no_diagnostics_actions_or_hovers(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert await fresh.diagnostics(uri, 1) == []
    hover = await fresh.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=9, character=9))
    )
    assert hover is None
    fresh.client.set_configuration({"enable": True}, section="sandbox-lint")
    fresh.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await eventually(fresh, uri, lambda d: codes(d) == ["SBX101", "SBX103"])


@pytest.mark.init_options({"ignore": "SBX101", "severity": {"SBX103": "loud"}, "debounce": -1, "colour": "blue"})
async def test_invalid_settings_are_reported_and_the_valid_parts_kept(fresh: Session, tmp_path: Path) -> None:
    uri = fresh.open(tmp_path / "flows.py", HOST)
    diagnostics = await fresh.diagnostics(uri, 1)
    assert codes(diagnostics) == ["SBX103"]  # a lone string is taken as a one-item list
    assert diagnostics[0].severity == types.DiagnosticSeverity.Warning
    warnings = "\n".join(fresh.logs(types.MessageType.Warning))
    assert "`severity`: ignored SBX103 = 'loud', expected one of error, warning, information, hint" in warnings
    assert "`debounce` must be a number of milliseconds from 0 to 10000, got -1" in warnings
    assert "unknown setting `colour` ignored" in warnings


def write_project(folder: Path, table: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(f"[project]\nname = 'demo'\n\n[tool.sandbox-lint]\n{table}", encoding="utf-8")
    return path


async def test_project_config_applies_and_saving_it_rechecks(fresh: Session, tmp_path: Path) -> None:
    pyproject = write_project(tmp_path, 'ignore = ["SBX103"]\n')
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX101"]
    write_project(tmp_path, 'ignore = ["SBX101"]\n')
    fresh.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=pyproject.as_uri()))
    )
    await eventually(fresh, uri, lambda d: codes(d) == ["SBX103"])


async def test_watched_config_file_changes_recheck(fresh: Session, tmp_path: Path) -> None:
    if fresh.name == "visual-studio-code":  # dynamic registration: the server asks to watch them
        registrations: list[types.Registration] = fresh.client.registrations  # type: ignore[attr-defined]
        deadline = asyncio.get_running_loop().time() + TIMEOUT_S
        while not registrations:
            assert asyncio.get_running_loop().time() < deadline, "no client/registerCapability"
            await asyncio.sleep(0.05)
        patterns = [w["globPattern"] for r in registrations for w in r.register_options["watchers"]]
        assert patterns == ["**/pyproject.toml", "**/*.pyi"]
    write_project(tmp_path, 'per-file-ignores = { "flows.py" = ["SBX101"] }\n')
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX103"]
    pyproject = write_project(tmp_path, "")
    fresh.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await eventually(fresh, uri, lambda d: codes(d) == ["SBX101", "SBX103"])


@pytest.mark.init_options({"ignore": ["SBX101"]})
async def test_editor_settings_layer_on_the_project_config(fresh: Session, tmp_path: Path) -> None:
    write_project(tmp_path, 'ignore = ["SBX103"]\n')
    text = HOST.replace("    return total\n", "    del values\n    return total\n")
    uri = fresh.open(tmp_path / "flows.py", text)
    # The project ignores SBX103, the editor adds SBX101: only the `del` is left.
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX111"]


async def test_a_broken_project_config_is_reported_and_defaults_used(fresh: Session, tmp_path: Path) -> None:
    write_project(tmp_path, 'ignore = ["SBX103"]\nsripts = ["*.py"]\n')
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.diagnostics(uri, 1)) == ["SBX101", "SBX103"]
    warnings = "\n".join(fresh.logs(types.MessageType.Warning))
    assert "unknown key `sripts` (did you mean `scripts`?)" in warnings
    assert "checking flows.py with the default settings" in warnings
    assert any("sripts" in m.message for m in fresh.client.messages)  # shown to the user once


@pytest.mark.capabilities("pull-refresh")
async def test_pull_clients_with_refresh_support_are_asked_to_pull_again(fresh: Session, tmp_path: Path) -> None:
    assert fresh.pull
    uri = fresh.open(tmp_path / "flows.py", HOST)
    assert codes(await fresh.pulled(uri)) == ["SBX101", "SBX103"]
    refreshes = fresh.client.diagnostic_refresh_count
    fresh.client.set_configuration({"ignore": ["SBX103"]}, section="sandbox-lint")
    fresh.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while fresh.client.diagnostic_refresh_count == refreshes:
        assert asyncio.get_running_loop().time() < deadline, "no workspace/diagnostic/refresh"
        await asyncio.sleep(0.05)
    assert codes(await fresh.pulled(uri)) == ["SBX101"]
