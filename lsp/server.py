"""The sandbox-lint language server: LSP requests mapped onto the checker's core.

One feature per handler. The server holds the open documents, the editor
settings and the project configuration; every finding, fix and rule text
comes from `sandbox_lint` (`check`, `check_host`, `apply_fixes`, the rules'
docs). Every handler catches its own errors and logs them with
`window/logMessage`, so no input can stop the server.

    python -m lsp                     # stdio
    python -m lsp --tcp 127.0.0.1:2087
    sandbox-lint lsp                  # the same, through the CLI
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import logging
import sys
import time
import traceback
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from sandbox_lint import __version__
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.fixes import apply_fixes

from . import convert, options
from .documents import Document
from .options import EditorSettings
from .project import Project, is_config_document

NAME = "sandbox-lint"
CONFIGURATION_TIMEOUT_S = 10.0
FIX_ALL_TITLE = "Fix all auto-fixable sandbox-lint problems"

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


class SandboxLintProtocol(LanguageServerProtocol):
    """pygls' protocol, minus its workspace copy of documents: the server keeps
    its own (`lsp.documents`), with LSP's definition of a line."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class SandboxLintServer(LanguageServer):
    """The server's state: documents, settings, project configuration, pending checks."""

    def __init__(self, *, config_path: Path | None = None, verbose: bool = False) -> None:
        super().__init__(
            NAME,
            __version__,
            protocol_cls=SandboxLintProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.documents: dict[str, Document] = {}
        self.project = Project(config_path)
        self.verbose = verbose
        self.init_settings = EditorSettings()
        self.editor = EditorSettings()
        self.pull = False
        self.generation = 0
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.results: dict[str, tuple[int, str, list[Diagnostic], list[types.Diagnostic]]] = {}
        self.shown_problems: set[str] = set()

    # -- logging ---------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # the transport is gone; nothing else to tell
            log.warning("%s", message)

    def debug(self, message: str) -> None:
        if self.verbose:
            self.log(message, types.MessageType.Log)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls' out-of-band errors go to the log, not to a pop-up."""
        self.log(f"internal error ({getattr(source, '__name__', source)}): {error}", types.MessageType.Error)

    def flush_problems(self) -> None:
        """Configuration problems: logged, and shown once each (they need the user)."""
        for problem in self.project.take_problems():
            self.log(problem, types.MessageType.Warning)
            if problem not in self.shown_problems:
                self.shown_problems.add(problem)
                try:
                    self.window_show_message(
                        types.ShowMessageParams(type=types.MessageType.Warning, message=f"sandbox-lint: {problem}")
                    )
                except Exception:
                    pass

    # -- capabilities ----------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or types.PositionEncodingKind.Utf16.value)

    def capability(self, path: str) -> Any:
        """A client capability by dotted path (None when absent)."""
        value: Any = self.client_capabilities
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    # -- checking --------------------------------------------------------------------------

    def findings(self, doc: Document) -> tuple[list[Diagnostic], list[types.Diagnostic]]:
        """The document's findings, checker and LSP forms (cached per text and settings)."""
        cached = self.results.get(doc.uri)
        if cached is not None and cached[0] == self.generation and cached[1] is doc.text:
            return cached[2], cached[3]
        if not self.editor.enable:
            found: list[Diagnostic] = []
        else:
            started = time.perf_counter()
            found = self.project.checker(doc.uri)(doc.text)
            self.debug(
                f"checked {doc.uri} v{doc.version} ({self.project.mode(doc.uri)} mode): "
                f"{len(found)} finding(s) in {(time.perf_counter() - started) * 1000:.1f} ms"
            )
            self.flush_problems()
        encoding = self.encoding
        converted = [convert.to_lsp(d, doc, encoding, self.editor) for d in found]
        self.results[doc.uri] = (self.generation, doc.text, found, converted)
        return found, converted

    def publish(self, uri: str) -> None:
        doc = self.documents.get(uri)
        if doc is None:
            return
        _, diagnostics = self.findings(doc)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version)
        )

    def schedule(self, uri: str, delay_ms: int) -> None:
        """Push mode: check `uri` after `delay_ms` unless another change comes first."""
        if self.pull:
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._publish_later(uri, delay_ms))

    async def _publish_later(self, uri: str, delay_ms: int) -> None:
        try:
            if delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000)
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]
            self.publish(uri)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.log(f"checking {uri} failed:\n{traceback.format_exc()}", types.MessageType.Error)

    def recheck_all(self) -> None:
        """Settings or configuration changed: new results for every open document."""
        self.generation += 1
        if not self.pull:
            for uri in list(self.documents):
                self.schedule(uri, 0)
        elif self.capability("workspace.diagnostics.refresh_support"):
            self.workspace_diagnostic_refresh(None)

    # -- settings --------------------------------------------------------------------------

    def apply_settings(self, raw: object, origin: str) -> None:
        """`raw` (a configuration answer) over the `initializationOptions` settings."""
        settings, problems = options.parse(raw, self.init_settings, origin)
        for problem in problems:
            self.log(problem, types.MessageType.Warning)
        if settings != self.editor:
            self.editor = settings
            self.project.configure(settings)
            self.log(f"settings: {settings}")
            self.recheck_all()

    async def pull_settings(self, origin: str) -> bool:
        """Ask the client for section `sandbox-lint`; False when it cannot answer."""
        if not self.capability("workspace.configuration"):
            return False
        try:
            answer = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=options.SECTION)])
                ),
                CONFIGURATION_TIMEOUT_S,
            )
        except Exception as error:
            self.log(
                f"workspace/configuration failed ({error!r}); keeping the current settings", types.MessageType.Warning
            )
            return False
        value = answer[0] if isinstance(answer, (list, tuple)) and answer else None
        self.apply_settings(value, f"workspace/configuration ({origin})")
        return True

    async def watch_config_files(self) -> None:
        """Ask the client to report changes to pyproject.toml files and interface stubs."""
        watchers = [
            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            types.FileSystemWatcher(glob_pattern="**/*.pyi"),
        ]
        registration = types.Registration(
            id="sandbox-lint-config-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams(registrations=[registration])),
                CONFIGURATION_TIMEOUT_S,
            )
        except Exception as error:
            self.log(
                f"could not watch configuration files ({error!r}): save them in the editor to apply changes",
                types.MessageType.Warning,
            )

    # -- fixes -----------------------------------------------------------------------------

    def fix_of(self, doc: Document, diagnostic: types.Diagnostic) -> tuple[str, str, list[types.TextEdit]] | None:
        """(message, applicability, edits) of a diagnostic the client sent back.

        The edits travel in `data` when the diagnostic is from this version of
        the document; otherwise the current findings are searched for the same
        code at the same range.
        """
        data = diagnostic.data
        if isinstance(data, dict) and doc.version is not None and data.get("version") == doc.version:
            fix = data.get("fix")
            if not isinstance(fix, dict):
                return None
            edits = [
                types.TextEdit(range=convert.range_from_json(edit["range"]), new_text=str(edit["newText"]))
                for edit in fix["edits"]
            ]
            return str(fix["message"]), str(fix["applicability"]), edits
        found, converted = self.findings(doc)
        for core, lsp in zip(found, converted):
            if core.fix is not None and lsp.code == diagnostic.code and lsp.range == diagnostic.range:
                return core.fix.message, core.fix.applicability, convert.fix_edits(core.fix, doc, self.encoding)
        return None

    def fix_all_edit(self, doc: Document) -> types.WorkspaceEdit | None:
        fixed, applied = apply_fixes(doc.text, self.project.checker(doc.uri))
        if applied == 0 or fixed == doc.text:
            return None
        edit = types.TextEdit(range=doc.full_range(self.encoding), new_text=fixed)
        return convert.workspace_edit(doc, [edit], self.client_capabilities)


def guarded(default: Callable[[], Any]) -> Callable[[F], F]:
    """Catch and log a handler's errors; answer `default()` instead of failing."""

    def wrap(handler: F) -> F:
        def report(ls: SandboxLintServer) -> None:
            ls.log(f"{handler.__name__} failed:\n{traceback.format_exc()}", types.MessageType.Error)

        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(ls: SandboxLintServer, params: Any) -> Any:
                try:
                    return await handler(ls, params)
                except Exception:
                    report(ls)
                    return default()

            return run_async  # type: ignore[return-value]

        @functools.wraps(handler)
        def run(ls: SandboxLintServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception:
                report(ls)
                return default()

        return run  # type: ignore[return-value]

    return wrap


def _none() -> None:
    return None


# -- lifecycle -------------------------------------------------------------------------------


@guarded(_none)
def initialize(ls: SandboxLintServer, params: types.InitializeParams) -> None:
    settings, problems = options.parse(params.initialization_options, EditorSettings(), "initializationOptions")
    for problem in problems:
        ls.log(problem, types.MessageType.Warning)
    ls.init_settings = ls.editor = settings
    ls.project.configure(settings)
    ls.pull = params.capabilities.text_document is not None and params.capabilities.text_document.diagnostic is not None
    ls.log(
        f"sandbox-lint {__version__}: {'pull' if ls.pull else 'push'} diagnostics, "
        f"{ls.encoding} positions, settings {settings}"
    )
    ls.flush_problems()


@guarded(_none)
async def initialized(ls: SandboxLintServer, params: types.InitializedParams) -> None:
    await ls.pull_settings("initialized")
    if ls.capability("workspace.did_change_watched_files.dynamic_registration"):
        await ls.watch_config_files()


@guarded(_none)
def shutdown(ls: SandboxLintServer, params: None) -> None:
    for task in ls.pending.values():
        task.cancel()
    ls.pending.clear()


# -- documents -------------------------------------------------------------------------------


@guarded(_none)
def did_open(ls: SandboxLintServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ls.documents[item.uri] = Document(item.uri, item.text, item.version, item.language_id)
    ls.project.forget(item.uri)
    ls.schedule(item.uri, 0)


@guarded(_none)
def did_change(ls: SandboxLintServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    doc = ls.documents.get(uri)
    if doc is None:
        ls.log(f"didChange for {uri}, which is not open: ignored", types.MessageType.Warning)
        return
    doc.apply_changes(params.content_changes, params.text_document.version, ls.encoding)
    ls.schedule(uri, ls.editor.debounce_ms)


@guarded(_none)
def did_save(ls: SandboxLintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if is_config_document(uri):
        ls.log(f"{uri} saved: reading the project configuration again")
        ls.project.reset()
        ls.recheck_all()
    elif uri in ls.documents:
        ls.schedule(uri, 0)


@guarded(_none)
def did_close(ls: SandboxLintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.pop(uri, None)
    ls.results.pop(uri, None)
    ls.project.forget(uri)
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    if not ls.pull:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@guarded(_none)
async def did_change_configuration(ls: SandboxLintServer, params: types.DidChangeConfigurationParams) -> None:
    if await ls.pull_settings("didChangeConfiguration"):
        return
    # Clients that cannot answer workspace/configuration send the settings here.
    raw = params.settings
    if isinstance(raw, dict) and options.SECTION in raw:
        raw = raw[options.SECTION]
    ls.apply_settings(raw, "workspace/didChangeConfiguration")


@guarded(_none)
def did_change_watched_files(ls: SandboxLintServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(is_config_document(change.uri) for change in params.changes):
        ls.log("project configuration or interface stub changed: checking open documents again")
        ls.project.reset()
        ls.recheck_all()


# -- diagnostics (pull) ----------------------------------------------------------------------


def _empty_report() -> types.DocumentDiagnosticReport:
    return types.RelatedFullDocumentDiagnosticReport(items=[])


@guarded(_empty_report)
def document_diagnostic(
    ls: SandboxLintServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = f"{ls.generation}:{doc.version}:{hash(doc.text) & 0xFFFFFFFF:x}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    _, diagnostics = ls.findings(doc)
    return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=result_id)


# -- code actions ----------------------------------------------------------------------------


def _wants(only: list[str] | None, kind: str) -> bool:
    return only is None or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


@guarded(_none)
def code_action(ls: SandboxLintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or not ls.editor.enable:
        return None
    only = [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix.value):
        actions.extend(_quick_fixes(ls, doc, params.context.diagnostics))
    if _wants(only, convert.FIX_ALL_KIND):
        found, _ = ls.findings(doc)
        if any(d.fix is not None and d.fix.applicability == "safe" for d in found):
            action = types.CodeAction(
                title=FIX_ALL_TITLE,
                kind=convert.FIX_ALL_KIND,
                data={"uri": doc.uri, "version": doc.version},
            )
            if not _resolves_edits(ls):
                action.edit = ls.fix_all_edit(doc)
            if action.edit is not None or _resolves_edits(ls):
                actions.append(action)
    return actions


def _resolves_edits(ls: SandboxLintServer) -> bool:
    properties = ls.capability("text_document.code_action.resolve_support.properties")
    return bool(properties) and "edit" in properties


_TITLE_NOTES = {"unsafe": " (unsafe: check the result)", "display": " (suggestion: review the rewrite)"}


def _quick_fixes(
    ls: SandboxLintServer, doc: Document, diagnostics: Sequence[types.Diagnostic]
) -> list[types.CodeAction]:
    fixes: list[types.CodeAction] = []
    disables: list[types.CodeAction] = []
    disabled: set[tuple[int, str]] = set()
    for diagnostic in diagnostics:
        if diagnostic.source != convert.SOURCE or not isinstance(diagnostic.code, str):
            continue
        code = diagnostic.code
        fix = ls.fix_of(doc, diagnostic)
        if fix is not None:
            # Display fixes (suggested rewrites) are offered too, as ruff's server does, marked as
            # suggestions; they are never preferred and never part of "fix all".
            message, applicability, edits = fix
            safe = applicability == "safe"
            fixes.append(
                types.CodeAction(
                    title=f"{code}: {message}" + _TITLE_NOTES.get(applicability, ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=convert.workspace_edit(doc, edits, ls.client_capabilities),
                    is_preferred=safe,
                )
            )
        line = diagnostic.range.start.line
        if (line, code) in disabled:
            continue
        noqa = convert.noqa_edit(doc, line, code, ls.encoding)
        if noqa is not None:
            disabled.add((line, code))
            disables.append(
                types.CodeAction(
                    title=f"Disable {code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=convert.workspace_edit(doc, [noqa], ls.client_capabilities),
                )
            )
    return fixes + disables


@guarded(_none)
def code_action_resolve(ls: SandboxLintServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data
    if action.kind == convert.FIX_ALL_KIND and isinstance(data, dict):
        doc = ls.documents.get(str(data.get("uri")))
        if doc is not None:
            action.edit = ls.fix_all_edit(doc) or types.WorkspaceEdit(changes={})
    return action


# -- hover -----------------------------------------------------------------------------------


def _contains(rng: types.Range, position: types.Position) -> bool:
    start = (rng.start.line, rng.start.character)
    end = (rng.end.line, rng.end.character)
    return start <= (position.line, position.character) <= end


@guarded(_none)
def hover(ls: SandboxLintServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or not ls.editor.enable:
        return None
    _, diagnostics = ls.findings(doc)
    under = [d for d in diagnostics if _contains(d.range, params.position)]
    if under:
        messages: dict[str, list[str]] = {}
        for diagnostic in under:
            messages.setdefault(str(diagnostic.code), []).append(diagnostic.message)
        parts = [convert.rule_markdown(code, texts) for code, texts in messages.items()]
        value = "\n\n---\n\n".join(part for part in parts if part)
        if value:
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value), range=under[0].range
            )
    code = convert.noqa_code_at(doc, params.position, ls.encoding)
    docs = convert.rule_markdown(code) if code is not None else None
    if docs is not None:
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=docs))
    return None


# -- assembly --------------------------------------------------------------------------------


def create_server(*, config_path: Path | None = None, verbose: bool = False) -> SandboxLintServer:
    """A server with every feature registered (one handler each)."""
    server = SandboxLintServer(config_path=config_path, verbose=verbose)
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
    server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=NAME, inter_file_dependencies=False, workspace_diagnostics=False),
    )(document_diagnostic)
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL_KIND], resolve_provider=True
        ),
    )(code_action)
    server.feature(types.CODE_ACTION_RESOLVE)(code_action_resolve)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    return server


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT such as 127.0.0.1:2087, got {text!r}")
    return host, int(port)


def parser(prog: str = "python -m lsp") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="The sandbox-lint language server (diagnostics, fixes and rule docs for editors).",
    )
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", type=_address, help="listen on a TCP address instead of stdio")
    p.add_argument(
        "--config",
        metavar="PYPROJECT",
        type=Path,
        help="use this pyproject.toml for every file instead of the nearest one above each file",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every check and its duration (window/logMessage)")
    return p


def main(argv: list[str] | None = None, *, prog: str = "python -m lsp") -> int:
    try:
        args = parser(prog).parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.config is not None and not args.config.is_file():
        print(f"{prog}: error: --config {args.config}: no such file", file=sys.stderr)
        return 2
    server = create_server(config_path=args.config, verbose=args.verbose)
    if args.tcp is not None:
        host, port = args.tcp
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0
