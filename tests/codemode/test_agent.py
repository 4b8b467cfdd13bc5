"""The code-mode loop with scripted models over real Monty runs: mistakes converge, failures are explained, it always ends."""

from __future__ import annotations

import asyncio

import pytest

import runtime
from runtime import LimitExceeded, TaskDefinitionError, codemode
from runtime.codemode import CodeModeAgent
from runtime.events import (
    AgentFinished,
    AgentStarted,
    CodeChecked,
    CodeRan,
    FeedbackSent,
    ModelReplied,
    RunFinished,
    RunStarted,
    TaskCallFinished,
    TaskCallStarted,
)

from .scripted import AsyncFollower, FeedbackFollower, Replies, fenced
from .shop import add, fetch, nap, price, size

TASKS = [add, size, fetch, price, nap]
INPUTS = {"xs": list[int], "urls": list[str]}
VALUES = {"xs": [3, 1, 2], "urls": ["http://a", "http://bb"]}


def agent(model: object, **options: object) -> CodeModeAgent:
    return CodeModeAgent(model=model, tasks=TASKS, inputs=INPUTS, **options)  # type: ignore[arg-type]


MISTAKES = [
    ("augmented-assignment", "total = 0\nfor x in xs:\n    total += x\ntotal\n", "SBX103", 6),
    ("subscript-assignment", "sizes = {}\nfor u in urls:\n    sizes[u] = size(u)\nsizes\n", "SBX102", {"http://a": 8, "http://bb": 9}),
    ("import", "import math\nsizes = map_task(size, urls)\nmax(sizes)\n", "SBX101", 9),
    ("try", "try:\n    total = add(xs[0], xs[1])\nexcept Exception:\n    total = 0\ntotal\n", "SBX106", 4),
    ("str-format", 'label = "{} items, total {}".format(len(xs), sum(xs))\nlabel\n', "SBX203", "3 items, total 6"),
    ("sort-in-place", "ys = list(xs)\nys.sort()\nys\n", "SBX116", [1, 2, 3]),
    ("unknown-task", "total = ad(xs[0], xs[1])\ntotal\n", "SBX401", 4),
]


@pytest.mark.parametrize("name, program, code, expected", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_typical_mistake_converges_when_the_model_applies_the_feedback(name, program, code, expected):
    model = FeedbackFollower(f"Here is the program:\n{fenced(program)}\nIt reads the inputs.")
    result = agent(model).run("Compute it.", **VALUES)

    assert result.ok and result.error is None and result.reason == "answer"
    assert [a.outcome for a in result.attempts] == ["rejected", "ok"]
    first, second = result.attempts
    assert code in first.codes and "SBX900" not in first.codes
    assert f"[{code}]" in first.feedback and "send the whole program again" in first.feedback
    assert second.value == expected and result.value == expected
    assert result.code == second.code
    assert result.answer == f"The answer is {second.feedback.split('): ', 1)[1].splitlines()[0]}."
    assert result.turns == 3
    # What the model read: the system prompt, the question, then its reply and our feedback, in turn.
    roles = [m["role"] for m in result.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user", "assistant"]
    assert result.messages[3]["content"] == first.feedback


def test_a_fenced_reply_with_prose_around_runs_on_the_first_turn():
    reply = "Sure. I will add the first and last item.\n\n```python\ntotal = add(xs[0], xs[2])\ntotal\n```\n\nThis returns 5."
    result = agent(FeedbackFollower(reply)).run("Add the first and the last.", **VALUES)
    assert result.ok and [a.outcome for a in result.attempts] == ["ok"]
    assert result.value == 5 and result.answer == "The answer is 5."
    assert result.attempts[0].code == "total = add(xs[0], xs[2])\ntotal\n"


def test_stop_on_success_ends_at_the_first_successful_run():
    model = FeedbackFollower(fenced("total = 0\nfor x in xs:\n    total += x\ntotal"))
    result = agent(model, stop_on_success=True).run("Sum.", **VALUES)
    assert result.ok and result.reason == "success" and result.value == 6
    assert [a.outcome for a in result.attempts] == ["rejected", "ok"]
    assert result.attempts[-1].feedback == "" and result.answer is None
    assert result.messages[-1]["role"] == "assistant" and result.turns == 2


def test_a_task_failure_names_the_task_its_arguments_and_the_calls_already_made():
    """The model reads which url failed from the feedback and skips it."""
    template = "skip = {skip!r}\ntotal = 0\nfor u in urls:\n    if u not in skip:\n        total = total + fetch(u)['bytes']\ntotal\n"

    def follower(messages):
        if len(messages) == 2:
            return fenced(template.format(skip=[]))
        text = messages[-1]["content"]
        if text.startswith("The program ran successfully"):
            return "Done."
        failing = text.split("The failing call: fetch(", 1)[1].split(")", 1)[0]
        skip = eval(failing)  # the scripted model reads the argument it was shown
        return fenced(template.format(skip=[skip]))

    urls = ["http://a", "http://bb", "http://down.example", "http://ccc"]
    result = agent(follower).run("Total bytes of the reachable pages.", xs=[], urls=urls)

    assert result.ok and result.value == len("http://a") + len("http://bb") + len("http://ccc")
    failed = result.attempts[0]
    assert failed.outcome == "task_error"
    text = failed.feedback
    assert "the task `fetch` failed at line 5: ConnectionError: cannot reach http://down.example" in text
    assert "The failing call: fetch('http://down.example')" in text
    assert "Task calls that already ran before the failure (2):" in text
    assert "1. fetch('http://a')" in text and "2. fetch('http://bb')" in text
    assert [c.task for c in failed.calls if c.ok] == ["fetch", "fetch"]
    assert isinstance(failed.error, runtime.TaskError)


def test_max_turns_ends_cleanly_with_an_error():
    model = Replies(fenced("x = 1\nx += 1\nx"))
    result = agent(model, max_turns=3).run("Loop forever.", **VALUES)
    assert not result.ok and result.reason == "max_turns" and model.calls == 3
    assert result.error == "no final answer after 3 model replies (max_turns=3)"
    assert [a.outcome for a in result.attempts] == ["rejected"] * 3 and result.value is None


def test_max_turns_keeps_the_last_successful_value():
    model = Replies(fenced("add(1, 2)"))
    result = agent(model, max_turns=2).run("Keep going.", **VALUES)
    assert not result.ok and result.reason == "max_turns" and result.value == 3
    assert "the last successful run's result is in `value`" in (result.error or "")


def test_the_agent_task_call_budget_ends_the_run():
    program = fenced("total = 0\nfor x in range(10):\n    total = add(total, x)\ntotal")
    result = agent(Replies(program), max_task_calls_total=4).run("Sum to ten.", **VALUES)
    assert not result.ok and result.reason == "task_budget"
    assert result.error == "the agent's task-call budget is used up (max_task_calls_total=4)"
    assert isinstance(result.attempts[-1].error, LimitExceeded) and result.attempts[-1].error.limit == "task_calls"
    assert len(result.attempts) == 1


def test_the_agent_time_limit_ends_the_run():
    program = fenced("for i in range(100):\n    nap(0.05)\n'done'")
    result = agent(Replies(program), timeout_s=0.5).run("Nap.", **VALUES)
    assert not result.ok and result.reason == "timeout"
    assert "timeout_s=0.5" in (result.error or "")


def test_a_run_limit_is_fed_back_naming_the_limit_and_the_model_fixes_it():
    model = Replies(fenced("n = 0\nwhile True:\n    n = n + 1\nn"), fenced("n = 0\nwhile n < 10:\n    n = n + 1\nn"), "Ten.")
    result = agent(model, timeout_ms=200).run("Count to ten.", **VALUES)
    assert result.ok and result.value == 10 and result.answer == "Ten."
    first = result.attempts[0]
    assert first.outcome == "limit" and "`time` limit" in first.feedback and "timeout_ms=200" in first.feedback


def test_a_reply_without_code_before_any_success_asks_for_code_once_then_gives_up():
    model = Replies("I think the answer is 4.", "Still 4.")
    result = agent(model).run("What is 2 + 2?", **VALUES)
    assert not result.ok and result.reason == "no_code" and result.answer == "Still 4."
    assert result.messages[3]["content"].startswith("Your reply has no ```python block")
    assert result.attempts == ()

    recovered = agent(Replies("Let me think.", fenced("add(2, 2)"), "It is 4.")).run("What is 2 + 2?", **VALUES)
    assert recovered.ok and recovered.value == 4 and recovered.answer == "It is 4."


def test_bare_code_is_run_and_a_bare_answer_is_final():
    result = agent(Replies("add(xs[0], 10)", "13")).run("Add ten to the first.", **VALUES)
    assert result.ok and result.value == 13 and result.answer == "13"


def test_a_runtime_error_reports_the_exception_line_and_source():
    model = Replies(fenced("ys = []\nfirst = ys[0]\nfirst"), fenced("ys = []\nfirst = ys[0] if len(ys) > 0 else None\nfirst"), "None.")
    result = agent(model).run("First item.", **VALUES)
    assert result.ok and result.value is None
    text = result.attempts[0].feedback
    assert result.attempts[0].outcome == "runtime_error"
    assert "The program raised IndexError at line 2: list index out of range" in text
    assert "  line 2: first = ys[0]" in text and "check `len(xs)` before indexing" in text


def test_a_model_that_raises_or_returns_no_text_ends_with_an_error():
    def broken(messages):
        raise ConnectionError("provider unreachable")

    result = agent(broken).run("Anything.", **VALUES)
    assert not result.ok and result.reason == "model_error"
    assert result.error == "the model call raised ConnectionError: provider unreachable"
    assert isinstance(result.cause, ConnectionError) and result.attempts == ()

    result = agent(lambda messages: None).run("Anything.", **VALUES)
    assert not result.ok and result.error == "the model returned NoneType instead of the reply text (str)"


def test_async_models_work_with_run_async_and_run():
    program = "total = 0\nfor x in xs:\n    total += x\ntotal\n"
    result = asyncio.run(agent(AsyncFollower(fenced(program))).run_async("Sum.", **VALUES))
    assert result.ok and result.value == 6 and [a.outcome for a in result.attempts] == ["rejected", "ok"]

    result = agent(AsyncFollower(fenced(program))).run("Sum.", **VALUES)
    assert result.ok and result.value == 6


def test_a_sync_model_works_with_run_async():
    result = asyncio.run(agent(FeedbackFollower(fenced("ys = list(xs)\nys.sort()\nys"))).run_async("Sort.", **VALUES))
    assert result.ok and result.value == [1, 2, 3]


async def test_run_with_an_async_model_inside_a_running_loop_says_to_use_run_async():
    result = agent(AsyncFollower(fenced("1"))).run("One.", **VALUES)
    assert not result.ok and result.reason == "model_error"
    assert "use `await agent.run_async(...)`" in (result.error or "")


def test_events_arrive_in_order_for_every_turn():
    seen: list[object] = []
    model = FeedbackFollower(fenced("total = 0\nfor x in xs:\n    total += x\ntotal"))
    remove = runtime.add_event_hook(seen.append)
    try:
        mine: list[object] = []
        result = agent(FeedbackFollower(fenced("ys = [add(1, 2)]\nys")), on_event=mine.append).run("Add.", **VALUES)
        agent(model).run("Sum.", **VALUES)
    finally:
        remove()
    kinds = [type(e).__name__ for e in mine]
    assert kinds == [
        "AgentStarted",
        "ModelReplied", "CodeChecked", "RunStarted", "TaskCallStarted", "TaskCallFinished", "RunFinished", "CodeRan", "FeedbackSent",
        "ModelReplied", "AgentFinished",
    ]
    assert all(getattr(e, "agent_run_id", result.agent_run_id) == result.agent_run_id for e in mine if not isinstance(e, (RunStarted, TaskCallStarted, TaskCallFinished, RunFinished)))
    ran = next(e for e in mine if isinstance(e, CodeRan))
    assert ran.ok and ran.task_calls == 1 and ran.run_id == next(e for e in mine if isinstance(e, RunStarted)).run_id
    finished = mine[-1]
    assert isinstance(finished, AgentFinished) and finished.ok and finished.reason == "answer" and finished.turns == 2

    # The global hook sees both agents; the second one's rejected turn has no run events.
    second = [e for e in seen if getattr(e, "agent_run_id", None) not in (None, result.agent_run_id)]
    assert [type(e) for e in second] == [
        AgentStarted, ModelReplied, CodeChecked, FeedbackSent, ModelReplied, CodeChecked, CodeRan, FeedbackSent, ModelReplied, AgentFinished,
    ]
    checked = [e for e in second if isinstance(e, CodeChecked)]
    assert [(e.turn, e.ok, e.codes) for e in checked] == [(1, False, ("SBX103",)), (2, True, ())]
    sent = [e for e in second if isinstance(e, FeedbackSent)]
    assert [(e.turn, e.kind) for e in sent] == [(1, "rejected"), (2, "ok")]


def test_caller_errors_raise_at_once():
    with pytest.raises(TaskDefinitionError, match="unknown option"):
        CodeModeAgent(model=Replies("1"), tasks=TASKS, timeout_msec=5)
    with pytest.raises(TaskDefinitionError, match="SBX302"):
        CodeModeAgent(model=Replies("1"), inputs={"s": set})
    with pytest.raises(ValueError, match="max_turns"):
        CodeModeAgent(model=Replies("1"), max_turns=0)
    with pytest.raises(TypeError, match="callable"):
        CodeModeAgent(model="gpt-4o")  # type: ignore[arg-type]
    a = agent(Replies("1"))
    with pytest.raises(TypeError, match="missing input value"):
        a.run("q", xs=[1])
    with pytest.raises(TypeError, match="not declared"):
        a.run("q", xs=[1], urls=[], other=1)
    with pytest.raises(runtime.BoundaryTypeError, match=r"inputs.xs\[1\]: expected int, got str"):
        a.run("q", xs=[1, "2"], urls=[])


def test_the_system_prompt_is_the_first_message_and_stable():
    model = Replies(fenced("1"), "One.")
    a = agent(model, instructions="Answer in one word.")
    result = a.run("One?", **VALUES)
    assert result.messages[0] == {"role": "system", "content": a.system_prompt}
    assert a.system_prompt == codemode.system_prompt(tasks=TASKS, inputs=INPUTS, instructions="Answer in one word.")
    assert a.system_prompt.endswith("# Instructions\n\nAnswer in one word.\n")


async def test_one_agent_serves_concurrent_runs():
    a = agent(lambda messages: fenced(f"add({len(messages)}, xs[0])") if len(messages) == 2 else "Done.")
    results = await asyncio.gather(*(a.run_async("Add.", xs=[i], urls=[]) for i in range(6)))
    assert [r.value for r in results] == [2 + i for i in range(6)]
    assert all(r.ok for r in results) and len({r.agent_run_id for r in results}) == 6


def test_a_broken_event_hook_never_breaks_the_loop():
    def broken(event: object) -> None:
        raise RuntimeError("tracer down")

    with pytest.warns(RuntimeWarning, match="tracer down"):
        result = agent(Replies(fenced("add(1, 2)"), "Three."), on_event=broken).run("Add.", **VALUES)
    assert result.ok and result.value == 3 and result.answer == "Three."


def test_the_question_must_be_text():
    with pytest.raises(TypeError, match="the question must be a str, got int"):
        agent(Replies("1")).run(42, **VALUES)  # type: ignore[arg-type]
