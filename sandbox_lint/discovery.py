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
Discovery only finds: it returns a `units.HostFile` (data); the pipeline checks it.
"""

from __future__ import annotations

import re
import textwrap
from typing import cast

import libcst as cst

from .interface import InputDecl, Interface, TaskSignature, signature_from_funcdef
from .tree import children, dotted_name
from .units import CodeString, CodeStringCall, DeclaredType, HostFile, OrchestratorDef

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


def survey(module: cst.Module) -> HostFile:
    """Tasks, orchestrators, globals and code-string calls of a host module.

    Orchestrators and tasks are found at any depth (methods, nested defs);
    imports and globals at module level.
    """
    host = HostFile()
    code_string_calls: list[cst.Call] = []
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
                host.orchestrators.append(_orchestrator(node, module))
            elif is_task(node):
                host.task_nodes.append(node)
                host.tasks[node.name.value] = signature_from_funcdef(node, module)
            elif id(node) in top_level:
                host.globals.add(node.name.value)
        elif node_type is cst.Call:
            node = cast(cst.Call, node)
            name = dotted_name(node.func)
            if name is not None and name.rsplit(".", 1)[-1] in CODE_STRING_FUNCTIONS:
                code_string_calls.append(node)
        stack.extend(children(node))
    host.globals -= set(host.tasks)
    host.code_string_calls = [_code_string_call(call, host) for call in code_string_calls]
    return host


def may_hold_sandbox_code(source: str) -> bool:
    """Cheap text test: only files that mention an orchestrator or decorate a task are parsed."""
    return any(marker in source for marker in _MARKERS) or _TASK_DECORATOR.search(source) is not None


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


def _orchestrator(node: cst.FunctionDef, module: cst.Module) -> OrchestratorDef:
    return OrchestratorDef(
        node=node,
        inputs=_orchestrator_inputs(node, module),
        declared=frozenset(_annotation_ids(node)),
        skip=frozenset(id(decorator) for decorator in node.decorators),
    )


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


def _code_string_call(call: cst.Call, host: HostFile) -> CodeStringCall:
    """The interface a code-string call declares, the types it declares, and its code."""
    declared: list[DeclaredType] = []
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
                        declared.append(DeclaredType(f"input `{key}`", element.value))
                        annotation = cst.Module([]).code_for_node(element.value)
                    inputs.append(InputDecl(key, annotation))
    output_node = _keyword(call, "output")
    output = None
    if output_node is not None and is_template:
        declared.append(DeclaredType("the output", output_node))
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
    source_node = _source_argument(call)
    return CodeStringCall(
        call,
        Interface(tuple(tasks), tuple(inputs), output),
        tuple(declared),
        extract_code_string(source_node) if source_node is not None else None,
    )
