import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import {
  expandVariables,
  formatCommandLine,
  LaunchInputs,
  PROBE_EXIT_MISSING,
  resolveLaunch,
  serverEnvironment,
  startProblemMessage,
} from '../launch';

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

describe('resolveLaunch: the probe', () => {
  it('runs the same Python with -c instead of -m lsp', () => {
    const launch = resolveLaunch({ ...base, interpreter: ['uv', 'run', 'python'], args: ['--verbose'] });
    assert.equal(launch.probe.command, 'uv');
    assert.deepEqual(launch.probe.args.slice(0, 3), ['run', 'python', '-c']);
    assert.equal(launch.probe.args.length, 4);
    assert.deepEqual(launch.python, ['uv', 'run', 'python']);
  });
});

describe('startProblemMessage', () => {
  it('names the command, where it came from, and the setting to change', () => {
    const launch = resolveLaunch({ ...base, pythonExtensionInterpreter: '/venv/bin/python' });
    assert.equal(
      startProblemMessage(launch, 'no-server-package'),
      'Sandbox Lint cannot start its server: "/venv/bin/python" (the Python extension\'s interpreter) has no ' +
        'sandbox-lint installed (no module "lsp"). Install the sandbox-lint package there, or set ' +
        '"sandboxLint.interpreter" to a Python that has it.',
    );
  });

  it('says when the command does not exist', () => {
    const launch = resolveLaunch({ ...base, interpreter: ['/My Py/python', '-X', 'dev'] });
    assert.equal(
      startProblemMessage(launch, 'not-found'),
      'Sandbox Lint cannot start its server: "\'/My Py/python\' -X dev" (from "sandboxLint.interpreter") was not ' +
        'found. Set "sandboxLint.interpreter" to a Python that has sandbox-lint installed.',
    );
  });
});

// The probe's Python one-liner, run for real (skipped where no python3 is on PATH).
const python3 = spawnSync('python3', ['--version']).status === 0;

describe('the probe, run by python3', { skip: !python3 && 'python3 not on PATH' }, () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'sandbox-lint-probe-'));
  const withServer = path.join(folder, 'with-server');
  mkdirSync(path.join(withServer, 'lsp'), { recursive: true });
  writeFileSync(path.join(withServer, 'lsp', '__init__.py'), '');
  const empty = path.join(folder, 'empty');
  mkdirSync(empty);
  const shadowing = path.join(folder, 'workspace');
  mkdirSync(path.join(shadowing, 'lsp'), { recursive: true });
  writeFileSync(path.join(shadowing, 'lsp', '__init__.py'), '');
  after(() => rmSync(folder, { recursive: true, force: true }));

  function runProbe(pythonPath: string, workspaceFolder = empty): number | null {
    const launch = resolveLaunch({ ...base, env: { PATH: process.env.PATH, PYTHONPATH: pythonPath }, workspaceFolder });
    return spawnSync(launch.probe.command, [...launch.probe.args], { env: { ...launch.env }, cwd: launch.cwd }).status;
  }

  it('exits 0 when the lsp package is importable', () => {
    assert.equal(runProbe(withServer), 0);
  });

  it(`exits ${PROBE_EXIT_MISSING} when it is not`, () => {
    assert.equal(runProbe(empty), PROBE_EXIT_MISSING);
  });

  const version = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 11))'], { encoding: 'utf8' });
  it('does not take an lsp/ folder of the workspace for the server (Python 3.11+)', {
    skip: version.stdout.trim() !== 'True' && 'PYTHONSAFEPATH needs Python 3.11',
  }, () => {
    assert.equal(runProbe(empty, shadowing), PROBE_EXIT_MISSING);
  });
});
