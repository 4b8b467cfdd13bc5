"""The gate's passes on disk: a new process that runs a program this machine
already checked skips the checker (no libcst import); rejections, changed
checkers and untrustworthy directories are never taken on trust."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime import RejectedError, sandbox, verdicts

PROBE = r"""
import json, sys
from runtime import sandbox
try:
    value = sandbox.orchestrate_local_sync(sys.argv[1])
except Exception as exc:
    value = type(exc).__name__
print(json.dumps({"value": value, "libcst": "libcst" in sys.modules}))
"""


def _fresh(source: str, cache: Path, **env: str) -> dict[str, object]:
    environment = {**os.environ, "SANDBOX_LINT_CACHE_DIR": str(cache), **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, source], capture_output=True, text=True, env=environment, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_second_process_runs_a_checked_program_without_the_checker(tmp_path: Path) -> None:
    source = "x = 20\nx + 22"
    assert _fresh(source, tmp_path) == {"value": 42, "libcst": True}
    assert _fresh(source, tmp_path) == {"value": 42, "libcst": False}
    assert len(list((tmp_path / "verdicts-v1").iterdir())) == 1
    # another program is checked afresh
    assert _fresh(source + " + 1", tmp_path) == {"value": 43, "libcst": True}


def test_a_rejection_is_never_remembered(tmp_path: Path) -> None:
    for _ in range(2):
        assert _fresh("import os\n1", tmp_path) == {"value": "RejectedError", "libcst": True}
    assert list((tmp_path / "verdicts-v1").iterdir()) == []


def test_switched_off(tmp_path: Path) -> None:
    for _ in range(2):
        assert _fresh("1 + 1", tmp_path, SANDBOX_LINT_VERDICT_CACHE="0") == {"value": 2, "libcst": True}
    assert not (tmp_path / "verdicts-v1").exists()


def test_a_directory_others_can_write_is_not_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "verdicts-v1"
    folder.mkdir()
    folder.chmod(0o777)
    for _ in range(2):
        assert _fresh("2 + 2", tmp_path) == {"value": 4, "libcst": True}
    assert list(folder.iterdir()) == []


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SANDBOX_LINT_CACHE_DIR", str(tmp_path))
    verdicts.reset()
    yield tmp_path / "verdicts-v1"
    verdicts.reset()


def test_a_forged_entry_that_is_not_a_plain_file_is_ignored(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[str] = []
    real = verdicts.verdict_key
    monkeypatch.setattr(verdicts, "verdict_key", lambda *args: keys.append(real(*args)) or keys[-1])
    source = "import os\n1"
    with pytest.raises(RejectedError):
        sandbox.orchestrate_local_sync(source)
    target = cache.parent / "elsewhere"
    target.write_text("")
    (cache / keys[-1]).symlink_to(target)  # a pass planted through a link
    assert not verdicts.known_pass(keys[-1])
    with pytest.raises(RejectedError):
        sandbox.orchestrate_local_sync(source)
    assert len(keys) == 2


def test_the_key_covers_the_checker_interface_and_settings(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox_lint.interface import Interface
    from sandbox_lint.settings import Settings

    base = verdicts.verdict_key("1", Interface(), Settings.gate())
    assert verdicts.verdict_key("1", Interface(), Settings.gate()) == base
    assert verdicts.verdict_key("2", Interface(), Settings.gate()) != base
    assert verdicts.verdict_key("1", Interface(output="int"), Settings.gate()) != base
    assert verdicts.verdict_key("1", Interface(), Settings()) != base
    verdicts.reset()
    monkeypatch.setattr(verdicts, "_checker_fingerprint", lambda: b"another checker")
    assert verdicts.verdict_key("1", Interface(), Settings.gate()) != base


def test_the_directory_stays_bounded(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verdicts, "MAX_ENTRIES", 20)
    for i in range(25):
        verdicts.remember_pass(f"{i:064x}")
    assert 0 < len(list(cache.iterdir())) <= 20
    assert verdicts.known_pass(f"{24:064x}")
