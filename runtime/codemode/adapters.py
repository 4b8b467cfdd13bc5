"""Model adapters: a client of an official SDK as a code-mode `model` callable.

    from openai import OpenAI
    model = OpenAIModel(OpenAI(), model="gpt-4o-mini", temperature=0)      # any OpenAI-compatible server:
    model = OpenAIModel(OpenAI(base_url="http://localhost:8000/v1", api_key="-"), model="local")

    from anthropic import Anthropic
    model = AnthropicModel(Anthropic(), model="claude-sonnet-4-5", max_tokens=2048)

You create the client (keys, base URL, retries, timeouts are the SDK's);
the adapter turns the message list into one request and the response into
the reply text. With an async client (`AsyncOpenAI`, `AsyncAnthropic`) the
adapter returns an awaitable, which `CodeModeAgent.run_async` awaits. The
SDKs are optional extras (`pip install 'sandbox-lint[openai]'`,
`'sandbox-lint[anthropic]'`); this module imports them only in `from_env`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Sequence
from typing import Any, Union

__all__ = ["AnthropicModel", "ModelReplyError", "OpenAIModel"]

Reply = Union[str, Awaitable[str]]


class ModelReplyError(RuntimeError):
    """The provider answered, but with no text to use (a refusal, a tool call,
    an empty choice list). The agent reports it as a model error."""


def _import_sdk(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"the `{module}` package is not installed: pip install 'sandbox-lint[{extra}]' (or pip install {module})"
        ) from None


def _is_coroutine_function(method: Any) -> bool:
    """The SDKs wrap `create` in argument-checking decorators; look through them."""
    return method is not None and inspect.iscoroutinefunction(inspect.unwrap(method))


class OpenAIModel:
    """Chat completions (`client.chat.completions.create`) of an `openai.OpenAI`
    or `openai.AsyncOpenAI` client. `params` go into every request
    (`temperature=0`, `max_tokens=...`, `seed=...`)."""

    def __init__(self, client: Any, model: str, **params: Any) -> None:
        if not hasattr(client, "chat"):
            raise TypeError(f"OpenAIModel needs an openai.OpenAI or AsyncOpenAI client, got {type(client).__name__}")
        self.client = client
        self.model = model
        self.params = params
        self.is_async = _is_coroutine_function(getattr(getattr(client.chat, "completions", None), "create", None))

    @classmethod
    def from_env(cls, model: str, *, base_url: str | None = None, asynchronous: bool = False, **params: Any) -> OpenAIModel:
        """A client from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`)."""
        openai = _import_sdk("openai", "openai")
        factory = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        return cls(factory(base_url=base_url) if base_url else factory(), model, **params)

    def __call__(self, messages: Sequence[dict[str, str]]) -> Reply:
        response = self.client.chat.completions.create(
            model=self.model, messages=[{"role": m["role"], "content": m["content"]} for m in messages], **self.params
        )
        if inspect.isawaitable(response):
            return self._text_later(response)
        return self._text(response)

    async def _text_later(self, response: Awaitable[Any]) -> str:
        return self._text(await response)

    @staticmethod
    def _text(response: Any) -> str:
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise ModelReplyError("the chat completion has no choices")
        message = choices[0].message
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            refusal = getattr(message, "refusal", None)
            reason = f"it refused: {refusal}" if refusal else f"finish_reason={getattr(choices[0], 'finish_reason', None)!r}"
            raise ModelReplyError(f"the chat completion has no text content ({reason})")
        return content

    def __repr__(self) -> str:
        return f"OpenAIModel(model={self.model!r})"


class AnthropicModel:
    """The Messages API (`client.messages.create`) of an `anthropic.Anthropic`
    or `anthropic.AsyncAnthropic` client. System messages go into `system=`;
    with `cache_system=True` the system prompt is marked for prompt caching
    (it is stable for a stable tool set). `params` go into every request."""

    def __init__(self, client: Any, model: str, max_tokens: int = 4096, *, cache_system: bool = False, **params: Any) -> None:
        if not hasattr(client, "messages"):
            raise TypeError(f"AnthropicModel needs an anthropic.Anthropic or AsyncAnthropic client, got {type(client).__name__}")
        self.client = client
        self.model = model
        self.max_tokens = max_tokens
        self.is_async = _is_coroutine_function(getattr(client.messages, "create", None))
        self.cache_system = cache_system
        self.params = params

    @classmethod
    def from_env(cls, model: str, *, max_tokens: int = 4096, asynchronous: bool = False, **params: Any) -> AnthropicModel:
        """A client from the environment (`ANTHROPIC_API_KEY`)."""
        anthropic = _import_sdk("anthropic", "anthropic")
        factory = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
        return cls(factory(), model, max_tokens, **params)

    def request(self, messages: Sequence[dict[str, str]]) -> dict[str, Any]:
        """The keyword arguments of `messages.create` for this message list."""
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        turns = [{"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"]
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": turns, **self.params}
        if system:
            block: dict[str, Any] = {"type": "text", "text": system}
            if self.cache_system:
                block["cache_control"] = {"type": "ephemeral"}
            kwargs["system"] = [block] if self.cache_system else system
        return kwargs

    def __call__(self, messages: Sequence[dict[str, str]]) -> Reply:
        response = self.client.messages.create(**self.request(messages))
        if inspect.isawaitable(response):
            return self._text_later(response)
        return self._text(response)

    async def _text_later(self, response: Awaitable[Any]) -> str:
        return self._text(await response)

    @staticmethod
    def _text(response: Any) -> str:
        blocks = getattr(response, "content", None) or []
        texts = [block.text for block in blocks if getattr(block, "type", None) == "text"]
        if not texts:
            raise ModelReplyError(f"the message has no text block (stop_reason={getattr(response, 'stop_reason', None)!r})")
        return "".join(texts)

    def __repr__(self) -> str:
        return f"AnthropicModel(model={self.model!r})"
