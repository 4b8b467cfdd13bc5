"""`[tool.sandbox-lint]` resolution, in process: globs, layering, per-file settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox_lint.config import ConfigError, Glob, Overrides, Resolver, load_config
from sandbox_lint.interface import parse_stub
from sandbox_lint.settings import DEFAULT_MAX_BYTES

from .conftest import write


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("scripts/**/*.py", "scripts/a.py", True),
        ("scripts/**/*.py", "scripts/x/y/a.py", True),
        ("scripts/**/*.py", "other/scripts/a.py", False),
        ("scripts/*.py", "scripts/x/a.py", False),
        ("*.py", "deep/down/a.py", True),  # no slash: a name at any depth
        ("legacy_*.py", "flows/legacy_job.py", True),
        ("legacy_*.py", "flows/job.py", False),
        ("generated", "pkg/generated/out.py", True),  # a folder covers its contents
        ("pkg/generated/", "pkg/generated/out.py", True),
        ("./flows/*.py", "flows/a.py", True),
        ("flows/job?.py", "flows/job1.py", True),
        ("flows/job[0-9].py", "flows/jobx.py", False),
        ("flows/job[!0-9].py", "flows/jobx.py", True),
        ("**/tests/*.py", "tests/a.py", True),
        ("a+b(c).py", "a+b(c).py", True),  # regex characters are literal
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert Glob.parse(pattern).matches(path) is matches


def test_resolution_per_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": (
            "[tool.sandbox-lint]\n"
            'select = ["SBX1"]\n'
            'extend-select = ["SBX205"]\n'
            'ignore = ["SBX105"]\n'
            'scripts = ["flows/*.py"]\n'
            'interface = "api.pyi"\n'
            'exclude = ["vendor"]\n'
            "[tool.sandbox-lint.per-file-ignores]\n"
            '"flows/old_*.py" = ["sbx103", "SBX2"]\n'
            "[tool.sandbox-lint.limits]\n"
            "max-depth = 50\n"
        ),
        "api.pyi": "def add(x: int, y: int) -> int: ...\nn: int\n",
        "flows/job.py": "",
        "flows/old_job.py": "",
        "lib/host.py": "",
        "vendor/x.py": "",
    })
    resolver = Resolver()
    script = resolver.resolve(tmp_path / "flows" / "job.py")
    assert script.mode == "script" and script.interface == parse_stub("def add(x: int, y: int) -> int: ...\nn: int\n")
    assert script.settings.select == ("SBX1", "SBX205") and script.settings.ignore == ("SBX105",)
    assert (script.settings.max_depth, script.settings.max_bytes) == (50, DEFAULT_MAX_BYTES)
    assert script.settings.enabled("SBX103") and not script.settings.enabled("SBX105")
    assert not script.settings.enabled("SBX201") and script.settings.enabled("SBX205")
    old = resolver.resolve(tmp_path / "flows" / "old_job.py")
    assert old.per_file_ignores == ("SBX103", "SBX2") and not old.keep("SBX103") and old.keep("SBX101")
    host = resolver.resolve(tmp_path / "lib" / "host.py")
    assert (host.mode, host.interface, host.excluded) == ("host", None, False)
    assert resolver.resolve(tmp_path / "vendor" / "x.py").excluded
    # A folder without its own table inherits the nearest one above.
    write(tmp_path, {"lib/pyproject.toml": '[project]\nname = "lib"\n'})
    assert Resolver().resolve(tmp_path / "lib" / "host.py").settings.select == ("SBX1", "SBX205")


def test_nearest_table_wins_and_overrides_layer(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.sandbox-lint]\nselect = ["SBX1"]\nignore = ["SBX101"]\n',
        "sub/pyproject.toml": '[tool.sandbox-lint]\nselect = ["SBX2"]\n',
    })
    assert Resolver().resolve(tmp_path / "sub" / "a.py").settings.select == ("SBX2",)
    cli_select = Resolver(overrides=Overrides(select=("SBX103",))).resolve(tmp_path / "a.py").settings
    assert (cli_select.select, cli_select.ignore) == (("SBX103",), ())
    cli_ignore = Resolver(overrides=Overrides(ignore=("SBX102",))).resolve(tmp_path / "a.py").settings
    assert (cli_ignore.select, cli_ignore.ignore) == (("SBX1",), ("SBX101", "SBX102"))
    fixed = Resolver(config_path=tmp_path / "sub" / "pyproject.toml").resolve(tmp_path / "a.py")
    assert fixed.settings.select == ("SBX2",)


def test_stdin_and_script_overrides(tmp_path: Path) -> None:
    resolver = Resolver(overrides=Overrides(script=True))
    assert resolver.resolve(tmp_path / "a.py").mode == "script"
    assert Resolver().resolve(tmp_path, stdin=True).mode == "script"
    stub = parse_stub("def f() -> int: ...\n")
    with_stub = Resolver(overrides=Overrides(interface=stub)).resolve(tmp_path / "a.py")
    assert (with_stub.mode, with_stub.interface) == ("script", stub)


def test_bad_configuration_raises_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.sandbox-lint]\nscripts = "*.py"\n'})
    with pytest.raises(ConfigError, match=r'`scripts` must be a list of strings, e.g. scripts = \["\*.py"\]'):
        load_config(tmp_path / "pyproject.toml")
    write(tmp_path, {"pyproject.toml": '[tool]\nsandbox-lint = 3\n'})
    with pytest.raises(ConfigError, match=r"\[tool.sandbox-lint\] must be a table, got an integer"):
        load_config(tmp_path / "pyproject.toml")
    write(tmp_path, {"pyproject.toml": "[tool.sandbox-lint.limits]\nmax-bytes = true\n"})
    with pytest.raises(ConfigError, match="must be a positive integer, got a boolean True"):
        load_config(tmp_path / "pyproject.toml")
    write(tmp_path, {"pyproject.toml": b"[tool.sandbox-lint]\nselect = ['\xff']\n"})
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        Resolver().resolve(tmp_path / "a.py")
    with pytest.raises(ConfigError, match="no such file"):
        Resolver(config_path=tmp_path / "missing.toml")
