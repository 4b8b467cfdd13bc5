"""`sandbox-lint runs`: read the run store.

    sandbox-lint runs list [--store URL] [--limit N] [--status S] [--output-format text|json]
    sandbox-lint runs show RUN_ID [--store URL] [--timeline FILE.svg|FILE.html] [--output-format text|json]

The store is `--store`, else the `SANDBOX_LINT_STORE` environment variable,
else an error: no store is guessed, and none is created (a missing file is an
error). A run whose status is `running` but that no live process holds is
shown as `interrupted`: running it again with the same run id resumes it.

Exit codes: 0 success, 2 usage error, unknown run, or unreadable store. Every
text printed is escaped: control and invisible characters (terminal escapes,
bidi controls) from task arguments or error messages are shown as `\\x1b`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NoReturn, TextIO

from sandbox_lint.commands.arguments import positive

from ..codec import preview
from ..store import CallAttempt, RunRecord, RunStatus, RunStore, StoreError
from ..terminal import terminal_safe
from ..timeline import call_kind, format_duration, render_timeline

STORE_VARIABLE = "SANDBOX_LINT_STORE"
STATUSES = ("running", "interrupted", "ok", "error")


class _Usage(Exception):
    """A command-line mistake, reported on one line (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(f"{message} (see {self.prog} --help)")


def _parser(prog: str) -> _Parser:
    parser = _Parser(prog=prog, description="Read the run store: past and interrupted runs, their task calls.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="{list,show}")
    common = _Parser(add_help=False)
    common.add_argument("--store", metavar="URL", help=f"store path or URL (default: ${STORE_VARIABLE})")
    common.add_argument("--output-format", choices=("text", "json"), default="text")
    listing = commands.add_parser("list", parents=[common], help="the newest runs first", prog=f"{prog} list")
    listing.add_argument("--limit", type=positive(), default=20, metavar="N", help="at most N runs (default 20)")
    listing.add_argument("--status", choices=STATUSES, help="only runs with this status")
    show = commands.add_parser("show", parents=[common], help="one run and its call table", prog=f"{prog} show")
    show.add_argument("run_id", metavar="RUN_ID")
    show.add_argument("--timeline", metavar="FILE", help="also draw the run, as FILE.svg or FILE.html")
    return parser


def _open_store(url: str | None) -> RunStore:
    address = url if url is not None else os.environ.get(STORE_VARIABLE)
    if not address:
        raise _Usage(f"no run store given: pass --store PATH_OR_URL or set {STORE_VARIABLE}")
    return RunStore(address, create=False)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _iso(stamp: float | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, timezone.utc).isoformat()


def _status(store: RunStore, run: RunRecord) -> str:
    if run.status == "running" and not store.is_live(run.run_id):
        return "interrupted"
    return run.status


def _call_state(call: CallAttempt, run_status: str) -> str:
    kind = call_kind(call)
    if kind == "running" and run_status != "running":
        kind = "interrupted"  # its process is gone, the run not yet resumed
    return {"replayed": "ok (replayed)", "cached": "ok (cached)", "error": "failed"}.get(kind, kind)


def _first_line(text: str | None, limit: int) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        out.write(terminal_safe("  ".join(cells).rstrip()) + "\n")


def _decoded_json(text: str | None) -> Any:
    """A recorded value as its tagged JSON (see runtime.codec), for --output-format json."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _run_json(run: RunRecord, status: str) -> dict[str, Any]:
    return {
        "run_id": run.run_id, "name": run.name, "status": status, "stored_status": run.status,
        "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at), "duration_s": run.duration_s,
        "resumes": run.resumes, "resumed_at": _iso(run.resumed_at), "owner": run.owner, "code_hash": run.code_hash,
        "runtime_version": run.runtime_version, "monty_version": run.monty_version, "trace_id": run.trace_id,
        "error": run.error,
    }


def _list(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    wanted = args.status
    stored_status: RunStatus | None = "running" if wanted in ("running", "interrupted") else wanted
    runs = []
    for run in store.list_runs(limit=args.limit, status=stored_status):
        status = _status(store, run)
        if wanted is None or status == wanted:
            runs.append((run, status))
    if args.output_format == "json":
        json.dump({"store": store.url, "runs": [_run_json(run, status) for run, status in runs]}, out, indent=2)
        out.write("\n")
        return 0
    if not runs:
        out.write(terminal_safe(f"no runs{f' with status {wanted}' if wanted else ''} in {store.url}") + "\n")
        return 0
    rows = [["RUN ID", "STATUS", "STARTED", "DURATION", "RESUMES", "NAME", "ERROR"]]
    for run, status in runs:
        duration = format_duration(run.duration_s) if run.duration_s is not None else "-"
        rows.append([
            _first_line(run.run_id, 40), status, _when(run.started_at), duration, str(run.resumes),
            _first_line(run.name, 30), _first_line(run.error, 60),
        ])
    _table(rows, out)
    return 0


def _show(store: RunStore, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.timeline is not None and os.path.splitext(args.timeline)[1].lower() not in (".svg", ".html", ".htm"):
        raise _Usage(f"--timeline writes FILE.svg or FILE.html, not {args.timeline!r}")
    run = store.get_run(args.run_id)
    if run is None:
        raise StoreError(f"no run {args.run_id!r} in {store.url}")
    calls = store.calls(run.run_id)
    status = _status(store, run)
    if args.timeline is not None:
        try:
            written = render_timeline(run, calls, args.timeline)
        except OSError as exc:
            raise StoreError(f"cannot write the timeline {args.timeline}: {exc.strerror or exc}") from None
        err.write(terminal_safe(f"timeline written to {written}") + "\n")
    if args.output_format == "json":
        document = _run_json(run, status)
        document.update({
            "inputs": _decoded_json(run.inputs), "result": _decoded_json(run.result),
            "calls": [
                {
                    "seq": c.seq, "attempt": c.attempt, "call_key": c.call_key, "task": c.task,
                    "state": _call_state(c, status).split(" ")[0], "replayed": c.replayed, "cached": c.cached,
                    "interrupted": c.interrupted or _call_state(c, status) == "interrupted",
                    "started_at": _iso(c.started_at), "finished_at": _iso(c.finished_at), "duration_s": c.duration_s,
                    "args": _decoded_json(c.args), "args_preview": preview(c.args, 200), "value": _decoded_json(c.value),
                    "error_type": c.error_type, "error_text": c.error_text,
                }
                for c in calls
            ],
        })
        json.dump(document, out, indent=2)
        out.write("\n")
        return 0
    lines = [f"run {run.run_id}  ({run.name})"]
    state = status
    if status == "interrupted":
        state += "  (no live process holds it: run it again with the same run id to resume)"
    lines.append(f"status     {state}")
    duration = format_duration(run.duration_s) if run.duration_s is not None else "-"
    lines.append(f"started    {_when(run.started_at)}   finished {_when(run.finished_at)}   duration {duration}")
    if run.resumes:
        lines.append(f"resumed    {run.resumes} time{'s' if run.resumes != 1 else ''}, last at {_when(run.resumed_at)}")
    lines.append(f"code       {run.code_hash[:16]}   runtime {run.runtime_version}   monty {run.monty_version}")
    lines.append(f"inputs     {preview(run.inputs, 100)}")
    if run.result is not None:
        lines.append(f"result     {preview(run.result, 100)}")
    for line in lines:
        out.write(terminal_safe(line) + "\n")
    if run.error:
        out.write("error\n")
        for line in run.error.splitlines() or [""]:
            out.write("    " + terminal_safe(line) + "\n")
    out.write("\n")
    if not calls:
        out.write("no task calls recorded\n")
        return 0
    rows = [["SEQ", "ATTEMPT", "TASK", "ARGUMENTS", "DURATION", "STATE", "ERROR"]]
    for call in calls:
        state = _call_state(call, status)
        duration = format_duration(call.duration_s) if call.duration_s is not None else "-"
        error = f"{call.error_type or 'error'}: {_first_line(call.error_text, 60)}" if call.state == "error" else ""
        rows.append([
            str(call.seq), str(call.attempt), _first_line(call.task, 30), preview(call.args, 48), duration, state, error,
        ])
    _table(rows, out)
    return 0


def main(argv: Sequence[str], *, prog: str = "sandbox-lint runs") -> int:
    """Run `runs ...` with `argv` (without the verb); the exit code."""
    out, err = sys.stdout, sys.stderr
    parser = _parser(prog)
    try:
        try:
            args = parser.parse_args(list(argv))
        except SystemExit as exit_:  # --help
            return int(exit_.code or 0)
        if args.command is None:
            raise _Usage(f"expected a command: list or show (see {prog} --help)")
        with _open_store(args.store) as store:
            if args.command == "list":
                return _list(store, args, out)
            return _show(store, args, out, err)
    except (_Usage, StoreError) as exc:
        err.write(terminal_safe(f"{prog}: error: {exc}") + "\n")
        return 2
    except BrokenPipeError:  # `runs list | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's exit flush quiet
        except OSError:
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="sandbox-lint runs"))
