"""The OpenAI and Anthropic adapters, through the official SDK clients, against a loopback server speaking each wire format."""

from __future__ import annotations

import asyncio

import anthropic
import openai

from runtime.codemode import AnthropicModel, CodeModeAgent, OpenAIModel

from .loopback import ProviderServer, openai_completion
from .scripted import FeedbackFollower, fenced
from .shop import add, size

PROGRAM = "total = 0\nfor u in urls:\n    total += size(u)\ntotal\n"
URLS = ["http://a", "http://bb"]


def openai_follower() -> tuple[FeedbackFollower, object]:
    follower = FeedbackFollower(f"Let me compute it.\n{fenced(PROGRAM)}")
    return follower, lambda path, body: follower(body["messages"])


def anthropic_answer(follower: FeedbackFollower):
    def answer(path, body):
        system = body["system"] if isinstance(body["system"], str) else body["system"][0]["text"]
        return follower([{"role": "system", "content": system}, *body["messages"]])

    return answer


def test_openai_model_drives_the_agent_over_chat_completions():
    follower, answer = openai_follower()
    with ProviderServer(answer) as server:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-test", max_retries=0)
        model = OpenAIModel(client, model="gpt-test", temperature=0)
        agent = CodeModeAgent(model=model, tasks=[add, size], inputs={"urls": list[str]})
        result = agent.run("Total size of the pages?", urls=URLS)

    assert result.ok and result.value == 17 and result.answer == "The answer is 17."
    assert [a.outcome for a in result.attempts] == ["rejected", "ok"]
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 3
    first, last = server.requests[0], server.requests[-1]
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.body["model"] == "gpt-test" and first.body["temperature"] == 0
    assert first.body["messages"] == [
        {"role": "system", "content": agent.system_prompt},
        {"role": "user", "content": "Total size of the pages?"},
    ]
    assert [m["role"] for m in last.body["messages"]] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert last.body["messages"][3]["content"] == result.attempts[0].feedback


def test_async_openai_client_with_run_async():
    follower, answer = openai_follower()
    with ProviderServer(answer) as server:

        async def main():
            client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-test", max_retries=0)
            agent = CodeModeAgent(model=OpenAIModel(client, model="gpt-test"), tasks=[size], inputs={"urls": list[str]})
            return await agent.run_async("Total size?", urls=URLS)

        result = asyncio.run(main())
    assert result.ok and result.value == 17 and len(server.requests) == 3


def test_openai_refusals_and_http_errors_end_the_run_with_a_clear_error():
    answers = iter([(200, openai_completion(None, "gpt-test", refusal="I cannot help with that.")), (500, {"error": {"message": "overloaded", "type": "server_error"}})])
    with ProviderServer(lambda path, body: next(answers)) as server:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-test", max_retries=0)
        agent = CodeModeAgent(model=OpenAIModel(client, model="gpt-test"), tasks=[add])
        refused = agent.run("Add.")
        failed = agent.run("Add.")
    assert not refused.ok and refused.reason == "model_error"
    assert refused.error == "the model call raised ModelReplyError: the chat completion has no text content (it refused: I cannot help with that.)"
    assert not failed.ok and failed.reason == "model_error"
    assert failed.error is not None and failed.error.startswith("the model call raised InternalServerError:")
    assert isinstance(failed.cause, openai.InternalServerError)


def test_anthropic_model_puts_the_system_prompt_in_system():
    follower = FeedbackFollower(fenced(PROGRAM))
    with ProviderServer(anthropic_answer(follower)) as server:
        client = anthropic.Anthropic(base_url=f"http://127.0.0.1:{server.port}", api_key="ak-test", max_retries=0)
        model = AnthropicModel(client, model="claude-test", max_tokens=1024)
        agent = CodeModeAgent(model=model, tasks=[size], inputs={"urls": list[str]})
        result = agent.run("Total size?", urls=URLS)

    assert result.ok and result.value == 17 and result.answer == "The answer is 17."
    assert [r.path for r in server.requests] == ["/v1/messages"] * 3
    first, last = server.requests[0], server.requests[-1]
    # The key travels as `x-api-key` (or, in newer SDKs, as a bearer token).
    assert "ak-test" in (first.headers.get("x-api-key"), first.headers.get("authorization", "").removeprefix("Bearer "))
    assert "anthropic-version" in first.headers
    assert first.body["model"] == "claude-test" and first.body["max_tokens"] == 1024
    assert first.body["system"] == agent.system_prompt
    assert first.body["messages"] == [{"role": "user", "content": "Total size?"}]
    assert [m["role"] for m in last.body["messages"]] == ["user", "assistant", "user", "assistant", "user"]


def test_async_anthropic_client_with_prompt_caching():
    follower = FeedbackFollower(fenced(PROGRAM))
    with ProviderServer(anthropic_answer(follower)) as server:

        async def main():
            client = anthropic.AsyncAnthropic(base_url=f"http://127.0.0.1:{server.port}", api_key="ak-test", max_retries=0)
            model = AnthropicModel(client, model="claude-test", cache_system=True)
            agent = CodeModeAgent(model=model, tasks=[size], inputs={"urls": list[str]})
            return agent, await agent.run_async("Total size?", urls=URLS)

        agent, result = asyncio.run(main())
    assert result.ok and result.value == 17
    assert server.requests[0].body["system"] == [{"type": "text", "text": agent.system_prompt, "cache_control": {"type": "ephemeral"}}]
    assert server.requests[0].body["max_tokens"] == 4096


def test_an_async_client_under_the_blocking_run_keeps_one_event_loop():
    """`run()` awaits every turn of an async client on one private loop, so its connection pool survives."""
    follower, answer = openai_follower()
    with ProviderServer(answer) as server:
        client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-test", max_retries=0)
        model = OpenAIModel(client, model="gpt-test")
        assert model.is_async and not OpenAIModel(openai.OpenAI(api_key="x"), model="m").is_async
        assert AnthropicModel(anthropic.AsyncAnthropic(api_key="x"), model="m").is_async
        result = CodeModeAgent(model=model, tasks=[size], inputs={"urls": list[str]}).run("Total size?", urls=URLS)
    assert result.ok and result.value == 17 and len(server.requests) == 3
