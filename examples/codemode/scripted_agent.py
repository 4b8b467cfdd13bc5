"""Code mode offline: a scripted model makes a typical mistake, reads the feedback, fixes it, answers.

Run: python examples/codemode/scripted_agent.py

Swap `ScriptedModel()` for a real one (see real_provider.py); nothing else changes.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tasks import PAGES, fetch_page, word_count  # noqa: E402

from runtime import codemode  # noqa: E402

FIRST = '''I will count the words of every page.

```python
counts = {}
for url in urls:
    counts[url] = word_count(fetch_page(url))
best = max(counts, key=lambda u: counts[u])
{"best": best, "words": counts[best]}
```
'''

FIXED = '''```python
counts = {}
for url in urls:
    counts = {**counts, url: word_count(fetch_page(url))}
best = max(counts, key=lambda u: counts[u])
{"best": best, "words": counts[best]}
```'''


class ScriptedModel:
    """Plays a model: writes a program with a subscript assignment, applies
    the rewrite the feedback suggests, then answers from the result."""

    def __call__(self, messages: list[dict[str, str]]) -> str:
        last = messages[-1]["content"]
        if len(messages) == 2:
            return FIRST
        if "[SBX102]" in last:
            return FIXED
        return "The page with the most words is " + last.split("'best': ")[1].split(",")[0] + "."


def main() -> None:
    agent = codemode.CodeModeAgent(model=ScriptedModel(), tasks=[fetch_page, word_count], inputs={"urls": list[str]})
    result = agent.run("Which page has the most words?", urls=sorted(PAGES))
    for number, message in enumerate(result.messages[2:], start=1):
        who = "model" if message["role"] == "assistant" else "feedback"
        print(f"--- {number}. {who}")
        print(message["content"].strip())
    print("---")
    print(f"ok={result.ok} turns={result.turns} outcomes={[a.outcome for a in result.attempts]}")
    print(f"value={result.value}")


if __name__ == "__main__":
    main()
