"""The VS Code extension's own server (vscode-extension/bundled), started the way the
extension starts it (`python -I bundled/tool/launch_server.py --import-strategy useBundled`)
by Pythons that have nothing installed: a fresh `venv --without-pip` of every Python 3.10+
found here (python3, and pyenv's), in a workspace whose own `lsp.py`, `sandbox_lint.py` and
`runtime.py` would stop the server if it imported them. pytest-lsp's client then initializes,
opens a host file with a violation and receives the diagnostic.

The bundle is the one `vscode-extension/ci.sh` built when its sources digest matches the
repository's (CI runs ci.sh first), else it is built here into a temporary folder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from lsprotocol import types
from packaging.requirements import Requirement
from pytest_lsp import client_capabilities

from .conftest import ROOT, Session, host_file, recording_client

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

EXTENSION = ROOT / "vscode-extension"
IMPOSTOR = 'raise SystemExit("the workspace shadowed the server")\n'


def _bundle_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_server", EXTENSION / "bundle_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_server = _bundle_script()


def _pythons() -> dict[str, str]:
    """{"3.10": path, ...}: one interpreter per minor version >= 3.10 that runs here."""
    candidates = ["python3"]
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if versions.is_dir():
        for folder in sorted(versions.iterdir()):
            minor = re.fullmatch(r"(3\.\d+)\.\d+", folder.name)
            if minor:
                candidates.append(str(folder / "bin" / f"python{minor.group(1)}"))
    found: dict[str, str] = {}
    for candidate in candidates:
        try:
            result = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=30,
            )
        except OSError:
            continue
        version = result.stdout.strip()
        if result.returncode == 0 and tuple(map(int, version.split("."))) >= (3, 10):
            found.setdefault(version, candidate)
    return found


PYTHONS = _pythons()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete bundled/ folder (tool/, libs/, bundle.json) made from the current sources."""
    built = EXTENSION / "bundled"
    manifest = built / "bundle.json"
    if manifest.is_file() and json.loads(manifest.read_text())["sources"] == bundle_server.sources_digest():
        return built
    dest = tmp_path_factory.mktemp("extension") / "bundled"
    result = subprocess.run(
        [sys.executable, str(EXTENSION / "bundle_server.py"), "--dest", str(dest)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return dest


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workspace")
    for module in ("lsp.py", "sandbox_lint.py", "runtime.py"):
        (folder / module).write_text(IMPOSTOR)
    return folder


def bare_python(version: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv of that Python with nothing in it, not even pip."""
    target = tmp_path_factory.mktemp(f"bare-{version}") / "venv"
    subprocess.run([PYTHONS[version], "-m", "venv", "--without-pip", str(target)], check=True, timeout=120)
    python = target / "bin" / "python"
    listing = subprocess.run(
        [str(python), "-c", "import site, os; print([n for d in site.getsitepackages() if os.path.isdir(d) for n in os.listdir(d)])"],
        capture_output=True, text=True, check=True,
    )
    assert listing.stdout.strip() == "[]", listing.stdout
    return python


# 3.10 always appears, skipped where it is missing: it is the version PYTHONSAFEPATH, the
# guard the launcher replaces, does not exist on.
@pytest.mark.parametrize("version", sorted(set(PYTHONS) | {"3.10"}))
async def test_the_bundled_server_serves_diagnostics_from_a_bare_python(
    version: str, bundle: Path, workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if version not in PYTHONS:
        pytest.skip(f"no Python {version} here (on PATH or pyenv's)")
    python = bare_python(version, tmp_path_factory)
    launcher = bundle / "tool" / "launch_server.py"
    command = [str(python), "-I", str(launcher), "--import-strategy", "useBundled", "--"]
    # PYTHONPATH naming the workspace, too: -I must keep it out.
    env = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": str(workspace)}
    check = subprocess.run([*command[:-1], "--check"], cwd=workspace, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

    client = recording_client()
    await client.start_io(*command, cwd=str(workspace), env=env)
    capabilities = client_capabilities("visual-studio-code")
    try:
        result = await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities, initialization_options={"debounce": 20}, root_uri=workspace.as_uri()
            )
        )
        assert result.server_info is not None and result.server_info.name == "sandbox-lint"
        session = Session(client, "visual-studio-code", capabilities, result)
        uri = session.open(workspace / "flows.py", host_file("total = 0\nfor v in values:\n    total += v\nreturn total\n"))
        diagnostics = await session.diagnostics(uri, 1)
        assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [("SBX103", 14, 8)]
        assert diagnostics[0].message == "augmented assignment is not allowed: write `total = total + v`"
    finally:
        await client.shutdown_session()


def test_the_bundle_holds_the_server_and_nothing_of_the_runtime(bundle: Path) -> None:
    libs = bundle / "libs"
    manifest = json.loads((bundle / "bundle.json").read_text())
    tops = {p.name for p in libs.iterdir()}
    assert {"lsp", "sandbox_lint", "libcst", "pygls", "lsprotocol", "cattrs", "attrs"} <= tops
    for excluded in ("runtime", "pydantic_monty", "flake8", "yaml", "tests"):
        assert not any(name == excluded or name.startswith(f"{excluded}-") for name in tops), excluded
    assert not list(libs.rglob("tests"))

    for python in manifest["pythons"]:
        tag = python.replace(".", "")
        assert list((libs / "libcst").glob(f"native.*{tag}*")), f"no libcst parser for Python {python}"
    assert manifest["platform"] == sysconfig.get_platform()


def test_the_pins_satisfy_pyproject() -> None:
    """bundled/requirements.txt must stay inside the ranges the package declares."""
    pins = bundle_server.pinned()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in declared:
        requirement = Requirement(line)
        name = bundle_server.canonical(requirement.name)
        if name == "pydantic-monty":
            assert name not in pins  # runtime only
            continue
        assert name in pins, f"the server needs {line}, bundled/requirements.txt has no {name}"
        assert requirement.specifier.contains(pins[name]), f"{line} vs pinned {pins[name]}"


def test_the_vsix_holds_the_bundle_and_stays_small() -> None:
    packages = sorted(EXTENSION.glob("sandbox-lint-*.vsix"))
    if not packages:
        pytest.skip("no .vsix: vscode-extension/ci.sh builds it")
    (vsix,) = packages
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
    for member in (
        "extension/package.json",
        "extension/out/extension.js",
        "extension/images/icon.png",
        "extension/bundled/bundle.json",
        "extension/bundled/tool/launch_server.py",
        "extension/bundled/libs/lsp/server.py",
        "extension/bundled/libs/sandbox_lint/checker.py",
    ):
        assert member in names, member
    for forbidden in ("extension/node_modules/", "extension/src/", "extension/bundled/libs/runtime/", "__pycache__"):
        assert not any(forbidden in name for name in names), forbidden
    assert vsix.stat().st_size < 15_000_000, f"{vsix.name} is {vsix.stat().st_size / 1e6:.1f} MB"
