"""A real editor: headless Neovim (Debian's `neovim` package) with its built-in LSP
client opens a host file with three violations, receives them, applies two code
actions and sees the buffer change.

Install Neovim with `apt-get update && apt-get install -y neovim` (`.ci/run`
does this on CI). The editor is driven by `tests/language_server/neovim/init.lua`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import host_file

INIT = Path(__file__).with_name("neovim") / "init.lua"
NVIM = shutil.which("nvim")

HOST = host_file(
    '''\
    import math
    total = 0
    for v in values:
        label = "é🐍"; total += add(v, 1)
    del values
    return total
    '''
)


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed: apt-get update && apt-get install -y neovim")
def test_neovim_receives_findings_and_applies_code_actions(tmp_path: Path) -> None:
    host = tmp_path / "project" / "flows.py"
    host.parent.mkdir()
    host.write_text(HOST, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **os.environ,
        "SBX_PYTHON": sys.executable,
        "SBX_FILE": str(host),
        "SBX_OUT": str(out),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    completed = subprocess.run(
        [NVIM, "--headless", "--noplugin", "-i", "NONE", "-n", "-u", str(INIT)],  # type: ignore[list-item]
        env=env,
        cwd=host.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    result_file = out / "result.json"
    assert result_file.exists(), f"nvim wrote no result (exit {completed.returncode}): {completed.stderr}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, result
    assert completed.returncode == 0, completed.stderr

    lines = HOST.splitlines()
    fix_line = lines[15]
    # Neovim keeps byte columns; the server sent UTF-16 ones and Neovim converted them.
    assert result["offset_encoding"] == "utf-16"
    assert [(d["code"], d["lnum"], d["col"], d["source"]) for d in result["initial"]] == [
        ("SBX101", 12, 4, "sandbox-lint"),
        ("SBX103", 15, len(fix_line[: fix_line.index("total")].encode()), "sandbox-lint"),
        ("SBX111", 16, 4, "sandbox-lint"),
    ]
    assert result["initial"][1]["message"] == "augmented assignment is not allowed: write `total = total + add(v, 1)`"
    assert result["actions"] == [
        "SBX103: Rewrite as `total = total + add(v, 1)`",
        "Disable SBX103 for this line",
        "Fix all auto-fixable sandbox-lint problems",
    ]
    assert result["applied"] == ["SBX103: Rewrite as `total = total + add(v, 1)`", "Disable SBX101 for this line"]
    # The noqa'd import stays refused by the runtime gate: SBX603 notes it on its line.
    assert [(d["code"], d["lnum"]) for d in result["final"]] == [("SBX603", 12), ("SBX111", 16)]

    buffer = (out / "buffer.py").read_text(encoding="utf-8")
    assert buffer == HOST.replace("    import math\n", "    import math  # noqa: SBX101\n").replace(
        'label = "é🐍"; total += add(v, 1)', 'label = "é🐍"; total = total + add(v, 1)'
    )
