import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import {
  expandVariables,
  formatCommandLine,
  Launch,
  LaunchInputs,
  launcherPath,
  MISSING_BUNDLE_NOTE,
  PROBE_EXIT_BUNDLE,
  PROBE_EXIT_MISSING,
  PROBE_EXIT_TOO_OLD,
  probeProblem,
  resolveLaunch,
  serverEnvironment,
  startProblemMessage,
} from '../launch';

const base: LaunchInputs = {
  interpreter: [],
  args: [],
  path: [],
  importStrategy: 'useBundled',
  extensionPath: '/ext',
  bundleAvailable: true,
  platform: 'linux',
  env: { PATH: '/usr/bin' },
  workspaceFolder: '/work/project',
  home: '/home/ada',
  trusted: true,
};
const LAUNCHER = '/ext/bundled/tool/launch_server.py';
const BUNDLED = ['-I', LAUNCHER, '--import-strategy', 'useBundled', '--'];
const FROM_ENVIRONMENT = [LAUNCHER, '--import-strategy', 'fromEnvironment', '--'];

describe('resolveLaunch: which Python', () => {
  const cases: { name: string; inputs: Partial<LaunchInputs>; command: string; args: string[]; source: string }[] = [
    {
      name: 'the setting wins over the Python extension',
      inputs: { interpreter: ['/opt/py/bin/python'], pythonExtensionInterpreter: '/venv/bin/python' },
      command: '/opt/py/bin/python',
      args: BUNDLED,
      source: 'setting',
    },
    {
      name: 'a multi-word setting keeps its leading arguments before the launcher',
      inputs: { interpreter: ['uv', 'run', 'python'], args: ['--verbose'] },
      command: 'uv',
      args: ['run', 'python', ...BUNDLED, '--verbose'],
      source: 'setting',
    },
    {
      name: "the Python extension's interpreter when the setting is empty",
      inputs: { pythonExtensionInterpreter: '/venv/bin/python' },
      command: '/venv/bin/python',
      args: BUNDLED,
      source: 'python-extension',
    },
    { name: 'python3 when neither names one', inputs: {}, command: 'python3', args: BUNDLED, source: 'default' },
    {
      name: 'python on Windows, where python3 is often the Store stub',
      inputs: { platform: 'win32' },
      command: 'python',
      args: BUNDLED,
      source: 'default',
    },
    {
      name: 'an empty Python extension answer is ignored',
      inputs: { pythonExtensionInterpreter: '' },
      command: 'python3',
      args: BUNDLED,
      source: 'default',
    },
    {
      name: 'extra args follow the launcher\'s --, in order',
      inputs: { args: ['--tcp', '127.0.0.1:2087'] },
      command: 'python3',
      args: [...BUNDLED, '--tcp', '127.0.0.1:2087'],
      source: 'default',
    },
    {
      name: 'variables are expanded in the interpreter and the args',
      inputs: {
        interpreter: ['${workspaceFolder}/.venv/bin/python'],
        args: ['--config', '${workspaceFolder}/pyproject.toml'],
      },
      command: '/work/project/.venv/bin/python',
      args: [...BUNDLED, '--config', '/work/project/pyproject.toml'],
      source: 'setting',
    },
    {
      name: "Restricted Mode ignores the Python extension's (workspace-chosen) interpreter",
      inputs: { trusted: false, pythonExtensionInterpreter: '/work/project/.venv/bin/python' },
      command: 'python3',
      args: BUNDLED,
      source: 'default',
    },
    {
      name: 'Restricted Mode does not expand ${workspaceFolder}',
      inputs: { trusted: false, interpreter: ['${workspaceFolder}/.venv/bin/python'] },
      command: '${workspaceFolder}/.venv/bin/python',
      args: BUNDLED,
      source: 'setting',
    },
  ];

  for (const { name, inputs, command, args, source } of cases) {
    it(name, () => {
      const launch = resolveLaunch({ ...base, ...inputs });
      assert.deepEqual(
        { command: launch.command, args: launch.args, source: launch.source, kind: launch.kind },
        { command, args, source, kind: 'useBundled' },
      );
    });
  }
});

describe('resolveLaunch: where the server comes from', () => {
  it('useBundled runs the launcher isolated (-I), with the bundle', () => {
    const launch = resolveLaunch(base);
    assert.equal(launch.kind, 'useBundled');
    assert.deepEqual(launch.args, BUNDLED);
    assert.deepEqual(launch.notes, []);
  });

  it('fromEnvironment runs the same launcher, not isolated, so PYTHONPATH still counts', () => {
    const launch = resolveLaunch({ ...base, importStrategy: 'fromEnvironment', args: ['-v'] });
    assert.equal(launch.kind, 'fromEnvironment');
    assert.deepEqual(launch.args, [...FROM_ENVIRONMENT, '-v']);
  });

  it('a build without the bundle falls back to the environment, and says so', () => {
    const launch = resolveLaunch({ ...base, bundleAvailable: false });
    assert.equal(launch.kind, 'fromEnvironment');
    assert.deepEqual(launch.args, FROM_ENVIRONMENT);
    assert.deepEqual(launch.notes, [MISSING_BUNDLE_NOTE]);
  });

  it('sandboxLint.path wins over the strategy and the interpreters, with args appended', () => {
    const launch = resolveLaunch({
      ...base,
      path: ['${userHome}/bin/sandbox-lint', 'lsp'],
      args: ['--verbose'],
      interpreter: ['/opt/py/bin/python'],
      pythonExtensionInterpreter: '/venv/bin/python',
      bundleAvailable: false,
    });
    assert.deepEqual(
      { command: launch.command, args: launch.args, kind: launch.kind, probe: launch.probe, notes: launch.notes },
      { command: '/home/ada/bin/sandbox-lint', args: ['lsp', '--verbose'], kind: 'path', probe: undefined, notes: [] },
    );
    assert.equal(launch.cwd, '/work/project');
  });

  it('the launcher lies in the extension\'s bundled/tool folder', () => {
    assert.equal(launcherPath('/ext'), LAUNCHER);
  });
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

  it('inherits the environment as it is (the launcher, not PYTHONSAFEPATH, guards sys.path)', () => {
    assert.deepEqual(resolveLaunch(base).env, { PATH: '/usr/bin' });
  });
});

describe('serverEnvironment', () => {
  it('drops unset variables', () => {
    assert.deepEqual(serverEnvironment({ HOME: '/home/ada', UNSET: undefined }), { HOME: '/home/ada' });
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
  it('runs the same Python and launcher with --check instead of the server arguments', () => {
    const launch = resolveLaunch({ ...base, interpreter: ['uv', 'run', 'python'], args: ['--verbose'] });
    assert.deepEqual(launch.probe, {
      command: 'uv',
      args: ['run', 'python', '-I', LAUNCHER, '--import-strategy', 'useBundled', '--check'],
    });
    assert.deepEqual(launch.python, ['uv', 'run', 'python']);
  });
});

describe('probeProblem', () => {
  const cases: [number | string | null, string | undefined][] = [
    ['ENOENT', 'not-found'],
    [PROBE_EXIT_MISSING, 'no-server-package'],
    [PROBE_EXIT_TOO_OLD, 'python-too-old'],
    [PROBE_EXIT_BUNDLE, 'bundle-unusable'],
    [1, undefined],
    ['ETIMEDOUT', undefined],
    [null, undefined],
  ];
  for (const [code, problem] of cases) {
    it(`${String(code)} -> ${String(problem)}`, () => {
      assert.equal(probeProblem(code), problem);
    });
  }
});

describe('startProblemMessage', () => {
  const fromExtension = resolveLaunch({ ...base, importStrategy: 'fromEnvironment', pythonExtensionInterpreter: '/venv/bin/python' });

  it('names the command, where it came from, and what to change', () => {
    assert.equal(
      startProblemMessage(fromExtension, 'no-server-package'),
      'Sandbox Lint cannot start its server: "/venv/bin/python" (the Python extension\'s interpreter) has no ' +
        'sandbox-lint installed (no module "lsp"). Install the sandbox-lint package there, set ' +
        '"sandboxLint.importStrategy" to "useBundled" to run the server that ships with the extension, or set ' +
        '"sandboxLint.interpreter" to a Python that has it.',
    );
  });

  it('says when the command does not exist, and that the bundled server needs nothing installed', () => {
    const launch = resolveLaunch({ ...base, interpreter: ['/My Py/python', '-X', 'dev'] });
    assert.equal(
      startProblemMessage(launch, 'not-found'),
      'Sandbox Lint cannot start its server: "\'/My Py/python\' -X dev" (from "sandboxLint.interpreter") was not ' +
        'found. Set "sandboxLint.interpreter" to a Python 3.10 or newer (the bundled server needs nothing installed in it).',
    );
  });

  it("passes on the launcher's reason for an unusable bundle", () => {
    const message = startProblemMessage(
      resolveLaunch(base),
      'bundle-unusable',
      'sandbox-lint: the bundled server has no libcst/native.cpython-39-x86_64-linux-gnu.so for Python 3.9\n',
    );
    assert.equal(
      message,
      'Sandbox Lint cannot start its server: "python3" (the default, as neither "sandboxLint.interpreter" nor the ' +
        'Python extension names one) cannot run the bundled server (the bundled server has no ' +
        'libcst/native.cpython-39-x86_64-linux-gnu.so for Python 3.9). Set "sandboxLint.interpreter" to another ' +
        'Python 3.10 or newer, or "sandboxLint.importStrategy" to "fromEnvironment" with sandbox-lint installed there.',
    );
  });

  it('says when Python is too old', () => {
    assert.match(startProblemMessage(resolveLaunch(base), 'python-too-old'), /is older than Python 3\.10/);
  });
});

// The launcher run for real by every Python 3 found here (python3 on PATH, and pyenv's, so
// Python 3.10 is covered where it is installed), against a fake extension folder: a bundle
// whose `lsp` only reports where it was imported from, and a workspace full of impostors.
function findPythons(): Map<string, string> {
  const found = new Map<string, string>();
  const pyenvRoot = process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
  const versions = path.join(pyenvRoot, 'versions');
  const candidates = ['python3'];
  if (existsSync(versions)) {
    for (const version of readdirSync(versions).sort()) {
      const minor = /^(3\.\d+)\.\d+$/.exec(version)?.[1];
      if (minor !== undefined) {
        candidates.push(path.join(versions, version, 'bin', `python${minor}`));
      }
    }
  }
  for (const candidate of candidates) {
    const result = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const version = result.status === 0 ? result.stdout.trim() : '';
    if (version !== '' && !found.has(version)) {
      found.set(version, candidate);
    }
  }
  return found;
}

const pythons = findPythons();
const REAL_LAUNCHER = path.resolve(__dirname, '..', '..', 'bundled', 'tool', 'launch_server.py');
const REPORT_MAIN = 'import json, sys\nprint(json.dumps({"main": __file__, "argv": sys.argv[1:]}))\n';

describe('the launcher, run by real Pythons', { skip: pythons.size === 0 && 'no python3 here' }, () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'sandbox-lint-launcher-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  /** A fake extension whose bundle has native modules for the given Pythons' EXT_SUFFIXes. */
  function fakeExtension(name: string, nativeFor: string[]): string {
    const extension = path.join(folder, name);
    const libs = path.join(extension, 'bundled', 'libs');
    mkdirSync(path.join(extension, 'bundled', 'tool'), { recursive: true });
    copyFileSync(REAL_LAUNCHER, launcherPath(extension));
    for (const pkg of ['lsp', 'sandbox_lint', 'libcst']) {
      mkdirSync(path.join(libs, pkg), { recursive: true });
      writeFileSync(path.join(libs, pkg, '__init__.py'), '');
    }
    writeFileSync(path.join(libs, 'lsp', '__main__.py'), REPORT_MAIN);
    writeFileSync(path.join(libs, 'lsp', 'server.py'), '');
    for (const python of nativeFor) {
      const suffix = spawnSync(python, ['-c', 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'], {
        encoding: 'utf8',
      }).stdout.trim();
      writeFileSync(path.join(libs, 'libcst', `native${suffix}`), '');
    }
    const manifest = { platform: 'test', pythons: ['3.10'], native_modules: ['libcst/native'] };
    writeFileSync(path.join(extension, 'bundled', 'bundle.json'), JSON.stringify(manifest));
    return extension;
  }

  // A workspace that would win if it were on sys.path: modules and a package of the server's names.
  const workspace = path.join(folder, 'workspace');
  mkdirSync(path.join(workspace, 'lsp'), { recursive: true });
  for (const module of ['lsp/__init__.py', 'lsp/__main__.py', 'lsp.py', 'sandbox_lint.py', 'runtime.py']) {
    writeFileSync(path.join(workspace, module), 'raise SystemExit("the workspace shadowed the server")\n');
  }
  // An environment with sandbox-lint "installed" (on PYTHONPATH), for fromEnvironment.
  const environment = path.join(folder, 'environment');
  for (const pkg of ['lsp', 'sandbox_lint']) {
    mkdirSync(path.join(environment, pkg), { recursive: true });
    writeFileSync(path.join(environment, pkg, '__init__.py'), '');
  }
  writeFileSync(path.join(environment, 'lsp', '__main__.py'), REPORT_MAIN);
  writeFileSync(path.join(environment, 'lsp', 'server.py'), '');

  const supported = [...pythons].filter(([version]) => Number(version.split('.')[1]) >= 10);
  const extension = fakeExtension('extension', supported.map(([, python]) => python));

  function run(launch: Launch, which: 'probe' | 'server'): { status: number | null; stdout: string; stderr: string } {
    const [command, args] = which === 'probe' && launch.probe ? [launch.probe.command, launch.probe.args] : [launch.command, launch.args];
    return spawnSync(command, [...args], { env: { ...launch.env }, cwd: launch.cwd, encoding: 'utf8' });
  }

  function inputs(python: string, overrides: Partial<LaunchInputs>): LaunchInputs {
    return {
      ...base,
      interpreter: [python],
      extensionPath: extension,
      workspaceFolder: workspace,
      env: { PATH: process.env.PATH },
      ...overrides,
    };
  }

  for (const [version, python] of supported) {
    describe(`Python ${version}`, () => {
      it('useBundled: the probe passes and the server runs from the bundle, not the workspace', () => {
        const launch = resolveLaunch(inputs(python, { args: ['--verbose'] }));
        assert.equal(run(launch, 'probe').status, 0);
        const server = run(launch, 'server');
        assert.equal(server.status, 0, server.stderr);
        const report = JSON.parse(server.stdout) as { main: string; argv: string[] };
        assert.equal(report.main, path.join(extension, 'bundled', 'libs', 'lsp', '__main__.py'));
        assert.deepEqual(report.argv, ['--verbose']);
      });

      it('useBundled ignores PYTHONPATH, even one that names the workspace', () => {
        const launch = resolveLaunch(inputs(python, { env: { PATH: process.env.PATH, PYTHONPATH: workspace } }));
        const server = run(launch, 'server');
        assert.equal(server.status, 0, server.stderr);
        assert.match(server.stdout, /bundled/);
      });

      it('fromEnvironment: the environment\'s server runs; the workspace is never imported', () => {
        const env = { PATH: process.env.PATH, PYTHONPATH: `${environment}${path.delimiter}` }; // the trailing empty entry means "."
        const launch = resolveLaunch(inputs(python, { importStrategy: 'fromEnvironment', env }));
        assert.equal(run(launch, 'probe').status, 0);
        const server = run(launch, 'server');
        assert.equal(server.status, 0, server.stderr);
        assert.equal((JSON.parse(server.stdout) as { main: string }).main, path.join(environment, 'lsp', '__main__.py'));
      });

      it(`fromEnvironment without sandbox-lint: exit ${PROBE_EXIT_MISSING}, though the workspace has an lsp`, () => {
        const launch = resolveLaunch(inputs(python, { importStrategy: 'fromEnvironment' }));
        const probe = run(launch, 'probe');
        assert.equal(probe.status, PROBE_EXIT_MISSING);
        assert.match(probe.stderr, /has no sandbox-lint installed \(no module 'lsp'\)/);
        assert.equal(run(launch, 'server').status, PROBE_EXIT_MISSING);
      });

      it(`useBundled with a bundle built for other Pythons: exit ${PROBE_EXIT_BUNDLE}, with the reason`, () => {
        const other = fakeExtension(`other-${version}`, []);
        const probe = run(resolveLaunch(inputs(python, { extensionPath: other })), 'probe');
        assert.equal(probe.status, PROBE_EXIT_BUNDLE);
        assert.match(probe.stderr, new RegExp(`has no libcst/native\\S+ for Python ${version.replace('.', '\\.')}`));
      });
    });
  }

  const old = [...pythons].filter(([version]) => Number(version.split('.')[1]) < 10);
  for (const [version, python] of old) {
    it(`Python ${version} is refused as too old (exit ${PROBE_EXIT_TOO_OLD})`, () => {
      const probe = run(resolveLaunch(inputs(python, {})), 'probe');
      assert.equal(probe.status, PROBE_EXIT_TOO_OLD);
      assert.match(probe.stderr, /is too old: the sandbox-lint server needs Python 3\.10 or newer/);
    });
  }

  it('covers Python 3.10, where PYTHONSAFEPATH does not exist', { skip: !pythons.has('3.10') && 'no Python 3.10 here' }, () => {
    // The old guard, for contrast: `python3.10 -m lsp` with PYTHONSAFEPATH=1 imports the workspace's lsp.
    const naive = spawnSync(pythons.get('3.10') ?? '', ['-m', 'lsp'], {
      cwd: workspace,
      env: { PATH: process.env.PATH, PYTHONSAFEPATH: '1', PYTHONPATH: environment },
      encoding: 'utf8',
    });
    assert.match(naive.stderr, /the workspace shadowed the server/);
  });
});
