"""The task cache: a task-call interceptor that reuses results across runs.

`@env.task(cache=True, cache_version="1")`: a call of the task whose
arguments were seen before (in any run using the same store) is answered
from the cache (`Answer(source="cache")`) without calling the task. The key is
the task's identity and the arguments:

    v1:{task name}:{hash of the task function's source}:{cache_version}:{codec.digest((args, kwargs))}

so editing the task's code, or bumping `cache_version`, starts afresh; equal
arguments hit whatever their dict order, and `1`, `1.0` and `True` do not
share an entry. Only successful results are cached; a value the codec cannot
hold exactly (`NotReplayable`), or arguments it cannot digest, just skip the
cache. `cache="override"` runs the task and overwrites the entry.

With a store (`store=`), the cache is the store's `sbx_cache` table, shared by
every run and process using it. Without one, it is this process's memory
(at most `LOCAL_ENTRIES` entries, least recently used dropped first).
"""

from __future__ import annotations

import hashlib
import inspect
import threading
import weakref
from collections import OrderedDict
from typing import Any

from . import codec
from . import events as ev
from .calls import TaskCall
from .seam import Answer, Interceptor
from .store import RunStore
from .tasks import Task

LOCAL_ENTRIES = 4096
MAX_VALUE_BYTES = codec.DEFAULT_MAX_BYTES

_local: OrderedDict[str, str] = OrderedDict()
_local_lock = threading.Lock()
_source_hashes: weakref.WeakKeyDictionary[Task, str] = weakref.WeakKeyDictionary()


def cache_mode(task: Task) -> str | None:
    """`"use"` (read and write), `"override"` (write only) or None (off)."""
    value = task.options.cache
    if value is True or value == "auto":
        return "use"
    if value == "override":
        return "override"
    return None


def cache_version(task: Task) -> str:
    version = task.options.cache_version
    return "" if version is None else version


def cached_tasks(tasks: dict[str, Task]) -> bool:
    return any(cache_mode(task) is not None for task in tasks.values())


def source_hash(task: Task) -> str:
    """A hash of the task function's source (its code object where the source is gone)."""
    known = _source_hashes.get(task)
    if known is None:
        func = inspect.unwrap(task.func)
        try:
            data = inspect.getsource(func).encode("utf-8", "surrogatepass")
        except (OSError, TypeError):
            code = getattr(func, "__code__", None)
            data = repr((getattr(code, "co_code", b""), getattr(code, "co_consts", ()))).encode()
        known = _source_hashes[task] = hashlib.blake2b(data, digest_size=10).hexdigest()
    return known


def cache_key(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The cache entry of a call (`codec.CodecError` for arguments that cannot be digested)."""
    digest = codec.digest((tuple(args), dict(kwargs)))
    return f"v1:{task.name}:{source_hash(task)}:{cache_version(task)}:{digest}"


def clear_local_cache() -> None:
    with _local_lock:
        _local.clear()


class TaskCache(Interceptor):
    """Answers calls of cached tasks from the cache, and fills it."""

    # A cache is an optimisation: a store that cannot be read means the task runs.
    strict = False

    def __init__(self, store: RunStore | None) -> None:
        self.store = store
        self.keys: dict[int, tuple[str, str]] = {}

    def answer(self, call: TaskCall) -> Answer | None:
        mode = cache_mode(call.task)
        if mode is None:
            return None
        try:
            key = cache_key(call.task, call.args, call.kwargs)
        except codec.CodecError:
            return None
        self.keys[call.seq] = (key, cache_version(call.task))
        if mode == "override":
            return None
        text = self._get(key)
        if text is None:
            return None
        try:
            return Answer(codec.decode(text), source="cache")
        except codec.CodecError:
            return None  # an entry this process cannot read (a frame without pyarrow): run the task

    def on_event(self, event: ev.RunEvent) -> None:
        if type(event) is not ev.TaskCallFinished:
            return
        assert isinstance(event, ev.TaskCallFinished)
        if not event.ok or event.replayed or event.cached:
            return
        entry = self.keys.pop(event.seq, None)
        if entry is None:
            return
        try:
            text = codec.encode(event.value, max_bytes=MAX_VALUE_BYTES)
        except codec.CodecError:
            return
        self._put(entry[0], event.task, entry[1], text)

    def _get(self, key: str) -> str | None:
        if self.store is not None:
            return self.store.cache_get(key)
        with _local_lock:
            text = _local.get(key)
            if text is not None:
                _local.move_to_end(key)
            return text

    def _put(self, key: str, task: str, version: str, text: str) -> None:
        if self.store is not None:
            self.store.cache_put(key, task, version, text)
            return
        with _local_lock:
            _local[key] = text
            _local.move_to_end(key)
            while len(_local) > LOCAL_ENTRIES:
                _local.popitem(last=False)
