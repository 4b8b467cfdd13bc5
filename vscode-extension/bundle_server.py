"""Fill bundled/libs with the language server and everything it imports, for this platform.

    python bundle_server.py                  # -> bundled/libs and bundled/bundle.json
    python bundle_server.py --dest DIR       # a complete copy elsewhere: DIR/{tool,libs,bundle.json}

The extension then starts `python -I bundled/tool/launch_server.py --import-strategy
useBundled`, which puts bundled/libs first on sys.path, so the server runs with any
Python 3.10+ of the build platform, whatever that Python has installed (or cannot
install: `flyte[sandbox]` pins another pydantic-monty than ours).

What goes in:
- the repository's `sandbox_lint/` and `lsp/` packages, copied (not `runtime/`: the server
  never imports it, so neither pydantic-monty);
- bundled/requirements.txt, installed with `pip install --target --no-deps` (wheels for
  Python 3.10), then checked to be closed: every requirement of every pinned package, for
  every supported Python, is pinned too and satisfied (but for NOT_BUNDLED);
- libcst's compiled parser for every supported Python (3.10 to 3.14): pip installs the 3.10
  one, the others are taken from the matching wheels of the same release, after checking
  that their pure-Python files are identical.
Tests folders, caches and console scripts are left out to keep the .vsix small.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

from typing import Any

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
except ImportError:
    sys.exit("bundle_server.py needs the `packaging` library (the repository's .venv has it): pip install packaging")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUNDLED = HERE / "bundled"
REQUIREMENTS = BUNDLED / "requirements.txt"
LAUNCHER = BUNDLED / "tool" / "launch_server.py"
SERVER_PACKAGES = ("sandbox_lint", "lsp")
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# Distributions with compiled modules: ship their extension modules for every Python in PYTHONS.
NATIVE_PER_PYTHON = {"libcst"}
# Declared dependencies the server never imports, left out on purpose.
NOT_BUNDLED = {
    "pyyaml": "libcst imports yaml only in its codemod CLI (libcst.tool)",
    "pyyaml-ft": "libcst's yaml for Python 3.13, same reason",
}
EXTENSION_SUFFIXES = (".so", ".pyd")


class BundleError(Exception):
    pass


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def pinned() -> dict[str, str]:
    """bundled/requirements.txt as {canonical name: version}."""
    pins: dict[str, str] = {}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#")[0].split(";")[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            if not version:
                raise BundleError(f"{REQUIREMENTS.name}: {line!r} is not pinned with ==")
            pins[canonical(name)] = version.strip()
    return pins


def sources_digest(root: Path = ROOT) -> str:
    """Digest of everything the bundle is made from: tells whether a built bundle is current."""
    digest = hashlib.sha256()
    files = [REQUIREMENTS, Path(__file__).resolve(), LAUNCHER]
    for package in SERVER_PACKAGES:
        files += sorted(p for p in (root / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BundleError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def installed(libs: Path) -> dict[str, tuple[str, Path]]:
    """{canonical name: (version, dist-info folder)} of what pip put into `libs`."""
    found = {}
    for info in libs.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        found[canonical(name)] = (version, info)
    return found


def marker_environment(python: str) -> dict[str, str]:
    environment = {key: str(value) for key, value in default_environment().items()}
    return {**environment, "python_version": python, "python_full_version": f"{python}.0", "extra": ""}


def check_closed(dists: dict[str, tuple[str, Path]]) -> None:
    """Every requirement of every bundled package, on every Python in PYTHONS, is bundled."""
    problems = []
    for name, (version, info) in sorted(dists.items()):
        for line in metadata_of(info).get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            wanted = canonical(requirement.name)
            for python in PYTHONS:
                if requirement.marker is not None and not requirement.marker.evaluate(marker_environment(python)):
                    continue
                if wanted in NOT_BUNDLED:
                    continue
                if wanted not in dists:
                    problems.append(f"{name} {version} needs {line} on Python {python}: pin it in {REQUIREMENTS.name}")
                elif not requirement.specifier.contains(dists[wanted][0], prereleases=True):
                    problems.append(f"{name} {version} needs {line}, {REQUIREMENTS.name} pins {dists[wanted][0]}")
    if problems:
        raise BundleError("the pinned packages are not a closed set:\n  " + "\n  ".join(sorted(set(problems))))


def metadata_of(info: Path) -> Message:
    return Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))


def wheel_tags(info: Path) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in (info / "WHEEL").read_text().splitlines() if line.startswith("Tag:")]


def is_extension(name: str) -> bool:
    return name.endswith(EXTENSION_SUFFIXES)


def add_other_pythons(libs: Path, name: str, version: str, downloads: Path) -> list[str]:
    """Copy `name`'s extension modules for the other PYTHONS into `libs`; return the module
    paths (without suffix) that every Python needs."""
    modules: set[str] = set()
    for python in PYTHONS[1:]:
        folder = downloads / python
        pip("download", "--no-deps", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", python, "--dest", str(folder), f"{name}=={version}")
        (wheel,) = folder.glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if ".dist-info/" in member or member.endswith("/"):
                    continue
                data = archive.read(member)
                if is_extension(member):
                    (libs / member).write_bytes(data)
                    modules.add(member.split(".", 1)[0])
                elif (libs / member).read_bytes() != data:
                    raise BundleError(f"{wheel.name}: {member} differs from the Python {PYTHONS[0]} wheel's")
    return sorted(modules)


def prune(libs: Path) -> None:
    for folder in sorted(libs.rglob("*"), reverse=True):
        if folder.is_dir() and folder.name in ("tests", "__pycache__"):
            shutil.rmtree(folder)
    shutil.rmtree(libs / "bin", ignore_errors=True)


def build(dest: Path) -> dict[str, Any]:
    pins = pinned()
    work = Path(tempfile.mkdtemp(prefix="sandbox-lint-bundle-"))
    try:
        libs = work / "libs"
        pip("install", "--target", str(libs), "--only-binary=:all:", "--implementation", "cp",
            "--python-version", PYTHONS[0], "--no-compile", "--no-deps", "-r", str(REQUIREMENTS))
        dists = installed(libs)
        if set(dists) != set(pins):
            raise BundleError(f"pip installed {sorted(dists)}, {REQUIREMENTS.name} pins {sorted(pins)}")
        check_closed(dists)
        native_modules: list[str] = []
        for name, (version, info) in sorted(dists.items()):
            if all(tag.endswith("-none-any") for tag in wheel_tags(info)):
                continue
            if name not in NATIVE_PER_PYTHON:
                raise BundleError(f"{name} {version} has compiled modules: add it to NATIVE_PER_PYTHON")
            native_modules += add_other_pythons(libs, name, version, work / "downloads" / name)
        for package in SERVER_PACKAGES:
            shutil.copytree(ROOT / package, libs / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        prune(libs)
        manifest: dict[str, Any] = {
            "platform": sysconfig.get_platform(),
            "pythons": list(PYTHONS),
            "native_modules": native_modules,
            "distributions": {name: version for name, (version, _) in sorted(dists.items())},
            "sources": sources_digest(),
        }
        dest.mkdir(parents=True, exist_ok=True)
        if dest != BUNDLED:
            shutil.copytree(LAUNCHER.parent, dest / "tool", dirs_exist_ok=True)
        shutil.rmtree(dest / "libs", ignore_errors=True)
        shutil.move(str(libs), str(dest / "libs"))
        (dest / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle_server.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=BUNDLED, help="the bundle folder (default: %(default)s)")
    args = parser.parse_args(argv)
    dest = args.dest.resolve()
    try:
        manifest = build(dest)
    except BundleError as error:
        print(f"bundle_server.py: error: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in (dest / "libs").rglob("*") if p.is_file())
    print(f"bundled the server into {dest / 'libs'} ({size / 1e6:.1f} MB) for {manifest['platform']}, "
          f"Python {', '.join(PYTHONS)}: {', '.join(f'{k} {v}' for k, v in manifest['distributions'].items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
