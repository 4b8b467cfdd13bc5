"""Retries: a task-call interceptor that gives a failing call more attempts.

`@env.task(retries=N, retry_delay_s=D, retry_backoff=B)` allows N more
attempts after a failure, D seconds apart, each delay B times the previous
one (B = 1 when not given). Each attempt is its own pair of events (and its own
journal record and span); the run fails with the last attempt's error. A call
that returned a value of the wrong type is not retried: that is a bug in the
task, not a passing failure.

Attempts are numbered over the call's whole history, a resumed run included:
an attempt cut off by a crash counts as one (as in Temporal), so `retries=N`
means at most N + 1 attempts in all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .calls import TaskCall
from .errors import BoundaryTypeError
from .seam import Interceptor
from .tasks import Task


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    delay_s: float = 0.0
    backoff: float = 1.0
    """Each delay is the previous one times this (1.0: a constant delay)."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        return self.delay_s * self.backoff ** (attempt - 1)


def policy_of(task: Task) -> RetryPolicy | None:
    """The task's retry policy (`@env.task(retries=...)`), or None when it is not retried."""
    options = task.options
    if options.retries <= 0:
        return None
    return RetryPolicy(options.retries, float(options.retry_delay_s or 0.0), float(options.retry_backoff or 1.0))


def max_attempts(task: Task) -> int:
    """How many attempts a call of `task` may take in all."""
    policy = policy_of(task)
    return 1 if policy is None else policy.retries + 1


def retried(tasks: dict[str, Task]) -> bool:
    return any(policy_of(task) is not None for task in tasks.values())


class Retries(Interceptor):
    """Asks the seam for another attempt while the task's policy allows one."""

    strict = True

    def retry_delay(self, call: TaskCall, error: BaseException) -> float | None:
        if isinstance(error, BoundaryTypeError):
            return None
        policy = policy_of(call.task)
        if policy is None or call.attempt > policy.retries:
            return None
        return policy.delay(call.attempt)
