"""End-to-end fixtures: the real server (`python -m lsp`) over stdio, driven by
pytest-lsp's client with the capability sets of real editors.

`session` (one server per test module) and `fresh` (one per test) are
parametrized over VS Code (1.65: push diagnostics, UTF-16) and Neovim (0.11:
pull diagnostics, UTF-8 positions), so every test runs both paths. Test
modules run on a module-wide event loop (`pytestmark` below) so the shared
server can serve several tests. Markers shape a `fresh` session:

    @pytest.mark.init_options({...})    initializationOptions
    @pytest.mark.configuration({...})   the answer to workspace/configuration
                                        for section "sandbox-lint"
    @pytest.mark.capabilities("no-resolve pull-refresh")
                                        capabilities the client lacks or adds
"""

from __future__ import annotations

import asyncio
import textwrap
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from pygls.protocol import default_converter

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ["visual-studio-code", "neovim"]
DEFAULT_INIT = {"debounce": 20}
TIMEOUT_S = 20.0
LOOP = pytest.mark.asyncio(loop_scope="module")  # every test module: pytestmark = LOOP


def pytest_configure(config: pytest.Config) -> None:
    for marker in (
        "init_options(options): initializationOptions for the LSP session",
        "configuration(settings): the client's answer for section sandbox-lint",
        "capabilities(names): space-separated changes to the client capabilities (no-resolve, no-configuration, pull-refresh)",
    ):
        config.addinivalue_line("markers", marker)


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics in order."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
        types.CLIENT_REGISTER_CAPABILITY: register,
    }
    register_lsp_features(client, features)
    return client


@dataclass
class Session:
    """A started client plus what the tests need to know about it."""

    client: LanguageClient
    name: str
    capabilities: types.ClientCapabilities
    result: types.InitializeResult

    @property
    def pull(self) -> bool:
        td = self.capabilities.text_document
        return td is not None and td.diagnostic is not None

    @property
    def encoding(self) -> str:
        encoding = self.result.capabilities.position_encoding
        return str(getattr(encoding, "value", encoding) or "utf-16")

    # -- documents -------------------------------------------------------------------------

    def open(self, path: Path, text: str, version: int = 1) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass", newline="")
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
            )
        )
        return uri

    def replace_all(self, uri: str, text: str, version: int) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, uri: str, version: int, rng: types.Range, text: str) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )

    # -- diagnostics -----------------------------------------------------------------------

    async def published(self, uri: str, version: int | None = None, *, after: int = 0) -> list[types.Diagnostic]:
        """The first publishDiagnostics for `uri` (at `version`) at index >= `after`."""
        published: list[types.PublishDiagnosticsParams] = self.client.published  # type: ignore[attr-defined]
        deadline = asyncio.get_running_loop().time() + TIMEOUT_S
        while True:
            for params in published[after:]:
                if params.uri == uri and (version is None or params.version == version):
                    return list(params.diagnostics)
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no diagnostics published for {uri} v{version}: {published!r}")
            await asyncio.sleep(0.01)

    async def pulled(self, uri: str) -> list[types.Diagnostic]:
        report = await self.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), report
        return list(report.items)

    async def diagnostics(self, uri: str, version: int | None = None, *, after: int = 0) -> list[types.Diagnostic]:
        """Diagnostics the way this client gets them: pulled, or pushed for `version`."""
        if self.pull:
            return await self.pulled(uri)
        return await self.published(uri, version, after=after)

    @property
    def publish_count(self) -> int:
        return len(self.client.published)  # type: ignore[attr-defined]

    def logs(self, kind: types.MessageType | None = None) -> list[str]:
        return [m.message for m in self.client.log_messages if kind is None or m.type == kind]


def _marker_value(request: pytest.FixtureRequest, name: str, default: Any) -> Any:
    marker = request.node.get_closest_marker(name)
    return marker.args[0] if marker is not None else default


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lsp"], client_factory=recording_client)


def _without_resolve(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.text_document is not None and capabilities.text_document.code_action is not None
    capabilities.text_document.code_action.resolve_support = None


def _without_configuration(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.workspace is not None
    capabilities.workspace.configuration = None


def _pull_with_refresh(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.text_document is not None and capabilities.workspace is not None
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities()
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)


CAPABILITY_CHANGES = {
    "no-resolve": _without_resolve,
    "no-configuration": _without_configuration,
    "pull-refresh": _pull_with_refresh,
}


async def _start(lsp_client: LanguageClient, request: pytest.FixtureRequest, markers: bool) -> Session:
    capabilities = client_capabilities(request.param)
    if markers:
        for change in _marker_value(request, "capabilities", "").split():
            CAPABILITY_CHANGES[change](capabilities)
    configuration = _marker_value(request, "configuration", None) if markers else None
    if configuration is not None:
        lsp_client.set_configuration(configuration, section="sandbox-lint")
    init_options = _marker_value(request, "init_options", DEFAULT_INIT) if markers else DEFAULT_INIT
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities, initialization_options=init_options, root_uri=ROOT.as_uri()
        )
    )
    return Session(lsp_client, request.param, capabilities, result)


# One server per client kind and test module, for tests that leave the settings alone
# (each uses its own documents). Tests that change settings take `fresh`.
@pytest_lsp.fixture(config=SERVER, params=CLIENTS, scope="module")
async def shared_client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    lsp_client.session = await _start(lsp_client, request, markers=False)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, params=CLIENTS, loop_scope="module")
async def fresh_client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    lsp_client.session = await _start(lsp_client, request, markers=True)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(shared_client: LanguageClient) -> Session:
    """A running server shared by the module's tests (default settings)."""
    return shared_client.session  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def fresh(fresh_client: LanguageClient) -> Session:
    """A server of this test's own, started with the test's markers."""
    return fresh_client.session  # type: ignore[attr-defined,no-any-return]


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """What an editor does with TextEdits (an implementation independent of the server's)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)", text)
    lines.append(text[sum(len(line) for line in lines) :])

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
        width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]
        raw = line.encode(codec)[: position.character * width]
        return before + len(raw.decode(codec))

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def edits_of(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    assert edit is not None
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]  # type: ignore[union-attr]
    assert edit.changes is not None
    return list(edit.changes[uri])


HOST_HEADER = textwrap.dedent(
    '''\
    from runtime import TaskEnvironment

    env = TaskEnvironment(name="demo")


    @env.task
    def add(x: int, y: int) -> int:
        return x + y


    @env.sandbox.orchestrator
    def pipeline(values: list[int]) -> int:
    '''
)


def host_file(body: str) -> str:
    """The host file the end-to-end tests share: a task, then the orchestrator
    `pipeline` whose body (written without indentation) is `body`."""
    return HOST_HEADER + textwrap.indent(textwrap.dedent(body), "    ")
