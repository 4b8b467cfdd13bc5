// The VS Code side of sandbox-lint: starts the language server (bundled with the extension, from
// the Python environment, or an explicit command), feeds it settings, and adds the Restart Server
// and Fix All commands. Decisions live in settings.ts, launch.ts and notifications.ts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CancellationToken,
  CloseAction,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  DocumentSelector,
  ErrorAction,
  ErrorHandler,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { CrashHistory, MAX_RESTARTS } from './crashes';
import { formatCommandLine, Launch, probeProblem, resolveLaunch, StartProblem, startProblemMessage } from './launch';
import { MessageKind, shouldNotify } from './notifications';
import { activeInterpreter, onDidChangeActiveInterpreter } from './pythonExtension';
import {
  ExtensionSettings,
  launchSettingsChanged,
  readSettings,
  ReadResult,
  SERVER_SECTION,
  SETTINGS_SECTION,
  toServerSettings,
} from './settings';

const CLIENT_ID = 'sandboxLint'; // also the prefix of the `sandboxLint.trace.server` setting
const CLIENT_NAME = 'Sandbox Lint';
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('sandbox-lint');
// Generous: `uv run python` may create the environment on first use.
const PROBE_TIMEOUT_MS = 60_000;

const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
];

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(CLIENT_NAME);
  const trace = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  controller = new ServerController(output, trace, context.extensionPath);
  const server = controller;
  context.subscriptions.push(
    server, // first: stopped while its output channels still exist
    output,
    trace,
    vscode.commands.registerCommand('sandboxLint.restart', () => server.restart('restart command')),
    vscode.commands.registerCommand('sandboxLint.fixAll', () => fixAll(server)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SETTINGS_SECTION)) {
        void server.onSettingsChanged();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart('workspace trusted')),
  );
  await server.restart('activation');
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

/** Owns the one language client of the window and (re)starts it, one transition at a time. */
class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** The settings the running server was launched with, to tell when a restart is due. */
  private launchedWith: ExtensionSettings | undefined;
  private usedPythonExtension = false;
  private interpreterListener: vscode.Disposable | undefined;
  private transitions: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly trace: vscode.OutputChannel,
    private readonly extensionPath: string,
  ) {}

  get runningClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.log(`${this.client === undefined ? 'Starting' : 'Restarting'} the server (${reason}).`);
      await this.stopClient();
      await this.startClient();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopClient());
  }

  dispose(): void {
    this.interpreterListener?.dispose();
    void this.stop();
  }

  /** Restarts when the launch command changed; the client itself forwards the rest. */
  async onSettingsChanged(): Promise<void> {
    const { settings, problems } = this.readSettings();
    if (this.launchedWith === undefined || launchSettingsChanged(this.launchedWith, settings)) {
      await this.restart('the server command changed');
    } else {
      this.logProblems(problems);
    }
  }

  private enqueue(transition: () => Promise<void>): Promise<void> {
    this.transitions = this.transitions.then(transition).catch((error: unknown) => {
      this.log(`Unexpected error: ${errorText(error)}`);
    });
    return this.transitions;
  }

  private async startClient(): Promise<void> {
    const { settings, problems } = this.readSettings();
    this.logProblems(problems);
    const launch = await this.resolveLaunch(settings);
    this.launchedWith = settings;
    for (const note of launch.notes) {
      this.log(note);
      this.notify('warning', `Sandbox Lint: ${note}`);
    }
    const probe = await this.probe(launch);
    if (probe !== undefined) {
      const message = startProblemMessage(launch, probe.problem, probe.detail);
      this.log(message);
      void this.showStartProblem(message);
      return;
    }
    const origin = launch.kind === 'path' ? 'from "sandboxLint.path"' : `${launch.kind}, interpreter from ${launch.source}`;
    this.log(`Starting: ${formatCommandLine(launch.command, launch.args)} (${origin})`);
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: [...launch.args],
      options: { env: { ...launch.env }, cwd: launch.cwd },
    };
    const client: LanguageClient = new LanguageClient(
      CLIENT_ID,
      CLIENT_NAME,
      serverOptions,
      this.clientOptions(settings, () => client),
    );
    this.client = client;
    try {
      await client.start();
      this.notify('info', `Sandbox Lint: the server is running (${origin}).`);
    } catch (error) {
      // vscode-languageclient has already shown its own error message.
      this.log(`The server did not start: ${errorText(error)}`);
      if (this.client === client) {
        this.client = undefined;
      }
      await client.dispose().catch(() => undefined);
    }
  }

  /** Runs the launch's probe: a reason the server cannot start, or undefined to go ahead. */
  private probe(launch: Launch): Promise<{ problem: StartProblem; detail: string } | undefined> {
    const probe = launch.probe;
    if (probe === undefined) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      execFile(
        probe.command,
        [...probe.args],
        { env: { ...launch.env }, cwd: launch.cwd, timeout: PROBE_TIMEOUT_MS, windowsHide: true },
        (error, _stdout, stderr) => {
          const problem = error === null ? undefined : probeProblem(error.code);
          if (error === null) {
            resolve(undefined);
          } else if (problem !== undefined) {
            resolve({ problem, detail: stderr });
          } else {
            // Unclear (a wrapper like `uv run` failed, a timeout): let the real start report it.
            this.log(`Checking the interpreter was inconclusive (${error.message.trim()}); starting anyway.`);
            resolve(undefined);
          }
        },
      );
    });
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      await client.dispose();
    } catch (error) {
      this.log(`Stopping the server failed: ${errorText(error)}`);
    }
  }

  private clientOptions(settings: ExtensionSettings, owner: () => LanguageClient): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      initializationOptions: toServerSettings(settings),
      errorHandler: this.errorHandler(owner),
      // Makes the client send workspace/didChangeConfiguration when `sandboxLint.*` changes;
      // the middleware below shapes the payload like the `sandbox-lint` configuration section.
      synchronize: { configurationSection: SETTINGS_SECTION },
      middleware: {
        workspace: {
          configuration: (params, token, next) => this.answerConfiguration(params, token, next),
          didChangeConfiguration: () => this.sendSettings(owner()),
        },
      },
    };
  }

  private errorHandler(owner: () => LanguageClient): ErrorHandler {
    const crashes = new CrashHistory();
    return {
      // A dead server also shows up here (EPIPE); carry on so that `closed` decides about the
      // restart. Only a server that keeps garbling its messages is shut down.
      error: (_error, _message, count) => ({
        action: count === undefined || count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      closed: () => {
        const wasRunning = owner().state === State.Running;
        if (crashes.shouldRestart(Date.now(), wasRunning)) {
          return { action: CloseAction.Restart };
        }
        if (!wasRunning) {
          // The start fails and says so; restarting would only repeat the failure.
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        const message =
          `The Sandbox Lint server crashed ${MAX_RESTARTS + 1} times in 3 minutes and was not restarted. ` +
          'See the "Sandbox Lint" output, then run "Sandbox Lint: Restart Server".';
        this.log(message);
        return this.wants('error')
          ? { action: CloseAction.DoNotRestart, message }
          : { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  /** Answers `workspace/configuration` for section `sandbox-lint` from `sandboxLint.*`. */
  private async answerConfiguration(
    params: ConfigurationParams,
    token: CancellationToken,
    next: (params: ConfigurationParams, token: CancellationToken) => unknown,
  ): Promise<unknown[] | ResponseError<void>> {
    const answers: unknown[] = [];
    const others: number[] = [];
    params.items.forEach((item, index) => {
      if (item.section === SERVER_SECTION) {
        const scope = item.scopeUri === undefined ? undefined : vscode.Uri.parse(item.scopeUri);
        answers[index] = toServerSettings(this.readSettings(scope).settings);
      } else {
        others.push(index);
      }
    });
    if (others.length > 0) {
      const rest = await next({ items: others.map((index) => params.items[index]) }, token);
      if (rest instanceof ResponseError) {
        return rest as ResponseError<void>;
      }
      others.forEach((index, position) => {
        answers[index] = Array.isArray(rest) ? (rest[position] as unknown) : null;
      });
    }
    return answers;
  }

  private async sendSettings(client: LanguageClient): Promise<void> {
    const { settings } = this.readSettings();
    const restartDue = this.launchedWith !== undefined && launchSettingsChanged(this.launchedWith, settings);
    // A client about to be replaced still sees the change; the new one gets the settings at start.
    if (restartDue || client !== this.client || !client.isRunning()) {
      return;
    }
    try {
      await client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SERVER_SECTION]: toServerSettings(settings) },
      });
    } catch (error) {
      if (client === this.client && client.isRunning()) {
        throw error;
      }
    }
  }

  private async resolveLaunch(settings: ExtensionSettings): Promise<Launch> {
    const folder = firstFileFolder();
    const trusted = vscode.workspace.isTrusted;
    let pythonExtensionInterpreter: string | undefined;
    if (settings.interpreter.length === 0 && settings.path.length === 0 && trusted) {
      const lookup = await activeInterpreter(folder?.uri);
      if (lookup.found) {
        pythonExtensionInterpreter = lookup.path;
      } else {
        this.log(`Not using the Python extension's interpreter: ${lookup.reason}.`);
      }
      await this.followPythonExtension();
    }
    return resolveLaunch({
      interpreter: settings.interpreter,
      args: settings.args,
      path: settings.path,
      importStrategy: settings.importStrategy,
      extensionPath: this.extensionPath,
      bundleAvailable: existsSync(path.join(this.extensionPath, 'bundled', 'bundle.json')),
      pythonExtensionInterpreter,
      platform: process.platform,
      env: process.env,
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      trusted,
    });
  }

  /** Once the Python extension's interpreter is used, restart when the user picks another. */
  private async followPythonExtension(): Promise<void> {
    if (this.usedPythonExtension) {
      return;
    }
    this.usedPythonExtension = true;
    this.interpreterListener = await onDidChangeActiveInterpreter(() => {
      if (this.launchedWith?.interpreter.length === 0) {
        void this.restart('the Python extension selected another interpreter');
      }
    });
  }

  private async showStartProblem(message: string): Promise<void> {
    if (!this.wants('error')) {
      return;
    }
    const showOutput = 'Show Output';
    const openSettings = 'Open Settings';
    const choice = await vscode.window.showErrorMessage(message, showOutput, openSettings);
    if (choice === showOutput) {
      this.output.show(true);
    } else if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:sandbox-lint.sandbox-lint');
    }
  }

  /** Whether `sandboxLint.showNotifications` lets a message of this kind pop up. */
  private wants(kind: MessageKind): boolean {
    return shouldNotify(this.readSettings().settings.showNotifications, kind);
  }

  /** Pops the message up when the setting allows (it is logged by the caller either way). */
  private notify(kind: MessageKind, message: string): void {
    if (!this.wants(kind)) {
      return;
    }
    if (kind === 'error') {
      void vscode.window.showErrorMessage(message);
    } else if (kind === 'warning') {
      void vscode.window.showWarningMessage(message);
    } else {
      void vscode.window.showInformationMessage(message);
    }
  }

  private readSettings(scope?: vscode.Uri): ReadResult {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope ?? firstFileFolder()?.uri);
    return readSettings((key) => config.get<unknown>(key));
  }

  private logProblems(problems: readonly string[]): void {
    for (const problem of problems) {
      this.log(`Setting ignored: ${problem}`);
      this.notify('warning', `Sandbox Lint: setting ignored: ${problem}`);
    }
  }

  private log(message: string): void {
    this.output.appendLine(`[${new Date().toLocaleTimeString()}] ${message}`);
  }
}

/** Runs the server's `source.fixAll.sandbox-lint` code action on the active editor. */
async function fixAll(server: ServerController): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || vscode.languages.match(DOCUMENT_SELECTOR, editor.document) === 0) {
    void vscode.window.showInformationMessage('Sandbox Lint: open a Python file to fix it.');
    return;
  }
  if (server.runningClient === undefined) {
    void vscode.window.showWarningMessage('Sandbox Lint: the server is not running (see the "Sandbox Lint" output).');
    return;
  }
  const document = editor.document;
  const version = document.version;
  const wholeDocument = document.validateRange(new vscode.Range(0, 0, document.lineCount, 0));
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[] | undefined>(
    'vscode.executeCodeActionProvider',
    document.uri,
    wholeDocument,
    FIX_ALL_KIND.value,
    1, // resolve the first action, in case the server sends its edit lazily
  );
  const action = actions?.find(isFixAllAction);
  if (action === undefined) {
    vscode.window.setStatusBarMessage('Sandbox Lint: nothing to fix', 3000);
    return;
  }
  if (document.version !== version) {
    void vscode.window.showWarningMessage('Sandbox Lint: the file changed while computing fixes; run Fix All again.');
    return;
  }
  if (action.edit !== undefined && !(await vscode.workspace.applyEdit(action.edit))) {
    void vscode.window.showErrorMessage('Sandbox Lint: the fixes could not be applied.');
    return;
  }
  if (action.command !== undefined) {
    await vscode.commands.executeCommand(action.command.command, ...((action.command.arguments ?? []) as unknown[]));
  }
  vscode.window.setStatusBarMessage('Sandbox Lint: fixes applied', 3000);
}

function isFixAllAction(action: vscode.CodeAction | vscode.Command): action is vscode.CodeAction {
  const kind = 'kind' in action ? action.kind?.value : undefined;
  return kind !== undefined && (kind === FIX_ALL_KIND.value || kind.startsWith(`${FIX_ALL_KIND.value}.`));
}

function firstFileFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((folder) => folder.uri.scheme === 'file');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
