"""Find sandbox code in host Python files (SPEC §3, host mode), with CPython's `ast`.

Sandbox code in a host file is:

- functions decorated with `…sandbox.orchestrator` (bare or called, at any
  depth: methods, nested defs), however the decorator is spelled: through
  `import runtime.sandbox as sb`, `from flyte import sandbox`, or an alias
  such as `orch = env.sandbox.orchestrator` (module- or function-level);
- code strings passed as the source to `orchestrator_from_str(...)`,
  `orchestrate_local(...)` (and its `_sync`/`_detailed` twins) or Flyte's
  code-string form `env.sandbox.orchestrator("...", inputs=..., ...)`: a
  literal, a constant bound to one (module- or function-level), or a
  concatenation of those; dedented exactly as the runtime does, checked as
  scripts with `inputs={...}` keys and `tasks=[...]` names as the interface
  (also when those are constants). A code string that cannot be known before
  it runs (an f-string, a call result, a parameter) is recorded as dynamic:
  a rule reports it, the runtime gate will check it.

Tasks are the module's `@….task` functions (signature known, checked by
SBX303) and names imported with `from module import name` (arity unknown);
`import module` binds a module, not a task, and names from the framework
itself (`runtime`, `flyte`) are its API. Other module-level names are host
globals, invisible to the sandbox (SBX401 says so).

Discovery parses the host file with CPython's `ast` (about ten times faster
than libcst) and returns a `units.HostFile`: data only. The pipeline then
parses each piece of sandbox code on its own (`units.Snippet`: the exact host
lines, so positions stay host positions). Files that mention no orchestrator
and decorate no task are not parsed at all.
"""

from __future__ import annotations

import ast
import re
import textwrap
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import StringIO

from .interface import InputDecl, Interface, Param, ParamKind, TaskSignature
from .lines import LineIndex, normalize_newlines
from .typespec import ast_dotted_name
from .units import (
    CodeString,
    CodeStringCall,
    DeclaredType,
    DynamicCodeString,
    HostFile,
    OrchestratorDef,
    Piece,
    Snippet,
    TaskDef,
)

# The code-string functions, and whether their `inputs=` maps names to types.
CODE_STRING_FUNCTIONS = {
    "orchestrator_from_str": "types",
    "orchestrate_local": "values",
    "orchestrate_local_sync": "values",
    "orchestrate_local_detailed": "values",
}
# The orchestration framework's own modules: their names are API, not tasks.
FRAMEWORK_MODULES = frozenset({"runtime", "flyte"})
_MARKERS = ("orchestrat",)  # orchestrator, orchestrate_local, orchestrator_from_str
# A module of tasks alone still gets SBX303 on its task signatures.
_TASK_DECORATOR = re.compile(r"@[ \t]*[\w.]*\btask\b")
_ALIAS_HOPS = 8


def may_hold_sandbox_code(source: str) -> bool:
    """Cheap text test: only files that mention an orchestrator or decorate a task are parsed."""
    return any(marker in source for marker in _MARKERS) or _TASK_DECORATOR.search(source) is not None


def dedent_code(value: str) -> str:
    """A code string as the runtime runs it: `\\n` line breaks, common indentation removed."""
    return textwrap.dedent(normalize_newlines(value))


# ---------------------------------------------------------------- the host text


class _Text:
    """The host source with what discovery needs: lines, columns in code points, segments."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = LineIndex(source)

    def column(self, line: int, byte_column: int) -> int:
        """The 0-based code-point column of `ast`'s UTF-8 byte column on `line`."""
        text = self.index.line(line)
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8", "surrogatepass")[:byte_column].decode("utf-8", "surrogatepass"))

    def offset(self, line: int, byte_column: int) -> int:
        return self.index.offset(line, self.column(line, byte_column) + 1)

    def segment(self, node: ast.AST) -> str:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.source[start:end]

    def lines(self, first: int, last: int) -> str:
        """Host lines `first`..`last` (1-based, inclusive), with their breaks."""
        starts = self.index.starts
        start = starts[first - 1]
        end = starts[last] if last < len(starts) else len(self.source)
        return self.source[start:end]


def _snippet(text: _Text, first: int, last: int) -> Snippet:
    """Whole host lines as a snippet; indented ones are wrapped to parse on their own."""
    body = text.lines(first, last)
    if not body.endswith(("\n", "\r")):
        body += "\n"
    return _snippet_from(body, first)


# ---------------------------------------------------------------- names and scopes


@dataclass
class _Scope:
    """What names mean in one scope (the module, or one function)."""

    aliases: dict[str, str] = field(default_factory=dict)  # name -> dotted name it stands for
    values: dict[str, ast.expr] = field(default_factory=dict)  # name -> the one expression bound to it
    ambiguous: set[str] = field(default_factory=set)  # bound more than once, or by a loop/param
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)


def _scan_scope(body: Sequence[ast.stmt], scope: _Scope) -> None:
    """Record the bindings made directly in a scope's statements (not in nested scopes)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.functions[node.name] = node
            continue
        if isinstance(node, (ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    _bind_alias(scope, alias.asname, alias.name)
                else:
                    top = alias.name.split(".")[0]
                    _bind_alias(scope, top, top)
            continue
        if isinstance(node, ast.ImportFrom):
            if node.module is not None and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        _bind_alias(scope, alias.asname or alias.name, f"{node.module}.{alias.name}")
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    _bind_value(scope, target.id, node.value)
                else:
                    for name in _target_names(target):
                        scope.ambiguous.add(name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            _bind_value(scope, node.target.id, node.value)
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
            for name in _target_names(node.target):
                scope.ambiguous.add(name)
        stack.extend(ast.iter_child_nodes(node))


def _bind_alias(scope: _Scope, name: str, dotted: str) -> None:
    if name in scope.aliases or name in scope.values:
        scope.ambiguous.add(name)
    scope.aliases[name] = dotted


def _bind_value(scope: _Scope, name: str, value: ast.expr) -> None:
    if name in scope.values or name in scope.aliases:
        scope.ambiguous.add(name)
    scope.values[name] = value
    dotted = ast_dotted_name(value)
    if dotted is not None:
        scope.aliases[name] = dotted


def _target_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


class _Names:
    """Resolution of names through the scopes enclosing a point of the host file."""

    def __init__(self, scopes: list[_Scope], params: list[set[str]]) -> None:
        self.scopes = scopes  # innermost last
        self.params = params

    def value(self, name: str) -> ast.expr | None:
        """The one expression `name` is bound to, or None (unknown, or bound several times)."""
        for scope, params in zip(reversed(self.scopes), reversed(self.params)):
            if name in params:
                return None
            if name in scope.values or name in scope.aliases or name in scope.ambiguous:
                if name in scope.ambiguous:
                    return None
                return scope.values.get(name)
        return None

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, with aliases substituted."""
        dotted = ast_dotted_name(node)
        for _ in range(_ALIAS_HOPS):
            if dotted is None:
                return None
            head, _, rest = dotted.partition(".")
            target = None
            for scope, params in zip(reversed(self.scopes), reversed(self.params)):
                if head in params:
                    break
                if head in scope.aliases and head not in scope.ambiguous:
                    target = scope.aliases[head]
                    break
                if head in scope.values or head in scope.ambiguous:
                    break
            if target is None or target == head:
                return dotted
            dotted = f"{target}.{rest}" if rest else target
        return dotted

    def function(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for scope in reversed(self.scopes):
            if name in scope.functions:
                return scope.functions[name]
        return None


def _sandbox_aliases(scope: _Scope) -> list[str]:
    """Names a scope binds to the framework's sandbox functions (`ofs`, `orch`, `sb`)."""
    return [
        name for name, target in scope.aliases.items()
        if "sandbox" in target or target.rsplit(".", 1)[-1] in CODE_STRING_FUNCTIONS or target.endswith("orchestrator")
    ]


def _is_orchestrator_name(name: str | None) -> bool:
    return name is not None and (name == "orchestrator" or name.endswith("sandbox.orchestrator"))


def _is_task_name(name: str | None) -> bool:
    return name is not None and (name == "task" or name.endswith(".task"))


def _decorator_target(decorator: ast.expr, names: _Names) -> str | None:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    return names.resolve(decorator)


# ---------------------------------------------------------------- signatures


def _annotation(text: _Text, node: ast.expr | None) -> str | None:
    return None if node is None else text.segment(node)


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef, text: _Text) -> TaskSignature:
    args = node.args
    params: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for index, arg in enumerate(positional):
        params.append(
            Param(arg.arg, _annotation(text, arg.annotation), "positional", index >= first_default, index < len(args.posonlyargs))
        )
    if args.vararg is not None:
        params.append(Param(args.vararg.arg, _annotation(text, args.vararg.annotation), "var_positional"))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        kind: ParamKind = "keyword_only"
        params.append(Param(arg.arg, _annotation(text, arg.annotation), kind, default is not None))
    if args.kwarg is not None:
        params.append(Param(args.kwarg.arg, _annotation(text, args.kwarg.annotation), "var_keyword"))
    returns = _annotation(text, node.returns)
    return TaskSignature(node.name, tuple(params), returns, isinstance(node, ast.AsyncFunctionDef))


def _task_header(node: ast.FunctionDef | ast.AsyncFunctionDef, text: _Text) -> Snippet:
    """A task's `def` line(s) up to its body, with `pass` as the body (SBX303 reads only those)."""
    first = node.body[0]
    def_line, body_line = node.lineno, first.lineno
    body_column = text.column(body_line, first.col_offset)
    before_body = text.index.line(body_line)[:body_column]
    head = text.lines(def_line, body_line - 1) if body_line > def_line else ""
    if before_body.strip():
        # The body starts on a header line (`def f(x): return x`): cut it there.
        return _snippet_from(head + before_body + "pass\n", def_line)
    indent = text.index.line(def_line)[: text.column(def_line, node.col_offset)]
    return _snippet_from(head + indent + "    pass\n", def_line)


def _snippet_from(body: str, first: int) -> Snippet:
    if body[:1] in (" ", "\t"):
        return Snippet("if True:\n" + body, first - 2, wrapped=True)
    return Snippet(body, first - 1)


# ---------------------------------------------------------------- code strings


class _Dynamic(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _literal_pieces(node: ast.Constant, text: _Text, offset: int) -> list[Piece]:
    """The string tokens of one literal expression (implicit concatenation gives several)."""
    segment = text.segment(node)
    start = text.offset(node.lineno, node.col_offset)
    segment_lines = LineIndex(segment)
    pieces: list[Piece] = []
    try:
        # Inside parentheses, a concatenation over several lines tokenizes on its own.
        tokens = list(tokenize.generate_tokens(StringIO("(" + normalize_newlines(segment) + ")").readline))
    except (tokenize.TokenError, SyntaxError):
        raise _Dynamic("a string the checker cannot read") from None
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        raw = token.string
        quote_at = min(i for i in (raw.find("'"), raw.find('"')) if i >= 0)
        prefix = raw[:quote_at]
        quote = raw[quote_at : quote_at + 3] if raw[quote_at : quote_at + 3] in ('"""', "'''") else raw[quote_at]
        if "b" in prefix.lower():
            raise _Dynamic("bytes, not text")
        content = raw[len(prefix) + len(quote) : len(raw) - len(quote)]
        # Without a backslash the value is the content (line breaks as Python reads them).
        value = normalize_newlines(content) if "\\" not in content else ast.literal_eval(raw)
        row, column = token.start
        at = segment_lines.offset(row, column + (0 if row > 1 else -1) + 1)  # the added "(" is on row 1
        host_line, host_column = text.index.position(start + at + len(prefix) + len(quote))
        pieces.append(Piece(offset, value, host_line, host_column, content, normalize_newlines(content) == value))
        offset += len(value)
    return pieces


def _pieces(node: ast.expr, names: _Names, text: _Text, offset: int = 0, depth: int = 0) -> list[Piece]:
    """The literals a code-string expression is made of, or `_Dynamic` saying why not."""
    if depth > 20:
        raise _Dynamic("a deeply built string")
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, str):
            raise _Dynamic(f"a {type(node.value).__name__}, not a string")
        return _literal_pieces(node, text, offset)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _pieces(node.left, names, text, offset, depth + 1)
        return left + _pieces(node.right, names, text, offset + sum(p.length for p in left), depth + 1)
    if isinstance(node, ast.Name):
        bound = names.value(node.id)
        if bound is None:
            raise _Dynamic(f"the variable `{node.id}`")
        return _pieces(bound, names, text, offset, depth + 1)
    if isinstance(node, ast.JoinedStr):
        raise _Dynamic("an f-string")
    if isinstance(node, ast.Call):
        raise _Dynamic("a call result")
    raise _Dynamic(f"an expression (`{ast.unparse(node)[:40]}`)")


def code_string(node: ast.expr, names: _Names, text: _Text) -> CodeString:
    """A code-string expression as the runtime will run it."""
    pieces = _pieces(node, names, text)
    value = "".join(piece.value for piece in pieces)
    normalized = normalize_newlines(value)
    dedented = textwrap.dedent(normalized)
    removed = tuple(
        len(a) - len(b) if a.strip() else 0 for a, b in zip(normalized.split("\n"), dedented.split("\n"))
    )
    return CodeString(dedented, normalized, removed, tuple(pieces))


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _source_argument(call: ast.Call) -> ast.expr | None:
    named = _keyword(call, "source")
    if named is not None:
        return named
    for arg in call.args:
        if not isinstance(arg, ast.Starred):
            return arg
    return None


# ---------------------------------------------------------------- the survey


class _Survey:
    def __init__(self, source: str, tree: ast.Module) -> None:
        self.text = _Text(source)
        self.tree = tree
        self.host = HostFile()
        self.module_scope = _Scope()
        self.calls: list[tuple[ast.Call, _Names, str]] = []
        self.orchestrators: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.seen_orchestrators: set[int] = set()
        self.markers: tuple[str, ...] = ("orchestrat",)

    def run(self) -> HostFile:
        _scan_scope(self.tree.body, self.module_scope)
        # Names bound to the framework's sandbox functions mark code that may hold sandbox code.
        self.markers = ("orchestrat", "sandbox", *_sandbox_aliases(self.module_scope))
        self._module_level()
        self._visit(self.tree.body, [self.module_scope], [set()])
        for node in self.orchestrators:
            self._add_orchestrator(node)
        self.host.globals -= set(self.host.tasks)
        for call, names, function in self.calls:
            self._add_code_string_call(call, names, function)
        return self.host

    def _module_level(self) -> None:
        host = self.host
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    host.globals.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(stmt, ast.ImportFrom):
                framework = stmt.module is not None and not stmt.level and stmt.module.split(".")[0] in FRAMEWORK_MODULES
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    name = alias.asname or alias.name
                    # `from m import f` names functions: tasks of unknown arity;
                    # the framework's names are its API: host globals.
                    if framework:
                        host.globals.add(name)
                    else:
                        host.tasks.setdefault(name, TaskSignature(name))
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    host.globals.update(_target_names(target))
            elif isinstance(stmt, ast.AnnAssign):
                host.globals.update(_target_names(stmt.target))
            elif isinstance(stmt, ast.ClassDef):
                host.globals.add(stmt.name)

    def _holds_markers(self, node: ast.AST) -> bool:
        """Whether a piece of host code can hold sandbox code: its lines mention an
        orchestrator, a code-string function or one of their aliases. Host code
        (task bodies, helpers) is most of a file and is not walked otherwise."""
        first = getattr(node, "lineno", None)
        if first is None:
            return True
        lines = self.text.lines(first, getattr(node, "end_lineno", None) or first)
        return any(marker in lines for marker in self.markers)

    def _visit(self, body: Sequence[ast.AST], scopes: list[_Scope], params: list[set[str]]) -> None:
        names = _Names(scopes, params)
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(statement, names, scopes, params)
            elif isinstance(statement, ast.ClassDef):
                # Methods may be tasks or orchestrators; the class body is its own scope.
                self._visit([*statement.decorator_list, *statement.bases, *(k.value for k in statement.keywords)], scopes, params)
                self._visit(statement.body, scopes, params)
            elif self._holds_markers(statement):
                self._calls_in(statement, names, scopes, params)

    def _calls_in(self, root: ast.AST, names: _Names, scopes: list[_Scope], params: list[set[str]]) -> None:
        """Code-string calls (and nested definitions) under one statement."""
        stack: list[ast.AST] = [root]
        while stack:
            node = stack.pop()
            if node is not root and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._visit([node], scopes, params)
                continue
            if isinstance(node, ast.Call):
                target = names.resolve(node.func)
                short = target.rsplit(".", 1)[-1] if target else None
                if short in CODE_STRING_FUNCTIONS:
                    self.calls.append((node, names, short))
                elif _is_orchestrator_name(target) and (node.args or _keyword(node, "source") is not None):
                    self._orchestrator_call(node, names)
            stack.extend(ast.iter_child_nodes(node))

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, names: _Names, scopes: list[_Scope], params: list[set[str]]
    ) -> None:
        kind = None
        for decorator in node.decorator_list:
            target = _decorator_target(decorator, names)
            if _is_orchestrator_name(target):
                kind = "orchestrator"
                break
            if _is_task_name(target):
                kind = "task"
        # Decorators and defaults run in the enclosing scope.
        for expression in [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            if self._holds_markers(expression):
                self._calls_in(expression, names, scopes, params)
        if kind == "orchestrator":
            if id(node) not in self.seen_orchestrators:
                self.seen_orchestrators.add(id(node))
                self.orchestrators.append(node)
            return  # an orchestrator's body is sandbox code, not host code
        if kind == "task":
            self.host.task_defs.append(TaskDef(node.name, _task_header(node, self.text)))
            self.host.tasks[node.name] = _signature(node, self.text)
        elif len(scopes) == 1:
            self.host.globals.add(node.name)
        if not self._holds_markers(node):
            return  # no sandbox code in there: its scope need not be read
        inner = _Scope()
        _scan_scope(node.body, inner)
        arguments = node.args
        own = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        own |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
        local = _sandbox_aliases(inner)
        outer_markers = self.markers
        self.markers = (*outer_markers, *local)  # `run = sandbox.orchestrate_local_sync` inside the function
        try:
            self._visit(node.body, [*scopes, inner], [*params, own])
        finally:
            self.markers = outer_markers

    def _orchestrator_call(self, call: ast.Call, names: _Names) -> None:
        """`env.sandbox.orchestrator(X, ...)` called directly: Flyte's code-string form,
        or the decorator applied by hand to a function of this module."""
        source = _source_argument(call)
        if isinstance(source, ast.Name):
            function = names.function(source.id)
            if function is not None:
                if id(function) not in self.seen_orchestrators:
                    self.seen_orchestrators.add(id(function))
                    self.orchestrators.append(function)
                return
        self.calls.append((call, names, "sandbox.orchestrator"))

    def _add_orchestrator(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        last = node.end_lineno or node.lineno
        signature = _signature(node, self.text)
        inputs = tuple(InputDecl(p.name, p.annotation) for p in signature.params or ())
        self.host.orchestrators.append(OrchestratorDef(node.name, _snippet(self.text, first, last), inputs))

    def _add_code_string_call(self, call: ast.Call, names: _Names, function: str) -> None:
        source = _source_argument(call)
        if source is None:
            return
        typed = function == "sandbox.orchestrator" or CODE_STRING_FUNCTIONS.get(function) == "types"
        interface, declared = self._interface(call, names, typed)
        try:
            code: CodeString | None = code_string(source, names, self.text)
        except _Dynamic as dynamic:
            code = None
            line, column = source.lineno, self.text.column(source.lineno, source.col_offset) + 1
            end_line = source.end_lineno or line
            end_column = self.text.column(end_line, source.end_col_offset or 0) + 1
            self.host.dynamic.append(DynamicCodeString(function, dynamic.reason, line, column, end_line, end_column))
        self.host.code_string_calls.append(CodeStringCall(function, interface, declared, code))

    def _resolved(self, node: ast.expr | None, names: _Names) -> ast.expr | None:
        """A keyword's value, through one constant of this file (`inputs=INPUTS`)."""
        for _ in range(_ALIAS_HOPS):
            if not isinstance(node, ast.Name):
                return node
            node = names.value(node.id)
        return node

    def _interface(self, call: ast.Call, names: _Names, typed: bool) -> tuple[Interface | None, tuple[DeclaredType, ...]]:
        declared: list[DeclaredType] = []
        inputs: list[InputDecl] = []
        known = True
        inputs_node = self._resolved(_keyword(call, "inputs"), names)
        if isinstance(inputs_node, ast.Dict):
            for key, value in zip(inputs_node.keys, inputs_node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    annotation = None
                    if typed:
                        declared.append(self._declared(f"input `{key.value}`", value))
                        annotation = self.text.segment(value)
                    inputs.append(InputDecl(key.value, annotation))
                else:
                    known = False  # `**more` or a computed key
        elif inputs_node is not None and not (isinstance(inputs_node, ast.Constant) and inputs_node.value is None):
            known = False
        output_node = _keyword(call, "output")
        output = None
        if output_node is not None and typed:
            declared.append(self._declared("the output", output_node))
            output = self.text.segment(output_node)
        tasks: list[TaskSignature] = []
        tasks_node = self._resolved(_keyword(call, "tasks"), names)
        if isinstance(tasks_node, (ast.List, ast.Tuple)):
            for item in tasks_node.elts:
                dotted = ast_dotted_name(item)
                if dotted is None:
                    known = False
                    continue
                short = dotted.rsplit(".", 1)[-1]
                tasks.append(self.host.tasks.get(short, TaskSignature(short)))
        elif tasks_node is None:
            tasks = list(self.host.tasks.values())
        else:
            known = False
        interface = Interface(tuple(tasks), tuple(inputs), output) if known else None
        return interface, tuple(declared)

    def _declared(self, what: str, node: ast.expr) -> DeclaredType:
        line = node.lineno
        column = self.text.column(line, node.col_offset) + 1
        last = node.end_lineno or line
        segment = self.text.segment(node)
        # `(expr)` parses on its own whatever the expression's line breaks; the
        # "(" puts the first line one column left of the host's.
        return DeclaredType(what, Snippet("(" + segment + ")\n", line - 1), line, column)


def survey(source: str, tree: ast.Module) -> HostFile:
    """Tasks, orchestrators, globals and code-string calls of a host module."""
    return _Survey(source, tree).run()
