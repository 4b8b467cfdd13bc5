"""Task calls through other executors: a process pool and a Dask LocalCluster on loopback."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sample_tasks import add, await_wait, fail, pid, square

from runtime import TaskError, sandbox
from runtime.errors import TaskDefinitionError


def test_explicit_thread_pool():
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sandbox.orchestrate_local_sync("await gather(add(1, 2), square(3))", tasks=[add, square], executor=pool) == [3, 9]


def test_process_pool_runs_tasks_in_other_processes():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        pids = sandbox.orchestrate_local_sync("map_task(pid, [1, 2, 3, 4])", tasks=[pid], executor=pool)
        assert os.getpid() not in pids
        assert sandbox.orchestrate_local_sync("square(add(1, 2))", tasks=[add, square], executor=pool) == 9
        assert sandbox.orchestrate_local_sync("await gather(await_wait(1, 0), await_wait(2, 0))", tasks=[await_wait], executor=pool) == [1, 2]
        with pytest.raises(TaskError) as info:
            sandbox.orchestrate_local_sync("fail(3)", tasks=[fail], executor=pool)
        assert isinstance(info.value.__cause__, ValueError)


def test_dask_distributed_client_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        template = sandbox.orchestrator_from_str(
            "rs = await gather(*[square(x) for x in xs])\nsum(await map_task(add, rs, rs))",
            inputs={"xs": list[int]}, output=int, tasks=[square, add], executor=client,
        )
        assert template(xs=[1, 2, 3]) == 28
        assert template(xs=[4]) == 32
        with pytest.raises(TaskError) as info:
            sandbox.orchestrate_local_sync("fail(1)", tasks=[fail], executor=client)
        assert str(info.value.__cause__) == "bad value 1"


def test_bad_executor_is_rejected():
    with pytest.raises(TaskDefinitionError):
        sandbox.orchestrator_from_str("1", executor="threads")
