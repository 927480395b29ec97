import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// electron-builder's own loader and validator (app-builder-lib 26, the scheme.json it ships),
// so a key it does not know fails here, not on a packaging machine.
const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const yaml = require('js-yaml') as { load(text: string): unknown };
const builderConfig = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: Record<string, unknown>, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

type Config = {
  appId: string;
  productName: string;
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  publish: unknown;
  files: string[];
  directories: { output: string; buildResources: string };
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
};
const raw = yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Config;

describe('electron-builder.yml', () => {
  it("passes electron-builder 26's own schema validation", async () => {
    const loaded = await builderConfig.getConfig(ROOT, null, null);
    expect(loaded['appId']).toBe(raw.appId); // it really loaded our file
    await expect(builderConfig.validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the validator really rejects a misspelled fuse (so the test above can fail)', async () => {
    const loaded = await builderConfig.getConfig(ROOT, null, null);
    const broken = { ...loaded, electronFuses: { ...(loaded['electronFuses'] as object), runAsNod: false } };
    await expect(builderConfig.validateConfiguration(broken, new DebugLogger(false))).rejects.toThrow(/configuration/i);
  });

  it('names the product and ships only the build output, in an asar with native modules unpacked and rebuilt', () => {
    expect(raw.productName).toBe('Cassandra Security Manager');
    expect(raw.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
    expect(raw.directories.output).toBe('release');
    expect(raw.files).toContain('dist/**');
    expect(raw.files).toContain('package.json');
    expect(raw.files.some((f) => /^(src-|test|scripts)/.test(f))).toBe(false);
    expect(raw.asar).toBe(true);
    expect(raw.asarUnpack).toContain('**/*.node');
    expect(raw.npmRebuild).toBe(true);
  });

  it('never auto-updates', () => {
    expect(raw.publish).toBeNull();
  });

  it('builds AppImage, deb and rpm on Linux, nsis on Windows, dmg on macOS', () => {
    expect(raw.linux.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(raw.win.target).toEqual(['nsis']);
    expect(raw.mac.target).toEqual(['dmg']);
  });

  it('flips every security fuse the console relies on', () => {
    expect(raw.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('points "main" in package.json at the bundle scripts/build.mjs writes', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/main.cjs');
    expect(readFileSync(path.join(ROOT, 'scripts/build.mjs'), 'utf8')).toContain("'dist/main/main.cjs'");
  });
});
