"""Find sandbox code in host Python files and check it (SPEC §3, host mode).

Sandbox code in a host file is:

- functions decorated with `…sandbox.orchestrator` (bare or called): the body
  and signature are checked; the parameters are the inputs;
- string literals passed as the source to `orchestrator_from_str(...)`,
  `orchestrate_local(...)` or `orchestrate_local_sync(...)`: dedented exactly as
  the runtime does, checked as scripts, with `inputs={...}` keys and
  `tasks=[...]` names as the interface. Positions point into the host file.

Tasks are the module's `@….task` functions (signature known, checked by
SBX303) and names imported with `from module import name` (arity unknown);
`import module` binds a module, not a task. Other module-level names are host
globals, invisible to the sandbox (SBX401 says so).

Files that mention no orchestrator and decorate no task are not parsed at all.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import cast

import libcst as cst

from .checker import Positions, Unit, has_top_level_await, preflight, run_units
from .diagnostics import Diagnostic
from .engine import Context, children
from .interface import InputDecl, Interface, TaskSignature, signature_from_funcdef
from .rules import rule_instances
from .rules.base import Rule
from .settings import Settings
from .typespec import dotted_name

CODE_STRING_FUNCTIONS = frozenset({"orchestrator_from_str", "orchestrate_local", "orchestrate_local_sync"})
_MARKERS = ("orchestrator", "orchestrate_local")
# A module of tasks alone still gets SBX303 on its task signatures.
_TASK_DECORATOR = re.compile(r"@[ \t]*[\w.]*\btask\b")


def _decorator_name(decorator: cst.Decorator) -> str | None:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    return dotted_name(expr)


def is_orchestrator(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        name = _decorator_name(decorator)
        if name is not None and (name == "orchestrator" or name.endswith("sandbox.orchestrator")):
            return True
    return False


def is_task(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        name = _decorator_name(decorator)
        if name is not None and (name == "task" or name.endswith(".task")):
            return True
    return False


@dataclass
class HostModule:
    """What the host file declares at module level."""

    tasks: dict[str, TaskSignature] = field(default_factory=dict)
    task_nodes: list[cst.FunctionDef] = field(default_factory=list)
    orchestrators: list[cst.FunctionDef] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    code_strings: list[cst.Call] = field(default_factory=list)


def _assigned_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names.extend(_assigned_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _assigned_names(target.value)
    return []


# The orchestration framework's own modules: their names are API, not tasks.
FRAMEWORK_MODULES = frozenset({"runtime", "flyte"})


def _is_framework(name: str | None) -> bool:
    return name is not None and name.split(".")[0] in FRAMEWORK_MODULES


def _imports_framework(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.ImportFrom):
        return node.module is not None and not node.relative and _is_framework(dotted_name(node.module))
    return False


def survey(module: cst.Module) -> HostModule:
    """Tasks, orchestrators, globals and code-string calls of a host module.

    Orchestrators and tasks are found at any depth (methods, nested defs);
    imports and globals at module level.
    """
    host = HostModule()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    framework = _imports_framework(small)
                    for alias in small.names:
                        bound = alias.asname.name if alias.asname is not None else alias.name
                        name = dotted_name(bound) if isinstance(bound, (cst.Name, cst.Attribute)) else None
                        if name is None:
                            continue
                        short = name.split(".")[0]
                        # `from m import f` names functions: tasks of unknown arity.
                        # `import m` names a module (and the framework's names are
                        # its API): host globals the sandbox cannot see.
                        if framework or isinstance(small, cst.Import):
                            host.globals.add(short)
                        else:
                            host.tasks.setdefault(short, TaskSignature(short))
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        host.globals.update(_assigned_names(target.target))
                elif isinstance(small, cst.AnnAssign):
                    host.globals.update(_assigned_names(small.target))
        elif isinstance(stmt, cst.ClassDef):
            host.globals.add(stmt.name.value)

    # Identity, not `in module.body`: that compares whole subtrees field by field.
    top_level = {id(stmt) for stmt in module.body}
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        node = stack.pop()
        node_type = type(node)  # exact types: isinstance on libcst's ABCs is slow
        if node_type is cst.FunctionDef:
            node = cast(cst.FunctionDef, node)
            if is_orchestrator(node):
                host.orchestrators.append(node)
            elif is_task(node):
                host.task_nodes.append(node)
                host.tasks[node.name.value] = signature_from_funcdef(node, module)
            elif id(node) in top_level:
                host.globals.add(node.name.value)
        elif node_type is cst.Call:
            node = cast(cst.Call, node)
            name = dotted_name(node.func)
            if name is not None and name.rsplit(".", 1)[-1] in CODE_STRING_FUNCTIONS:
                host.code_strings.append(node)
        stack.extend(children(node))
    host.globals -= set(host.tasks)
    return host


def _rule(code: str) -> Rule | None:
    for rule in rule_instances():
        if rule.code == code:
            return rule
    return None


def _annotation_ids(node: cst.FunctionDef) -> set[int]:
    ids: set[int] = set()
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        every.append(params.star_arg)
    if params.star_kwarg is not None:
        every.append(params.star_kwarg)
    for param in every:
        if param.annotation is not None:
            ids.add(id(param.annotation))
    if node.returns is not None:
        ids.add(id(node.returns))
    return ids


def _orchestrator_inputs(node: cst.FunctionDef, module: cst.Module) -> tuple[InputDecl, ...]:
    signature = signature_from_funcdef(node, module)
    return tuple(InputDecl(p.name, p.annotation) for p in signature.params or ())


def check_host_source(source: str, settings: Settings) -> list[Diagnostic]:
    if not any(marker in source for marker in _MARKERS) and _TASK_DECORATOR.search(source) is None:
        return []
    # Invisible characters are reported anywhere in a host file that holds
    # sandbox code: Trojan Source in host code can hide what the sandbox runs.
    found, module = preflight(source, settings)
    if module is None:
        return found
    positions = Positions(module)
    host = survey(module)
    tasks = tuple(host.tasks.values())
    host_globals = frozenset(host.globals)
    units: list[Unit] = []

    if host.task_nodes:
        task_rule = _rule("SBX303")
        if task_rule is not None and settings.enabled("SBX303"):
            ctx = Context(interface=Interface(tasks), settings=settings, mode="host", host_globals=host_globals)
            for node in host.task_nodes:
                task_rule.check_task(node, ctx)  # type: ignore[attr-defined]
            units.append(Unit(cst.Module(body=[]), ctx))

    for node in host.orchestrators:
        interface = Interface(tasks, _orchestrator_inputs(node, module), None)
        ctx = Context(interface=interface, settings=settings, mode="host", host_globals=host_globals)
        ctx.signature_annotations = _annotation_ids(node)
        skip: set[int] = set()
        for decorator in node.decorators:
            skip.add(id(decorator))
        units.append(Unit(node, ctx, frozenset(skip)))

    diagnostics = found + run_units(module, source, units, settings, positions=positions) if units else found
    diagnostics.extend(_check_code_strings(module, source, positions, host, settings, host_globals))
    return diagnostics


@dataclass(frozen=True)
class CodeString:
    """A code string's text as the runtime will run it, and where it sits."""

    literal: cst.BaseString
    text: str
    removed_indent: tuple[int, ...]  # characters dedent removed from each line


def extract_code_string(node: cst.BaseExpression) -> CodeString | None:
    value: str | bytes | None
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
    elif isinstance(node, cst.ConcatenatedString):
        if any(isinstance(part, cst.FormattedString) for part in (node.left, node.right)):
            return None
        value = node.evaluated_value
    else:
        return None
    if not isinstance(value, str):
        return None
    dedented = textwrap.dedent(value)
    original_lines = value.split("\n")
    dedented_lines = dedented.split("\n")
    removed = tuple(
        len(a) - len(b) if a.strip() else 0 for a, b in zip(original_lines, dedented_lines)
    )
    return CodeString(node, dedented, removed)


def _source_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "source":
            return arg.value
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
    return None


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _code_string_interface(
    call: cst.Call, host: HostModule
) -> tuple[Interface, list[tuple[str, cst.BaseExpression]]]:
    """The interface a code-string call declares, and the type expressions to check (SBX302)."""
    declared: list[tuple[str, cst.BaseExpression]] = []
    is_template = (dotted_name(call.func) or "").endswith("orchestrator_from_str")
    inputs: list[InputDecl] = []
    inputs_node = _keyword(call, "inputs")
    if isinstance(inputs_node, cst.Dict):
        for element in inputs_node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str):
                    annotation = None
                    if is_template:
                        declared.append((f"input `{key}`", element.value))
                        annotation = cst.Module([]).code_for_node(element.value)
                    inputs.append(InputDecl(key, annotation))
    output_node = _keyword(call, "output")
    output = None
    if output_node is not None and is_template:
        declared.append(("the output", output_node))
        output = cst.Module([]).code_for_node(output_node)
    tasks: list[TaskSignature] = []
    tasks_node = _keyword(call, "tasks")
    if isinstance(tasks_node, (cst.List, cst.Tuple)):
        for item in tasks_node.elements:
            name = dotted_name(item.value)
            if name is None:
                continue
            short = name.rsplit(".", 1)[-1]
            tasks.append(host.tasks.get(short, TaskSignature(short)))
    elif tasks_node is None:
        tasks = list(host.tasks.values())
    return Interface(tuple(tasks), tuple(inputs), output), declared


def _check_code_strings(
    module: cst.Module,
    source: str,
    positions: Positions,
    host: HostModule,
    settings: Settings,
    host_globals: frozenset[str],
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    declared_units: list[Unit] = []
    for call in host.code_strings:
        source_node = _source_argument(call)
        if source_node is None:
            continue
        code = extract_code_string(source_node)
        interface, declared = _code_string_interface(call, host)
        if declared and settings.enabled("SBX302"):
            rule = _rule("SBX302")
            if rule is not None:
                ctx = Context(interface=interface, settings=settings, mode="host")
                for what, expr in declared:
                    rule.check_declared(expr, ctx, what)  # type: ignore[attr-defined]
                declared_units.append(Unit(cst.Module(body=[]), ctx))
        if code is None:
            continue
        found, inner = preflight(code.text, settings)
        # The host file's own scan already reported invisible characters.
        diagnostics = [d for d in found if d.code != "SBX205"]
        if inner is not None:
            ctx = Context(interface=interface, settings=settings, mode="host", host_globals=host_globals)
            ctx.async_module = "await" in code.text and has_top_level_await(inner)
            diagnostics.extend(run_units(inner, code.text, [Unit(inner, ctx)], settings))
        if not diagnostics:
            continue
        rng = (positions.get() or {}).get(code.literal)
        if rng is None:
            continue
        out.extend(_map_into_host(diagnostics, code, rng.start.line, rng.start.column + 1))
    if declared_units:
        out.extend(run_units(module, source, declared_units, settings, positions=positions))
    return out


def _literal_content_start(literal: cst.BaseString, line: int, column: int) -> tuple[int, int]:
    """Line/column (1-based) of the first character of the string's content."""
    if isinstance(literal, cst.SimpleString):
        prefix = len(literal.prefix)
        quote = len(literal.quote)
        return line, column + prefix + quote
    return line, column


def _map_into_host(
    diagnostics: list[Diagnostic], code: CodeString, line: int, column: int
) -> list[Diagnostic]:
    start_line, start_column = _literal_content_start(code.literal, line, column)
    exact = isinstance(code.literal, cst.SimpleString) and "\\" not in code.literal.value

    def position(inner_line: int, inner_column: int) -> tuple[int, int]:
        if not exact:
            return start_line, start_column
        index = inner_line - 1
        removed = code.removed_indent[index] if index < len(code.removed_indent) else 0
        raw_column = inner_column + removed
        if index == 0:
            return start_line, start_column + raw_column - 1
        return start_line + index, raw_column

    from dataclasses import replace

    from .diagnostics import Edit, Fix

    mapped: list[Diagnostic] = []
    for d in diagnostics:
        new_line, new_column = position(d.line, d.column)
        end_line, end_column = position(d.end_line, d.end_column)
        fix = d.fix
        if fix is not None:
            if exact and all("\n" not in e.content for e in fix.edits):
                edits = []
                for e in fix.edits:
                    a = position(e.line, e.column)
                    b = position(e.end_line, e.end_column)
                    edits.append(Edit(a[0], a[1], b[0], b[1], e.content))
                fix = Fix(fix.message, fix.applicability, tuple(edits))
            else:
                fix = None  # re-indenting inside a string literal is not exact
        mapped.append(replace(d, line=new_line, column=new_column, end_line=end_line, end_column=end_column, fix=fix))
    return mapped
