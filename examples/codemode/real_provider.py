"""Code mode with a real model: OpenAI (or any OpenAI-compatible server) or Anthropic.

    OPENAI_API_KEY=... python examples/codemode/real_provider.py --provider openai --model gpt-4o-mini
    ANTHROPIC_API_KEY=... python examples/codemode/real_provider.py --provider anthropic --model claude-sonnet-4-5
    OPENAI_BASE_URL=http://localhost:8000/v1 OPENAI_API_KEY=none python examples/codemode/real_provider.py --model local

Needs the SDK: pip install 'sandbox-lint[openai]' or 'sandbox-lint[anthropic]'.
Without the API key in the environment it says so and exits with code 2.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tasks import PAGES, fetch_page, word_count  # noqa: E402

from runtime import codemode  # noqa: E402
from runtime.events import CodeChecked, CodeRan, ModelReplied, RunEvent  # noqa: E402

KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def trace(event: RunEvent) -> None:
    """One line per step, so you see the loop while it runs."""
    if isinstance(event, ModelReplied):
        print(f"[turn {event.turn}] model replied in {event.duration_s:.1f}s ({'code' if event.has_code else 'no code'})", file=sys.stderr)
    elif isinstance(event, CodeChecked):
        print(f"[turn {event.turn}] gate: {'passed' if event.ok else 'rejected ' + ', '.join(event.codes)}", file=sys.stderr)
    elif isinstance(event, CodeRan):
        print(f"[turn {event.turn}] run: {'ok' if event.ok else event.error} ({event.task_calls} task calls)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(KEYS), default="openai")
    parser.add_argument("--model", default=None, help="model name (default: gpt-4o-mini / claude-sonnet-4-5)")
    parser.add_argument("--question", default="Which page has the most words, and how many?")
    args = parser.parse_args(argv)
    key = KEYS[args.provider]
    if not os.environ.get(key):
        print(f"real_provider.py: set {key} in the environment to run this example (nothing was sent)", file=sys.stderr)
        return 2
    try:
        if args.provider == "openai":
            model: codemode.ModelFn = codemode.OpenAIModel.from_env(args.model or "gpt-4o-mini", temperature=0)
        else:
            model = codemode.AnthropicModel.from_env(args.model or "claude-sonnet-4-5", max_tokens=2048)
    except ImportError as exc:
        print(f"real_provider.py: {exc}", file=sys.stderr)
        return 2
    agent = codemode.CodeModeAgent(
        model=model, tasks=[fetch_page, word_count], inputs={"urls": list[str]}, max_turns=6, on_event=trace
    )
    result = agent.run(args.question, urls=sorted(PAGES))
    if not result.ok:
        print(f"no answer: {result.error}", file=sys.stderr)
        return 1
    print(result.answer)
    print(f"(value of the last run: {result.value!r}; {result.turns} turns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
