// Settings -> the process that runs the language server (`<python> -m lsp <args>`).
// No `vscode` import: this module is unit-tested with node:test.

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
}

/** The module the server is started from: `python -m lsp`. */
export const SERVER_MODULE = 'lsp';

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
  };
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
