import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { expandVariables, formatCommandLine, LaunchInputs, resolveLaunch, serverEnvironment } from '../launch';

const base: LaunchInputs = {
  interpreter: [],
  args: [],
  platform: 'linux',
  env: { PATH: '/usr/bin' },
  workspaceFolder: '/work/project',
  home: '/home/ada',
  trusted: true,
};

describe('resolveLaunch: which Python', () => {
  const cases: { name: string; inputs: Partial<LaunchInputs>; command: string; args: string[]; source: string }[] = [
    {
      name: 'the setting wins over the Python extension',
      inputs: { interpreter: ['/opt/py/bin/python'], pythonExtensionInterpreter: '/venv/bin/python' },
      command: '/opt/py/bin/python',
      args: ['-m', 'lsp'],
      source: 'setting',
    },
    {
      name: 'a multi-word setting keeps its leading arguments before -m lsp',
      inputs: { interpreter: ['uv', 'run', 'python'], args: ['--verbose'] },
      command: 'uv',
      args: ['run', 'python', '-m', 'lsp', '--verbose'],
      source: 'setting',
    },
    {
      name: "the Python extension's interpreter when the setting is empty",
      inputs: { pythonExtensionInterpreter: '/venv/bin/python' },
      command: '/venv/bin/python',
      args: ['-m', 'lsp'],
      source: 'python-extension',
    },
    {
      name: 'python3 when neither names one',
      inputs: {},
      command: 'python3',
      args: ['-m', 'lsp'],
      source: 'default',
    },
    {
      name: 'python on Windows, where python3 is often the Store stub',
      inputs: { platform: 'win32' },
      command: 'python',
      args: ['-m', 'lsp'],
      source: 'default',
    },
    {
      name: 'an empty Python extension answer is ignored',
      inputs: { pythonExtensionInterpreter: '' },
      command: 'python3',
      args: ['-m', 'lsp'],
      source: 'default',
    },
    {
      name: 'extra args follow -m lsp in order',
      inputs: { args: ['--tcp', '127.0.0.1:2087'] },
      command: 'python3',
      args: ['-m', 'lsp', '--tcp', '127.0.0.1:2087'],
      source: 'default',
    },
    {
      name: 'variables are expanded in the interpreter and the args',
      inputs: {
        interpreter: ['${workspaceFolder}/.venv/bin/python'],
        args: ['--config', '${workspaceFolder}/pyproject.toml'],
      },
      command: '/work/project/.venv/bin/python',
      args: ['-m', 'lsp', '--config', '/work/project/pyproject.toml'],
      source: 'setting',
    },
    {
      name: "Restricted Mode ignores the Python extension's (workspace-chosen) interpreter",
      inputs: { trusted: false, pythonExtensionInterpreter: '/work/project/.venv/bin/python' },
      command: 'python3',
      args: ['-m', 'lsp'],
      source: 'default',
    },
    {
      name: 'Restricted Mode does not expand ${workspaceFolder}',
      inputs: { trusted: false, interpreter: ['${workspaceFolder}/.venv/bin/python'] },
      command: '${workspaceFolder}/.venv/bin/python',
      args: ['-m', 'lsp'],
      source: 'setting',
    },
  ];

  for (const { name, inputs, command, args, source } of cases) {
    it(name, () => {
      const launch = resolveLaunch({ ...base, ...inputs });
      assert.deepEqual(
        { command: launch.command, args: launch.args, source: launch.source },
        { command, args, source },
      );
    });
  }
});

describe('resolveLaunch: where and with what environment', () => {
  it('runs in the workspace folder', () => {
    assert.equal(resolveLaunch(base).cwd, '/work/project');
  });

  it('runs without a folder when none is open', () => {
    assert.equal(resolveLaunch({ ...base, workspaceFolder: undefined }).cwd, undefined);
  });

  it('does not run in an untrusted workspace folder', () => {
    assert.equal(resolveLaunch({ ...base, trusted: false }).cwd, undefined);
  });

  it('inherits the environment and sets PYTHONSAFEPATH', () => {
    assert.deepEqual(resolveLaunch(base).env, { PATH: '/usr/bin', PYTHONSAFEPATH: '1' });
  });
});

describe('serverEnvironment', () => {
  it('drops unset variables and overrides PYTHONSAFEPATH', () => {
    assert.deepEqual(serverEnvironment({ HOME: '/home/ada', UNSET: undefined, PYTHONSAFEPATH: '' }), {
      HOME: '/home/ada',
      PYTHONSAFEPATH: '1',
    });
  });

  it('does not modify its argument', () => {
    const env = { PATH: '/bin' };
    serverEnvironment(env);
    assert.deepEqual(env, { PATH: '/bin' });
  });
});

describe('expandVariables', () => {
  const context = { workspaceFolder: '/work/project', home: '/home/ada', env: { VENV: '/opt/venv' } };
  const cases: [string, string][] = [
    ['python3', 'python3'],
    ['${workspaceFolder}/.venv/bin/python', '/work/project/.venv/bin/python'],
    ['${userHome}/py/bin/python', '/home/ada/py/bin/python'],
    ['${env:VENV}/bin/python', '/opt/venv/bin/python'],
    ['${env:MISSING}/bin/python', '/bin/python'],
    ['~/py/bin/python', '/home/ada/py/bin/python'],
    ['~', '/home/ada'],
    ['~ada/bin/python', '~ada/bin/python'],
    ['/opt/~/python', '/opt/~/python'],
    ['${unknown}/python', '${unknown}/python'],
    ['${workspaceFolder}:${workspaceFolder}', '/work/project:/work/project'],
  ];
  for (const [input, output] of cases) {
    it(`${input} -> ${output}`, () => {
      assert.equal(expandVariables(input, context), output);
    });
  }

  it('leaves ${workspaceFolder} when no folder is open', () => {
    assert.equal(expandVariables('${workspaceFolder}/x', { ...context, workspaceFolder: undefined }), '${workspaceFolder}/x');
  });
});

describe('formatCommandLine', () => {
  const cases: [string, string[], string][] = [
    ['python3', ['-m', 'lsp'], 'python3 -m lsp'],
    ['/My Python/python', ['-m', 'lsp'], "'/My Python/python' -m lsp"],
    ['python3', ['-m', 'lsp', "it's"], "python3 -m lsp 'it'\\''s'"],
    ['python3', [''], "python3 ''"],
    ['python3', ['--tcp', '127.0.0.1:2087'], 'python3 --tcp 127.0.0.1:2087'],
  ];
  for (const [command, args, expected] of cases) {
    it(expected, () => {
      assert.equal(formatCommandLine(command, args), expected);
    });
  }
});
