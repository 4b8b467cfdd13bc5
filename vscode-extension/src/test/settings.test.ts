import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULTS,
  ExtensionSettings,
  launchSettingsChanged,
  readSettings,
  SettingReader,
  toServerSettings,
} from '../settings';

function reader(values: Partial<Record<keyof ExtensionSettings, unknown>>): SettingReader {
  return (key) => values[key];
}

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepEqual(readSettings(reader({})), { settings: DEFAULTS, problems: [] });
  });

  it('keeps valid values', () => {
    const { settings, problems } = readSettings(
      reader({
        enable: false,
        severity: { SBX103: 'warning', SBX2: 'error' },
        select: ['SBX1', 'SBX2'],
        ignore: ['SBX110'],
        args: ['--log-level', 'debug'],
        interpreter: ['uv', 'run', 'python'],
        importStrategy: 'fromEnvironment',
        path: ['/opt/tools/bin/sandbox-lint', 'lsp'],
        showNotifications: 'always',
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      enable: false,
      severity: { SBX103: 'warning', SBX2: 'error' },
      select: ['SBX1', 'SBX2'],
      ignore: ['SBX110'],
      args: ['--log-level', 'debug'],
      interpreter: ['uv', 'run', 'python'],
      importStrategy: 'fromEnvironment',
      path: ['/opt/tools/bin/sandbox-lint', 'lsp'],
      showNotifications: 'always',
    });
  });

  const invalid: { name: string; values: Partial<Record<keyof ExtensionSettings, unknown>>; expected: Partial<ExtensionSettings>; problems: string[] }[] = [
    {
      name: 'a non-boolean enable falls back to true',
      values: { enable: 'no' },
      expected: { enable: true },
      problems: ['sandboxLint.enable must be true or false, got "no"'],
    },
    {
      name: 'an unknown severity level is dropped, the rest kept',
      values: { severity: { SBX101: 'fatal', SBX102: 'hint' } },
      expected: { severity: { SBX102: 'hint' } },
      problems: ['sandboxLint.severity: ignored SBX101 = "fatal", expected one of error, warning, information, hint'],
    },
    {
      name: 'a severity list is rejected whole',
      values: { severity: ['SBX101'] },
      expected: { severity: {} },
      problems: ['sandboxLint.severity must be an object of code -> level, got ["SBX101"]'],
    },
    {
      name: 'severity codes are trimmed and empty codes dropped',
      values: { severity: { ' SBX1 ': 'information', ' ': 'error' } },
      expected: { severity: { SBX1: 'information' } },
      problems: ['sandboxLint.severity: ignored an empty code'],
    },
    {
      name: 'non-string list items are dropped',
      values: { select: ['SBX1', 7, null] },
      expected: { select: ['SBX1'] },
      problems: ['sandboxLint.select: ignored 7, expected a string', 'sandboxLint.select: ignored null, expected a string'],
    },
    {
      name: 'a lone string is a one-element list',
      values: { interpreter: '/opt/py/bin/python', ignore: 'SBX110' },
      expected: { interpreter: ['/opt/py/bin/python'], ignore: ['SBX110'] },
      problems: [],
    },
    {
      name: 'codes are trimmed and blank entries dropped',
      values: { ignore: [' SBX110 ', '  '] },
      expected: { ignore: ['SBX110'] },
      problems: [],
    },
    {
      name: 'interpreter paths keep their spaces',
      values: { interpreter: ['/Applications/My Python/bin/python3 '] },
      expected: { interpreter: ['/Applications/My Python/bin/python3 '] },
      problems: [],
    },
    {
      name: 'an unknown import strategy falls back to the bundled server',
      values: { importStrategy: 'fromBundle' },
      expected: { importStrategy: 'useBundled' },
      problems: ['sandboxLint.importStrategy must be one of useBundled, fromEnvironment, got "fromBundle"'],
    },
    {
      name: 'an unknown notification level falls back to onError',
      values: { showNotifications: true },
      expected: { showNotifications: 'onError' },
      problems: ['sandboxLint.showNotifications must be one of off, onError, onWarning, always, got true'],
    },
    {
      name: 'a lone path string is a one-word command, spaces kept',
      values: { path: '/opt/My Tools/sandbox-lint-server ' },
      expected: { path: ['/opt/My Tools/sandbox-lint-server '] },
      problems: [],
    },
    {
      name: 'an object where a list belongs is rejected',
      values: { args: { verbose: true } },
      expected: { args: [] },
      problems: ['sandboxLint.args must be a list of strings, got {"verbose":true}'],
    },
  ];

  for (const { name, values, expected, problems } of invalid) {
    it(name, () => {
      const result = readSettings(reader(values));
      assert.deepEqual(result.settings, { ...DEFAULTS, ...expected });
      assert.deepEqual(result.problems, problems);
    });
  }
});

describe('toServerSettings', () => {
  const settings: ExtensionSettings = {
    enable: true,
    severity: { SBX103: 'hint' },
    select: ['SBX1'],
    ignore: ['SBX110'],
    args: ['--verbose'],
    interpreter: ['/usr/bin/python3'],
    importStrategy: 'fromEnvironment',
    path: [],
    showNotifications: 'off',
  };

  it('sends everything but how the client starts the server and what it shows', () => {
    assert.deepEqual(toServerSettings(settings), {
      enable: true,
      severity: { SBX103: 'hint' },
      select: ['SBX1'],
      ignore: ['SBX110'],
    });
  });

  it('is plain JSON that survives a round trip', () => {
    const sent = toServerSettings(settings);
    assert.deepEqual(JSON.parse(JSON.stringify(sent)), sent);
  });

  it('does not share arrays with the settings', () => {
    const sent = toServerSettings(settings);
    assert.notEqual(sent.select, settings.select);
    assert.notEqual(sent.severity, settings.severity);
  });
});

describe('launchSettingsChanged', () => {
  const cases: { name: string; change: Partial<ExtensionSettings>; restart: boolean }[] = [
    { name: 'nothing changed', change: {}, restart: false },
    { name: 'enable changed', change: { enable: false }, restart: false },
    { name: 'severity changed', change: { severity: { SBX1: 'hint' } }, restart: false },
    { name: 'select changed', change: { select: ['SBX2'] }, restart: false },
    { name: 'ignore changed', change: { ignore: ['SBX2'] }, restart: false },
    { name: 'interpreter set', change: { interpreter: ['/usr/bin/python3'] }, restart: true },
    { name: 'args changed', change: { args: ['--verbose'] }, restart: true },
    { name: 'path set', change: { path: ['sandbox-lint', 'lsp'] }, restart: true },
    { name: 'the import strategy changed', change: { importStrategy: 'fromEnvironment' }, restart: true },
    { name: 'showNotifications changed', change: { showNotifications: 'always' }, restart: false },
  ];
  for (const { name, change, restart } of cases) {
    it(`${restart ? 'restarts' : 'does not restart'} when ${name}`, () => {
      assert.equal(launchSettingsChanged(DEFAULTS, { ...DEFAULTS, ...change }), restart);
    });
  }

  it('sees a changed element, not only a changed length', () => {
    const before = { ...DEFAULTS, interpreter: ['/a/python', '-X', 'dev'] };
    const after = { ...DEFAULTS, interpreter: ['/b/python', '-X', 'dev'] };
    assert.equal(launchSettingsChanged(before, after), true);
  });
});
