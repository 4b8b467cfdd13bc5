"""The tasks the code-mode examples give the model: a tiny offline "web"."""

from __future__ import annotations

from runtime import TaskEnvironment

env = TaskEnvironment(name="pages")

PAGES = {
    "https://example.org/monty": "Monty is a small Python interpreter written in Rust for running code written by models",
    "https://example.org/flyte": "Flyte orchestrates tasks",
    "https://example.org/sandbox": "Sandboxed code calls trusted tasks on the host and nothing else",
}


@env.task
def fetch_page(url: str) -> str:
    """The text of the page at `url`. Unknown urls raise LookupError."""
    if url not in PAGES:
        raise LookupError(f"404 for {url}")
    return PAGES[url]


@env.task
def word_count(text: str) -> int:
    """The number of words in `text`."""
    return len(text.split())
