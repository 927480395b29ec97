#!/usr/bin/env node
// `npm test`: every tier against real services, then one summary line "N passed, M failed".
// Starts the Cassandra node once for the whole run (and stops it if it started it), runs the
// tiers inside a private unlocked gnome-keyring on its own D-Bus session, and sums the
// runners' JSON reports.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cassandra from './cassandra/lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
const only = process.argv.slice(2); // e.g. `npm test -- unit integration`
const want = (tier) => only.length === 0 || only.includes(tier);

function run(label, cmd, args, env = {}) {
  process.stderr.write(`\n=== ${label}: ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

mkdirSync(results, { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = [];

// Static checks first: a boundary violation or a type error fails the run before any test.
for (const [label, args] of [
  ['typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['process boundaries', ['node', 'scripts/check-boundaries.mjs']],
]) {
  if (run(label, 'npx', args) !== 0) broken.push(label);
}

let startedCassandra = false;
const needCassandra = want('integration') || want('e2e');
if (needCassandra) {
  try {
    const st = await cassandra.status();
    if (!st.running) {
      process.stderr.write('\n=== starting the Cassandra test node (npm run cassandra:start)\n');
      await cassandra.start({});
      startedCassandra = true;
    }
  } catch (err) {
    // Say so and go on: the unit tier still runs and the summary line is still printed.
    process.stderr.write(`\nthe Cassandra test node did not start: ${err instanceof Error ? err.message : String(err)}\n`);
    broken.push('cassandra start');
  }
}

try {
  if (want('build') || want('e2e')) {
    if (run('build', 'node', ['scripts/build.mjs']) !== 0) broken.push('build');
  }
  const vitestProjects = ['unit', 'integration'].filter(want);
  if (vitestProjects.length) {
    const out = join(results, 'vitest.json');
    rmSync(out, { force: true });
    const args = ['vitest', 'run', '--config', 'test/vitest.config.ts', ...vitestProjects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
    const code = run(`vitest (${vitestProjects.join(', ')})`, 'bash', ['scripts/with-keyring.sh', 'npx', ...args]);
    const j = readJson(out);
    if (j) {
      passed += j.numPassedTests;
      failed += j.numFailedTests;
      skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
      // A file that failed before its tests ran (a beforeAll, an import) has no failed test to count.
      const silentFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'));
      failed += silentFiles.length;
    }
    if (!j || (code !== 0 && j.numFailedTests === 0 && j.numFailedTestSuites === 0)) broken.push('vitest');
  }
  if (want('e2e')) {
    const out = join(results, 'playwright.json');
    rmSync(out, { force: true });
    const code = run('e2e (Playwright, Chromium)', 'bash', ['scripts/with-keyring.sh', 'npx', 'playwright', 'test', '--config', 'test/e2e/playwright.config.ts'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: out,
    });
    const j = readJson(out);
    if (j?.stats) {
      passed += j.stats.expected + (j.stats.flaky ?? 0);
      failed += j.stats.unexpected;
      skipped += j.stats.skipped ?? 0;
    }
    if (!j || (code !== 0 && !(j.stats?.unexpected > 0))) broken.push('e2e');
  }
} finally {
  if (startedCassandra) {
    process.stderr.write('\n=== stopping the Cassandra test node\n');
    await cassandra.stop({});
  }
}

if (broken.length) process.stderr.write(`\nbroken steps: ${broken.join(', ')}\n`);
const total = failed + (broken.length ? broken.length : 0);
process.stdout.write(`\n${passed} passed, ${total} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(total === 0 && passed > 0 ? 0 : 1);
