// VS Code settings (`sandboxLint.*`) -> the settings the server receives.
// No `vscode` import: this module is unit-tested with node:test.
import { IMPORT_STRATEGIES, ImportStrategy } from './launch';
import { NOTIFICATION_SETTINGS, NotificationSetting } from './notifications';

/** The section name the server asks for in `workspace/configuration`. */
export const SERVER_SECTION = 'sandbox-lint';

/** The VS Code settings prefix declared in package.json. */
export const SETTINGS_SECTION = 'sandboxLint';

export const SEVERITY_LEVELS = ['error', 'warning', 'information', 'hint'] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/** What the server receives: as `initializationOptions`, as the answer to
 * `workspace/configuration` for section `sandbox-lint`, and inside
 * `workspace/didChangeConfiguration` as `{ settings: { "sandbox-lint": ... } }`. */
export interface ServerSettings {
  readonly enable: boolean;
  /** Rule code or code prefix ("SBX103", "SBX2") -> severity shown in the editor. */
  readonly severity: Readonly<Record<string, SeverityLevel>>;
  readonly select: readonly string[];
  readonly ignore: readonly string[];
}

/** Every `sandboxLint.*` setting the extension reads, after validation. */
export interface ExtensionSettings extends ServerSettings {
  /** Extra arguments for the server's command line (the client's business, never sent). */
  readonly args: readonly string[];
  /** Command (and leading arguments) that runs Python; empty = find one. */
  readonly interpreter: readonly string[];
  /** The bundled server (default) or the one installed with the interpreter. */
  readonly importStrategy: ImportStrategy;
  /** A command that starts the server itself; wins over the two above. Empty = unset. */
  readonly path: readonly string[];
  /** Which messages pop up (all of them are logged to the output anyway). */
  readonly showNotifications: NotificationSetting;
}

/** The keys read under `sandboxLint.`, each with its default (mirrors package.json). */
export const DEFAULTS: ExtensionSettings = {
  enable: true,
  severity: {},
  select: [],
  ignore: [],
  args: [],
  interpreter: [],
  importStrategy: 'useBundled',
  path: [],
  showNotifications: 'onError',
};

/** Reads one setting by its key under `sandboxLint.`, as `WorkspaceConfiguration.get` does. */
export type SettingReader = (key: keyof ExtensionSettings) => unknown;

export interface ReadResult {
  readonly settings: ExtensionSettings;
  /** Human-readable reasons why (part of) a value was ignored. */
  readonly problems: readonly string[];
}

/** Validates raw setting values; invalid parts fall back to defaults and are reported. */
export function readSettings(read: SettingReader): ReadResult {
  const problems: string[] = [];
  const settings: ExtensionSettings = {
    enable: readBoolean(read('enable'), 'enable', DEFAULTS.enable, problems),
    severity: readSeverity(read('severity'), problems),
    select: readStringList(read('select'), 'select', problems),
    ignore: readStringList(read('ignore'), 'ignore', problems),
    args: readStringList(read('args'), 'args', problems),
    interpreter: readStringList(read('interpreter'), 'interpreter', problems),
    importStrategy: readChoice(read('importStrategy'), 'importStrategy', IMPORT_STRATEGIES, DEFAULTS.importStrategy, problems),
    path: readStringList(read('path'), 'path', problems),
    showNotifications: readChoice(
      read('showNotifications'),
      'showNotifications',
      NOTIFICATION_SETTINGS,
      DEFAULTS.showNotifications,
      problems,
    ),
  };
  return { settings, problems };
}

/** The part of the settings the server cares about (the interpreter is the client's business);
 * a fresh plain JSON object, as `initializationOptions` and configuration answers need. */
export function toServerSettings(settings: ExtensionSettings): ServerSettings {
  return {
    enable: settings.enable,
    severity: { ...settings.severity },
    select: [...settings.select],
    ignore: [...settings.ignore],
  };
}

/** The server process must be restarted when the command that launches it changes. */
export function launchSettingsChanged(before: ExtensionSettings, after: ExtensionSettings): boolean {
  return (
    !sameList(before.interpreter, after.interpreter) ||
    !sameList(before.args, after.args) ||
    !sameList(before.path, after.path) ||
    before.importStrategy !== after.importStrategy
  );
}

function readChoice<T extends string>(
  value: unknown,
  key: string,
  choices: readonly T[],
  fallback: T,
  problems: string[],
): T {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) {
    return value as T;
  }
  problems.push(`sandboxLint.${key} must be one of ${choices.join(', ')}, got ${describe(value)}`);
  return fallback;
}

function readBoolean(value: unknown, key: string, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  problems.push(`sandboxLint.${key} must be true or false, got ${describe(value)}`);
  return fallback;
}

function readStringList(value: unknown, key: string, problems: string[]): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  // A lone string is a common slip for a one-element list ("interpreter": "/usr/bin/python3").
  const items: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (!Array.isArray(value) && typeof value !== 'string') {
    problems.push(`sandboxLint.${key} must be a list of strings, got ${describe(value)}`);
  }
  const result: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      problems.push(`sandboxLint.${key}: ignored ${describe(item)}, expected a string`);
    } else if (item.trim() !== '') {
      result.push(key === 'interpreter' || key === 'args' || key === 'path' ? item : item.trim());
    }
  }
  return result;
}

function readSeverity(value: unknown, problems: string[]): Record<string, SeverityLevel> {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`sandboxLint.severity must be an object of code -> level, got ${describe(value)}`);
    return {};
  }
  const result: Record<string, SeverityLevel> = {};
  for (const [code, level] of Object.entries(value as Record<string, unknown>)) {
    const key = code.trim();
    if (key === '') {
      problems.push('sandboxLint.severity: ignored an empty code');
    } else if (isSeverityLevel(level)) {
      result[key] = level;
    } else {
      problems.push(
        `sandboxLint.severity: ignored ${key} = ${describe(level)}, expected one of ${SEVERITY_LEVELS.join(', ')}`,
      );
    }
  }
  return result;
}

function isSeverityLevel(value: unknown): value is SeverityLevel {
  return typeof value === 'string' && (SEVERITY_LEVELS as readonly string[]).includes(value);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
