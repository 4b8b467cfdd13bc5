"""The names sandbox code may use without defining them (SPEC §2), in one place.

The checker (SBX202, SBX401, SBX402), host discovery and the runtime read
these sets, so what the checker accepts is exactly what the sandbox provides.
"""

from __future__ import annotations

# Builtin functions and types the sandbox provides.
ALLOWED_BUILTINS: frozenset[str] = frozenset(
    {
        "abs", "all", "any", "bool", "bytes", "chr", "dict", "divmod", "enumerate", "filter",
        "float", "int", "isinstance", "len", "list", "map", "max", "min", "ord", "pow", "print",
        "range", "repr", "reversed", "round", "sorted", "str", "sum", "tuple", "zip",
    }
)

# Exception classes sandbox code may raise (`raise ValueError(msg)`). Left out
# on purpose: `BaseException` and `StopIteration` (control-flow signals, not
# errors: with no `iter`/`next` nothing in the sandbox consumes them, and
# raising StopIteration inside a generator expression becomes a RuntimeError),
# and `RecursionError`/`MemoryError`, which are the runtime's limit signals.
EXCEPTION_NAMES: frozenset[str] = frozenset(
    {
        "Exception", "ValueError", "TypeError", "KeyError", "IndexError", "RuntimeError",
        "ZeroDivisionError", "AssertionError", "NotImplementedError", "AttributeError",
        "LookupError", "ArithmeticError", "OverflowError", "TimeoutError",
    }
)

# Functions the runtime injects: `gather(*awaitables)`,
# `map_task(task, *iterables, concurrency=None, return_exceptions=False)` and
# Flyte's `flyte_map("task_name", *iterables, concurrency=None,
# return_exceptions=True, group_name=None)`.
RUNTIME_FUNCTIONS: frozenset[str] = frozenset({"gather", "map_task", "flyte_map"})

# The runtime functions that call a task once per element: the task (or its
# name as a string) is the first argument, the iterables follow.
MAP_FUNCTIONS: frozenset[str] = frozenset({"map_task", "flyte_map"})

# Literal keywords that libcst represents as names.
CONSTANTS: frozenset[str] = frozenset({"True", "False", "None"})

# Every name available without a definition.
PROVIDED: frozenset[str] = ALLOWED_BUILTINS | EXCEPTION_NAMES | RUNTIME_FUNCTIONS | CONSTANTS

# Builtins that are never available (SBX202), each with what to write instead.
FORBIDDEN_BUILTINS: dict[str, str] = {
    "eval": "code cannot be built at run time: write the expression directly",
    "exec": "code cannot be built at run time: write the statements directly",
    "compile": "code cannot be built at run time: write the code directly",
    "open": "the sandbox has no file system: pass the data in as an input, or call a task that reads the file",
    "input": "the sandbox has no console: pass the value in as an input",
    "breakpoint": "there is no debugger in the sandbox: remove the call (use `print(...)` to trace values)",
    "help": "there is no interactive help in the sandbox: remove the call",
    "globals": "introspection is not allowed: refer to the names directly",
    "locals": "introspection is not allowed: refer to the names directly",
    "vars": "introspection is not allowed: refer to the names directly, and keep data in dicts",
    "dir": "introspection is not allowed: keep data in dicts and use `list(d)` for their keys",
    "getattr": "access the attribute directly (`obj.name`), or keep the data in a dict and write `d[key]`",
    "setattr": "objects cannot be mutated: build a new dict, e.g. `{**d, key: value}`",
    "delattr": "objects cannot be mutated: build a new dict without the key",
    "hasattr": "keep the data in a dict and test `key in d`",
    "type": "test the type with `isinstance(x, int)`",
    "object": "there are no classes in the sandbox: use dicts or tuples",
    "super": "there are no classes in the sandbox: use plain functions",
    "id": "compare values with `==` instead of object identities",
    "memoryview": "use `bytes` values and slicing",
    "bytearray": "use `bytes` values: build new ones with `+` and slicing",
    "__import__": "there are no modules: all available functions are provided directly",
    "exit": "return the result (the last expression), or `raise` an exception to stop",
    "quit": "return the result (the last expression), or `raise` an exception to stop",
    "property": "there are no classes in the sandbox: use plain functions",
    "classmethod": "there are no classes in the sandbox: use plain functions",
    "staticmethod": "there are no classes in the sandbox: use plain functions",
    "iter": "loop with `for x in xs:` (or index: `xs[0]`)",
    "next": "loop with `for x in xs:`, or take the first item with `xs[0]`",
}
