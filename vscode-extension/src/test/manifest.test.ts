// package.json is the other half of the settings contract: what VS Code shows and
// validates must match what settings.ts reads and what extension.ts registers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { IMPORT_STRATEGIES } from '../launch';
import { NOTIFICATION_SETTINGS } from '../notifications';
import { DEFAULTS, SETTINGS_SECTION, SEVERITY_LEVELS } from '../settings';

const root = path.resolve(__dirname, '..', '..');

interface Property {
  type: string;
  default: unknown;
  enum?: string[];
  items?: { type: string };
  additionalProperties?: { type: string; enum: string[] };
}

interface Manifest {
  main: string;
  icon: string;
  repository: { type: string; url: string };
  engines: { vscode: string };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, Property> };
  };
}

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

describe('package.json settings', () => {
  it('declares exactly the settings the extension reads, plus trace.server', () => {
    const declared = Object.keys(properties).sort();
    const read = [...Object.keys(DEFAULTS).map((key) => `${SETTINGS_SECTION}.${key}`), 'sandboxLint.trace.server'].sort();
    assert.deepEqual(declared, read);
  });

  for (const [key, value] of Object.entries(DEFAULTS)) {
    it(`sandboxLint.${key} has the same default as settings.ts`, () => {
      assert.deepEqual(properties[`${SETTINGS_SECTION}.${key}`]?.default, value);
    });
  }

  it('offers the same severity levels as settings.ts accepts', () => {
    assert.deepEqual(properties['sandboxLint.severity']?.additionalProperties?.enum, [...SEVERITY_LEVELS]);
  });

  it('offers the import strategies and notification levels the code knows', () => {
    assert.deepEqual(properties['sandboxLint.importStrategy']?.enum, [...IMPORT_STRATEGIES]);
    assert.deepEqual(properties['sandboxLint.showNotifications']?.enum, [...NOTIFICATION_SETTINGS]);
  });

  for (const key of ['select', 'ignore', 'args', 'interpreter', 'path']) {
    it(`sandboxLint.${key} is a list of strings`, () => {
      assert.equal(properties[`sandboxLint.${key}`]?.type, 'array');
      assert.equal(properties[`sandboxLint.${key}`]?.items?.type, 'string');
    });
  }

  it('keeps the launch settings out of untrusted workspaces', () => {
    const { supported, restrictedConfigurations } = manifest.capabilities.untrustedWorkspaces;
    assert.equal(supported, 'limited');
    assert.deepEqual(restrictedConfigurations.sort(), [
      'sandboxLint.args',
      'sandboxLint.importStrategy',
      'sandboxLint.interpreter',
      'sandboxLint.path',
    ]);
  });
});

describe('package.json commands and entry point', () => {
  const compiled = readFileSync(path.join(root, 'out', 'extension.js'), 'utf8');

  it('declares every command the extension registers, under "Sandbox Lint"', () => {
    const registered = [...compiled.matchAll(/registerCommand\(["']([^"']+)["']/g)].map((match) => match[1]).sort();
    const declared = manifest.contributes.commands.map((command) => command.command).sort();
    assert.deepEqual(registered, ['sandboxLint.fixAll', 'sandboxLint.restart']);
    assert.deepEqual(declared, registered);
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'Sandbox Lint');
    }
  });

  it('shows the titles the issue asks for', () => {
    const titles = manifest.contributes.commands.map((command) => `${command.category}: ${command.title}`).sort();
    assert.deepEqual(titles, ['Sandbox Lint: Fix All', 'Sandbox Lint: Restart Server']);
  });

  it('points main at the bundle and activates on Python files and folders that hold them', () => {
    assert.equal(path.resolve(root, manifest.main), path.join(root, 'out', 'extension.js'));
    assert.deepEqual(manifest.activationEvents, ['onLanguage:python', 'workspaceContains:**/*.py']);
  });

  it('main is one esbuild bundle: it loads only vscode and Node built-ins, no node_modules', () => {
    const required = new Set([...compiled.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1] ?? ''));
    assert.ok(required.has('vscode'));
    const others = [...required].filter((name) => name !== 'vscode' && !builtinModules.includes(name.replace(/^node:/, '')));
    assert.deepEqual(others, []);
    assert.match(compiled, /sandboxLint\.restart/);
  });

  it('leaves node_modules and the sources out of the .vsix', () => {
    const ignored = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
    for (const pattern of ['node_modules/**', 'src/**', 'build/**', '**/*.map']) {
      assert.ok(ignored.includes(pattern), pattern);
    }
  });

  it('has a 128x128 PNG icon and a repository', () => {
    const icon = readFileSync(path.join(root, manifest.icon));
    assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(icon.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
    assert.equal(manifest.repository.url, 'https://github.com/sandbox-lint/sandbox-lint.git');
  });

  it('builds against the API of the oldest supported VS Code', () => {
    const engine = manifest.engines.vscode.replace(/^\^/, '');
    const types = manifest.devDependencies['@types/vscode']?.replace(/^[~^]/, '');
    assert.equal(types, engine);
  });
});

describe('pure modules', () => {
  for (const module of ['settings.js', 'launch.js', 'notifications.js', 'crashes.js']) {
    it(`${module} does not load vscode, so it runs under plain node`, () => {
      const source = readFileSync(path.join(root, 'build', module), 'utf8');
      assert.doesNotMatch(source, /require\("vscode"\)/);
    });
  }
});
