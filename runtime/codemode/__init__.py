"""Code mode: a model writes orchestration code, the gate checks it, the sandbox
runs it with the registered tasks as the model's tools, and every failure goes
back to the model as feedback it can act on (SPEC §6, docs/codemode.md).

    from runtime import codemode

    prompt = codemode.system_prompt(tasks=[add, fetch], inputs={"urls": list[str]})
    agent = codemode.CodeModeAgent(model=model, tasks=[add, fetch], inputs={"urls": list[str]})
    result = agent.run("Fetch every url and add up the sizes", urls=[...])   # await agent.run_async(...)
    result.value, result.answer, result.code, result.attempts, result.messages, result.error

`codemode.feedback(error)` renders any `SandboxError` as the text the loop
sends, for users with their own loop. `sandbox-lint mcp --tasks module:env`
serves the same tools over MCP (`runtime.codemode.mcp`, needs the `mcp` extra).
"""

from __future__ import annotations

from .adapters import AnthropicModel, OpenAIModel
from .agent import Attempt, CodeModeAgent, CodeModeResult, Message, ModelFn
from .extract import Extracted, extract_code
from .feedback import feedback, success_feedback, summarize
from .prompt import SANDBOX_LANGUAGE, sandbox_language, system_prompt, task_stubs

__all__ = [
    "AnthropicModel", "Attempt", "CodeModeAgent", "CodeModeResult", "Extracted", "Message", "ModelFn",
    "OpenAIModel", "SANDBOX_LANGUAGE", "extract_code", "feedback", "sandbox_language", "success_feedback",
    "summarize", "system_prompt", "task_stubs",
]
