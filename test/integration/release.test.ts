import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/web-host';

/**
 * Issue 12 item 4: every build gets a CycloneDX SBOM of what ships and sha256 checksums of its
 * files. Runs the real script over the real build output (npm test builds before this tier).
 */
describe('release manifest: SBOM and checksums', () => {
  const out = mkdtempSync(join(tmpdir(), 'csm-release-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/release/manifest.mjs'), '--out', out], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { components: number; files: number; specVersion: string };
  };

  it('lists every production dependency at its locked version, and no dev tool', () => {
    const summary = run();
    const sbom = JSON.parse(readFileSync(join(out, 'sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; version: string } };
      components: { name: string; group?: string; version: string; purl: string; hashes?: { alg: string; content: string }[] }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(summary.specVersion).toBe(sbom.specVersion);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(sbom.metadata.component.name).toBe(pkg.name);
    expect(sbom.metadata.component.version).toBe(pkg.version);
    const byName = new Map(sbom.components.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c]));
    for (const dep of Object.keys(pkg.dependencies)) {
      const c = byName.get(dep);
      expect(c, `${dep} in the SBOM`).toBeDefined();
      expect(c!.version).toBe(lock.packages[`node_modules/${dep}`]!.version);
      expect(c!.purl.startsWith(`pkg:npm/${dep.replace(/^@/, '%40')}@${c!.version}`)).toBe(true);
    }
    for (const dev of ['vitest', 'electron', '@playwright/test', 'typescript', '@cyclonedx/cyclonedx-npm']) expect(byName.has(dev), `${dev} must not be in the SBOM`).toBe(false);
    expect(summary.components).toBe(sbom.components.length);
  });

  it('checksums every built file and the SBOM; sha256sum -c verifies them and catches a changed file', () => {
    const summary = run();
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.length).toBe(summary.files);
    const names = sums.map((l) => l.slice(66));
    expect(names).toContain('dist/main/main.cjs');
    expect(names).toContain('dist/cli/csm.cjs');
    expect(names.some((n) => n.startsWith('dist/renderer/'))).toBe(true);
    expect(names).toContain(relative(REPO_ROOT, join(out, 'sbom.cdx.json')));
    expect(execFileSync('sha256sum', ['-c', join(out, 'SHA256SUMS')], { cwd: REPO_ROOT, encoding: 'utf8' })).toMatch(/: OK/);

    // A changed SBOM (the one file here we may edit without touching the build) is caught.
    const sbomPath = join(out, 'sbom.cdx.json');
    const original = readFileSync(sbomPath);
    writeFileSync(sbomPath, Buffer.concat([original, Buffer.from(' ')]));
    try {
      const r = spawnSync('sha256sum', ['-c', '--quiet', join(out, 'SHA256SUMS')], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/sbom\.cdx\.json: FAILED/);
    } finally {
      writeFileSync(sbomPath, original);
    }
  });
});
