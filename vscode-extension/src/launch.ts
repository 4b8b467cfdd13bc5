// Settings -> the process that runs the language server (`<python> -m lsp <args>`).
// No `vscode` import: this module is unit-tested with node:test.

/** The module the server is started from: `python -m lsp`. */
export const SERVER_MODULE = 'lsp';

/** Where the Python command came from, for the log and error messages. */
export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface LaunchInputs {
  /** `sandboxLint.interpreter`: command and leading arguments, e.g. ["uv", "run", "python"]. */
  readonly interpreter: readonly string[];
  /** `sandboxLint.args`: extra arguments after `-m lsp`. */
  readonly args: readonly string[];
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
  readonly source: InterpreterSource;
  /** The words that run Python: the command and its leading arguments. */
  readonly python: readonly string[];
  /** Same Python, same environment, but only asks whether the server's package is importable:
   * exit 0 yes, PROBE_EXIT_MISSING no. Lets the extension say what is wrong before starting. */
  readonly probe: { readonly command: string; readonly args: readonly string[] };
}

/** The probe's exit status when the interpreter runs but has no `lsp` package. */
export const PROBE_EXIT_MISSING = 3;

const PROBE_SCRIPT = `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("${SERVER_MODULE}") else ${PROBE_EXIT_MISSING})`;

/** The last resort when neither the setting nor the Python extension names an interpreter.
 * On Windows `python3.exe` is often the Microsoft Store stub, so `python` is used there. */
export function defaultInterpreter(platform: string): string {
  return platform === 'win32' ? 'python' : 'python3';
}

export function resolveLaunch(inputs: LaunchInputs): Launch {
  const workspaceFolder = inputs.trusted ? inputs.workspaceFolder : undefined;
  const variables: VariableContext = {
    workspaceFolder,
    home: inputs.home,
    env: inputs.env,
  };
  const configured = inputs.interpreter.map((part) => expandVariables(part, variables));
  let python: string[];
  let source: InterpreterSource;
  if (configured.length > 0) {
    python = configured;
    source = 'setting';
  } else if (inputs.trusted && inputs.pythonExtensionInterpreter !== undefined && inputs.pythonExtensionInterpreter !== '') {
    python = [inputs.pythonExtensionInterpreter];
    source = 'python-extension';
  } else {
    python = [defaultInterpreter(inputs.platform)];
    source = 'default';
  }
  const [command = defaultInterpreter(inputs.platform), ...leading] = python;
  return {
    command,
    args: [...leading, '-m', SERVER_MODULE, ...inputs.args.map((arg) => expandVariables(arg, variables))],
    env: serverEnvironment(inputs.env),
    cwd: workspaceFolder,
    source,
    python: [command, ...leading],
    probe: { command, args: [...leading, '-c', PROBE_SCRIPT] },
  };
}

export type StartProblem = 'not-found' | 'no-server-package';

const SOURCE_NAMES: Record<InterpreterSource, string> = {
  setting: 'from "sandboxLint.interpreter"',
  'python-extension': "the Python extension's interpreter",
  default: 'the default, as neither "sandboxLint.interpreter" nor the Python extension names one',
};

/** What the user is told when the probe shows the server cannot start. */
export function startProblemMessage(launch: Launch, problem: StartProblem): string {
  const [command = '', ...leading] = launch.python;
  const where = `"${formatCommandLine(command, leading)}" (${SOURCE_NAMES[launch.source]})`;
  if (problem === 'not-found') {
    return `Sandbox Lint cannot start its server: ${where} was not found. Set "sandboxLint.interpreter" to a Python that has sandbox-lint installed.`;
  }
  return `Sandbox Lint cannot start its server: ${where} has no sandbox-lint installed (no module "${SERVER_MODULE}"). Install the sandbox-lint package there, or set "sandboxLint.interpreter" to a Python that has it.`;
}

/** The extension host's environment, minus unset entries, plus PYTHONSAFEPATH so that a
 * workspace folder named `lsp/` (the server runs in the workspace folder) cannot shadow the
 * server's own package when `-m lsp` is resolved (Python 3.11+; older versions ignore it). */
export function serverEnvironment(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[name] = value;
    }
  }
  env.PYTHONSAFEPATH = '1';
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
