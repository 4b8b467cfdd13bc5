"""A second process for the store tests: `python store_worker.py MODE URL RUN_ID [N]`.

hold:  open the run, record call 1 as started, say "started", then wait to be killed.
write: open the run, record N calls (start and end each), finish it, say "done".
race:  wait for a line on stdin, try to open the run, say "owned" or "busy", then
       hold it until stdin closes.
"""

import sys
import time

from runtime import codec
from runtime.store import RunBusyError, RunHeader, RunStore


def header(run_id: str) -> RunHeader:
    return RunHeader(run_id, "worker", "code-1", codec.encode({"n": 1}, max_bytes=100), "0", "0", "0" * 32, time.time())


def main() -> None:
    mode, url, run_id = sys.argv[1:4]
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
        for seq in range(1, int(sys.argv[4]) + 1):
            args = codec.encode_arguments((seq,), {}, max_bytes=100)
            store.call_started(run_id, seq, f"{seq}:inc:x", "inc", args, 1, time.time())
            store.call_finished(
                run_id, seq, 1, ok=True, value=codec.encode(seq + 1, max_bytes=100), error_type=None,
                error_text=None, finished_at=time.time(),
            )
        store.finish_run(run_id, ok=True, result=codec.encode("done", max_bytes=100), error=None, finished_at=time.time())
        print("done", flush=True)


if __name__ == "__main__":
    main()
