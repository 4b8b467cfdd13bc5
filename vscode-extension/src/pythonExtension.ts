// The active interpreter of the Python extension (ms-python.python), when it is installed.
// Only the few members used here are declared, so the extension works without it.
import { Disposable, Event, extensions, Uri } from 'vscode';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable: { readonly uri: Uri | undefined };
}

interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
  readonly onDidChangeActiveEnvironmentPath: Event<unknown>;
}

interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: PythonEnvironments;
}

export type InterpreterLookup =
  | { readonly found: true; readonly path: string }
  | { readonly found: false; readonly reason: string };

async function environmentsApi(): Promise<PythonEnvironments | string> {
  const extension = extensions.getExtension<PythonExtensionApi | undefined>(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return 'the Python extension is not installed';
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api?.ready;
    if (api?.environments === undefined) {
      return 'the Python extension has no environments API (too old?)';
    }
    return api.environments;
  } catch (error) {
    return `the Python extension failed to activate: ${String(error)}`;
  }
}

/** The executable of the Python extension's active environment for `resource`. */
export async function activeInterpreter(resource: Uri | undefined): Promise<InterpreterLookup> {
  const environments = await environmentsApi();
  if (typeof environments === 'string') {
    return { found: false, reason: environments };
  }
  try {
    const environmentPath = environments.getActiveEnvironmentPath(resource);
    const resolved = await environments.resolveEnvironment(environmentPath);
    const executable = resolved?.executable.uri?.fsPath;
    if (executable === undefined || executable === '') {
      return { found: false, reason: `the Python extension could not resolve ${environmentPath.path}` };
    }
    return { found: true, path: executable };
  } catch (error) {
    return { found: false, reason: `the Python extension failed to report an interpreter: ${String(error)}` };
  }
}

/** Calls `listener` whenever the user picks another interpreter in the Python extension. */
export async function onDidChangeActiveInterpreter(listener: () => void): Promise<Disposable | undefined> {
  const environments = await environmentsApi();
  if (typeof environments === 'string') {
    return undefined;
  }
  return environments.onDidChangeActiveEnvironmentPath(() => listener());
}
