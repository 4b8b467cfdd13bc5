"""The examples in examples/codemode/ run as scripts: the offline one, and the provider one against a loopback server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .loopback import ProviderServer
from .scripted import fenced

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "codemode"


def run(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY")}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=180, cwd=REPO, env={**base, **(env or {})}
    )


def test_the_scripted_example_prints_every_turn_and_the_value():
    done = run("scripted_agent.py")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("\n--- ") == 4 and out.startswith("--- 1. model\n") and "--- 2. feedback\n<sandbox>: 1 problem found" in out
    assert "[SBX102]" in out and "--- 5. model\nThe page with the most words is 'https://example.org/monty'." in out
    assert out.endswith("ok=True turns=3 outcomes=['rejected', 'ok']\nvalue={'best': 'https://example.org/monty', 'words': 15}\n")


def test_the_provider_example_explains_a_missing_key():
    for provider, key in (("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")):
        done = run("real_provider.py", "--provider", provider)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr == f"real_provider.py: set {key} in the environment to run this example (nothing was sent)\n"


def test_the_provider_example_runs_against_an_openai_compatible_server():
    program = fenced("counts = [word_count(fetch_page(u)) for u in urls]\nmax(counts)")

    def answer(path: str, body: dict) -> str:
        return program if len(body["messages"]) == 2 else "The longest page has 15 words."

    with ProviderServer(answer) as server:
        done = run(
            "real_provider.py", "--model", "local-model",
            env={"OPENAI_API_KEY": "none", "OPENAI_BASE_URL": f"http://127.0.0.1:{server.port}/v1"},
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "The longest page has 15 words.\n(value of the last run: 15; 2 turns)\n"
    assert "[turn 1] gate: passed" in done.stderr and "[turn 1] run: ok (6 task calls)" in done.stderr
    assert server.requests[0].body["model"] == "local-model"
