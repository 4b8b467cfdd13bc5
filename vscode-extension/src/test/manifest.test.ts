// package.json is the other half of the settings contract: what VS Code shows and
// validates must match what settings.ts reads and what extension.ts registers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

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

  for (const key of ['select', 'ignore', 'args', 'interpreter']) {
    it(`sandboxLint.${key} is a list of strings`, () => {
      assert.equal(properties[`sandboxLint.${key}`]?.type, 'array');
      assert.equal(properties[`sandboxLint.${key}`]?.items?.type, 'string');
    });
  }

  it('keeps the launch settings out of untrusted workspaces', () => {
    const { supported, restrictedConfigurations } = manifest.capabilities.untrustedWorkspaces;
    assert.equal(supported, 'limited');
    assert.deepEqual(restrictedConfigurations.sort(), ['sandboxLint.args', 'sandboxLint.interpreter']);
  });
});

describe('package.json commands and entry point', () => {
  const compiled = readFileSync(path.join(root, 'out', 'extension.js'), 'utf8');

  it('declares every command the extension registers, under "Sandbox Lint"', () => {
    const registered = [...compiled.matchAll(/registerCommand\('([^']+)'/g)].map((match) => match[1]).sort();
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

  it('points main at the compiled extension and activates on Python files', () => {
    assert.equal(path.resolve(root, manifest.main), path.join(root, 'out', 'extension.js'));
    assert.deepEqual(manifest.activationEvents, ['onLanguage:python']);
  });

  it('builds against the API of the oldest supported VS Code', () => {
    const engine = manifest.engines.vscode.replace(/^\^/, '');
    const types = manifest.devDependencies['@types/vscode']?.replace(/^[~^]/, '');
    assert.equal(types, engine);
  });
});

describe('pure modules', () => {
  for (const module of ['settings.js', 'launch.js']) {
    it(`${module} does not load vscode, so it runs under plain node`, () => {
      const source = readFileSync(path.join(root, 'out', module), 'utf8');
      assert.doesNotMatch(source, /require\("vscode"\)/);
    });
  }
});
