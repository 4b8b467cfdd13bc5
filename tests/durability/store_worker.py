"""A second process for the store tests: `python store_worker.py MODE URL RUN_ID [N]`.

hold:   open the run, record call 1 as started, say "started", then wait to be killed.
write:  open the run, record N calls (start and end each), finish it, say "done".
race:   wait for a line on stdin, try to open the run, say "owned" or "busy", then
        hold it until stdin closes.
live:   open the run, record N calls and start call N + 1, say "ready", wait for a
        line on stdin, then finish call N + 1 and the run and say "done".
fsize:  with the file size limit (RLIMIT_FSIZE) at N bytes: record call 1, start
        call 2, try to end it with a value larger than the limit, print the error,
        end it with a small value, say "recorded", then SIGKILL itself.
crash-fold, crash-bound: record N calls (start and end each), then die (SIGKILL)
        the moment a fold has committed and before it removes the run log: at
        `finish_run` (crash-fold), or at the fold that the log's size bound
        starts (crash-bound).
"""

import os
import resource
import signal
import sys
import time

from runtime import codec
from runtime.store import CallEnd, CallStart, RunBusyError, RunHeader, RunStore, StoreError


def header(run_id: str) -> RunHeader:
    return RunHeader(run_id, "worker", "code-1", codec.encode({"n": 1}, max_bytes=100), "0", "0", "0" * 32, time.time())


def start(store: RunStore, run_id: str, seq: int) -> None:
    args = codec.encode_arguments((seq,), {}, max_bytes=100)
    store.call_started(run_id, seq, f"{seq}:inc:x", "inc", args, 1, 1000.0 + seq)


def end(store: RunStore, run_id: str, seq: int, value: object = None) -> None:
    store.call_finished(
        run_id, seq, 1, ok=True, value=codec.encode(seq + 1 if value is None else value, max_bytes=1 << 26),
        error_type=None, error_text=None, finished_at=1000.5 + seq,
    )


def die_after_the_commit(store: RunStore) -> None:
    """The store's own step after a fold's commit becomes a crash of this process."""
    def crash(token: object) -> None:
        if token is not None:
            os.kill(os.getpid(), signal.SIGKILL)

    store._log_folded = crash  # type: ignore[method-assign]


def main() -> None:
    mode, url, run_id = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if mode == "fsize":
        resource.setrlimit(resource.RLIMIT_FSIZE, (count, count))
    store = RunStore(url)
    if mode == "race":
        sys.stdin.readline()
        try:
            store.open_run(header(run_id))
            print("owned", flush=True)
        except RunBusyError:
            print("busy", flush=True)
        sys.stdin.read()
        return
    state = store.open_run(header(run_id))
    assert state.owned, state
    if mode == "hold":
        store.call_started(run_id, 1, "1:slow:abc", "slow", codec.encode_arguments((1,), {}, max_bytes=100), 1, time.time())
        print("started", flush=True)
        time.sleep(600)
    elif mode == "write":
        for seq in range(1, count + 1):
            args = codec.encode_arguments((seq,), {}, max_bytes=100)
            store.call_started(run_id, seq, f"{seq}:inc:x", "inc", args, 1, time.time())
            store.call_finished(
                run_id, seq, 1, ok=True, value=codec.encode(seq + 1, max_bytes=100), error_type=None,
                error_text=None, finished_at=time.time(),
            )
        store.finish_run(run_id, ok=True, result=codec.encode("done", max_bytes=100), error=None, finished_at=time.time())
        print("done", flush=True)
    elif mode == "live":
        for seq in range(1, count + 1):
            start(store, run_id, seq)
            end(store, run_id, seq)
        start(store, run_id, count + 1)
        print("ready", flush=True)
        sys.stdin.readline()
        end(store, run_id, count + 1)
        store.finish_run(run_id, ok=True, result=codec.encode("done", max_bytes=100), error=None, finished_at=time.time())
        print("done", flush=True)
    elif mode == "fsize":
        start(store, run_id, 1)
        end(store, run_id, 1)
        start(store, run_id, 2)
        try:
            end(store, run_id, 2, value="x" * (2 * count))
        except StoreError as exc:
            print(f"refused: {exc}", flush=True)
        end(store, run_id, 2)
        print("recorded", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode in ("crash-fold", "crash-bound"):
        for seq in range(1, count + 1):
            if mode == "crash-bound" and seq == count:
                die_after_the_commit(store)  # this call's events reach the bound
            store.record(run_id, CallStart(seq, f"{seq}:inc:x", "inc", codec.encode_arguments((seq,), {}, max_bytes=100), 1, 1000.0 + seq))
            store.record(run_id, CallEnd(seq, 1, True, codec.encode(seq + 1, max_bytes=100), None, None, 1000.5 + seq))
        die_after_the_commit(store)
        store.finish_run(run_id, ok=True, result=codec.encode("done", max_bytes=100), error=None, finished_at=2000.0)
        print("not killed", flush=True)


if __name__ == "__main__":
    main()
