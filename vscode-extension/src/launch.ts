// Settings -> the process that runs the language server. No `vscode` import: this module is
// unit-tested with node:test.
//
// The server is started through bundled/tool/launch_server.py, never as `python -m lsp`: a script's
// folder, not the current directory (the workspace), goes first on sys.path, so a workspace's own
// `lsp.py`, `runtime.py` or `sandbox_lint.py` cannot replace the server on any Python version
// (PYTHONSAFEPATH, the earlier guard, does not exist before Python 3.11).
import * as path from 'node:path';

/** The module the server runs: `python -m lsp`, or the launcher's `runpy` of it. */
export const SERVER_MODULE = 'lsp';

/** Where the server's Python packages come from (`sandboxLint.importStrategy`). */
export const IMPORT_STRATEGIES = ['useBundled', 'fromEnvironment'] as const;
export type ImportStrategy = (typeof IMPORT_STRATEGIES)[number];

/** How the server is started: the explicit `sandboxLint.path` command, or a Python with a strategy. */
export type ServerKind = 'path' | ImportStrategy;

/** Where the Python command came from, for the log and error messages. */
export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface LaunchInputs {
  /** `sandboxLint.interpreter`: command and leading arguments, e.g. ["uv", "run", "python"]. */
  readonly interpreter: readonly string[];
  /** `sandboxLint.args`: extra arguments for the server. */
  readonly args: readonly string[];
  /** `sandboxLint.path`: a command that starts the server itself, e.g. ["sandbox-lint", "lsp"]. */
  readonly path: readonly string[];
  readonly importStrategy: ImportStrategy;
  /** The extension's install folder (holds bundled/). */
  readonly extensionPath: string;
  /** Whether bundled/ holds a built server (ci.sh builds it; a bare source checkout has none). */
  readonly bundleAvailable: boolean;
  /** The Python extension's active interpreter, if that extension is installed and has one. */
  readonly pythonExtensionInterpreter?: string;
  readonly platform: string;
  /** The environment the server inherits (the extension host's `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** File-system path of the (first) workspace folder, if a folder is open. */
  readonly workspaceFolder?: string;
  readonly home: string;
  /** Workspace Trust: in Restricted Mode the workspace chooses neither the interpreter nor
   * the directory Python starts in, nor what `${workspaceFolder}` points to (VS Code already
   * drops workspace values of the restricted settings). */
  readonly trusted: boolean;
}

export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly kind: ServerKind;
  readonly source: InterpreterSource;
  /** The words that run Python (or, for `path`, the configured command). */
  readonly python: readonly string[];
  /** Same command, environment and folder, but only asks whether the server can start: exit 0
   * yes, else one of the PROBE_EXIT_* codes with a reason on stderr. None for `path`. */
  readonly probe?: { readonly command: string; readonly args: readonly string[] };
  /** Things the user should know about how the launch was chosen (a fallback). */
  readonly notes: readonly string[];
}

/** The launcher's exit codes for a server that cannot start (bundled/tool/launch_server.py). */
export const PROBE_EXIT_MISSING = 3;
export const PROBE_EXIT_TOO_OLD = 4;
export const PROBE_EXIT_BUNDLE = 5;

/** The launcher script inside the extension. */
export function launcherPath(extensionPath: string): string {
  return path.join(extensionPath, 'bundled', 'tool', 'launch_server.py');
}

/** The last resort when neither the setting nor the Python extension names an interpreter.
 * On Windows `python3.exe` is often the Microsoft Store stub, so `python` is used there. */
export function defaultInterpreter(platform: string): string {
  return platform === 'win32' ? 'python' : 'python3';
}

export const MISSING_BUNDLE_NOTE =
  'The bundled server is missing from this build of the extension (vscode-extension/ci.sh builds it); ' +
  'using sandbox-lint from the Python environment instead.';

export function resolveLaunch(inputs: LaunchInputs): Launch {
  const workspaceFolder = inputs.trusted ? inputs.workspaceFolder : undefined;
  const variables: VariableContext = { workspaceFolder, home: inputs.home, env: inputs.env };
  const expand = (words: readonly string[]): string[] => words.map((word) => expandVariables(word, variables));
  const extraArgs = expand(inputs.args);
  const env = serverEnvironment(inputs.env);
  const explicit = expand(inputs.path);
  const [pathCommand, ...pathArgs] = explicit;
  if (pathCommand !== undefined) {
    return {
      command: pathCommand,
      args: [...pathArgs, ...extraArgs],
      env,
      cwd: workspaceFolder,
      kind: 'path',
      source: 'setting',
      python: explicit,
      notes: [],
    };
  }
  const { python, source } = choosePython(inputs, expand(inputs.interpreter));
  const notes: string[] = [];
  let kind: ImportStrategy = inputs.importStrategy;
  if (kind === 'useBundled' && !inputs.bundleAvailable) {
    kind = 'fromEnvironment';
    notes.push(MISSING_BUNDLE_NOTE);
  }
  const [command = defaultInterpreter(inputs.platform), ...leading] = python;
  // -I (isolated: no PYTHON* variables, no user site-packages) for the bundled server, whose
  // libraries are all in the bundle; from the environment, PYTHONPATH may be how it is set up.
  const launcher = [...leading, ...(kind === 'useBundled' ? ['-I'] : []), launcherPath(inputs.extensionPath)];
  const strategy = ['--import-strategy', kind];
  return {
    command,
    args: [...launcher, ...strategy, '--', ...extraArgs],
    env,
    cwd: workspaceFolder,
    kind,
    source,
    python: [command, ...leading],
    probe: { command, args: [...launcher, ...strategy, '--check'] },
    notes,
  };
}

function choosePython(inputs: LaunchInputs, configured: string[]): { python: string[]; source: InterpreterSource } {
  if (configured.length > 0) {
    return { python: configured, source: 'setting' };
  }
  const fromExtension = inputs.pythonExtensionInterpreter;
  if (inputs.trusted && fromExtension !== undefined && fromExtension !== '') {
    return { python: [fromExtension], source: 'python-extension' };
  }
  return { python: [defaultInterpreter(inputs.platform)], source: 'default' };
}

export type StartProblem = 'not-found' | 'no-server-package' | 'python-too-old' | 'bundle-unusable';

/** The probe's exit code -> what is wrong, or undefined when the code says nothing certain. */
export function probeProblem(exitCode: number | string | undefined | null): StartProblem | undefined {
  switch (exitCode) {
    case 'ENOENT':
      return 'not-found';
    case PROBE_EXIT_MISSING:
      return 'no-server-package';
    case PROBE_EXIT_TOO_OLD:
      return 'python-too-old';
    case PROBE_EXIT_BUNDLE:
      return 'bundle-unusable';
    default:
      return undefined;
  }
}

const SOURCE_NAMES: Record<InterpreterSource, string> = {
  setting: 'from "sandboxLint.interpreter"',
  'python-extension': "the Python extension's interpreter",
  default: 'the default, as neither "sandboxLint.interpreter" nor the Python extension names one',
};

/** What the user is told when the probe shows the server cannot start; `detail` is the
 * launcher's own one-line reason, when it gave one. */
export function startProblemMessage(launch: Launch, problem: StartProblem, detail = ''): string {
  const [command = '', ...leading] = launch.python;
  const where = `"${formatCommandLine(command, leading)}" (${SOURCE_NAMES[launch.source]})`;
  const reason = detail.trim().replace(/^sandbox-lint: /, '');
  const because = reason === '' ? '' : ` (${reason})`;
  const prefix = 'Sandbox Lint cannot start its server:';
  const bundled = launch.kind === 'useBundled';
  switch (problem) {
    case 'not-found':
      return bundled
        ? `${prefix} ${where} was not found. Set "sandboxLint.interpreter" to a Python 3.10 or newer (the bundled server needs nothing installed in it).`
        : `${prefix} ${where} was not found. Set "sandboxLint.interpreter" to a Python that has sandbox-lint installed.`;
    case 'python-too-old':
      return `${prefix} ${where} is older than Python 3.10, the oldest the server runs on. Set "sandboxLint.interpreter" to Python 3.10 or newer.`;
    case 'bundle-unusable':
      return (
        `${prefix} ${where} cannot run the bundled server${because}. Set "sandboxLint.interpreter" to another ` +
        'Python 3.10 or newer, or "sandboxLint.importStrategy" to "fromEnvironment" with sandbox-lint installed there.'
      );
    case 'no-server-package':
      return (
        `${prefix} ${where} has no sandbox-lint installed (no module "${SERVER_MODULE}"). Install the sandbox-lint ` +
        'package there, set "sandboxLint.importStrategy" to "useBundled" to run the server that ships with the ' +
        'extension, or set "sandboxLint.interpreter" to a Python that has it.'
      );
  }
}

/** The extension host's environment, minus unset entries. No PYTHONSAFEPATH: the launcher
 * keeps the workspace off sys.path on every Python version. */
export function serverEnvironment(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[name] = value;
    }
  }
  return env;
}

export interface VariableContext {
  readonly workspaceFolder?: string;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Expands the variables VS Code users write in path settings: `${workspaceFolder}`,
 * `${userHome}`, `${env:NAME}` and a leading `~`. Unknown variables are left as written. */
export function expandVariables(value: string, context: VariableContext): string {
  const expanded = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === 'workspaceFolder') {
      return context.workspaceFolder ?? whole;
    }
    if (name === 'userHome') {
      return context.home;
    }
    if (name.startsWith('env:')) {
      return context.env[name.slice('env:'.length)] ?? '';
    }
    return whole;
  });
  if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
    return context.home + expanded.slice(1);
  }
  return expanded;
}

/** A copy-pasteable rendering of the command for the log (POSIX shell quoting). */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(quoteForShell).join(' ');
}

function quoteForShell(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) {
    return word;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
