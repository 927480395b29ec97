import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PkiAlgorithm } from '../../src-shared/contract/pki';
import { buildCertificate, generateKeyPair, randomSerial, type KeyPair } from './x509';

type Figures = Record<string, Record<string, number | string | null>>;

const run = promisify(execFile);
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function stats(samples: number[]): { p50: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    await fn();
    out.push(nowMs() - t0);
  }
  return out;
}

const OPENSSL_NEWKEY: Record<string, string[]> = {
  'rsa-2048': ['-newkey', 'rsa:2048'],
  'rsa-4096': ['-newkey', 'rsa:4096'],
  'ec-p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
};

const LEAF_EXT = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=DNS:node1.example,IP:10.0.0.1\n';

export interface PkiBenchOptions {
  /** Runs per algorithm (default 15), RSA-4096 excepted. */
  runs?: number;
  /** Runs for RSA-4096, whose key generation takes seconds (default 5). */
  rsa4096Runs?: number;
  /** The openssl binary (default "openssl" on PATH); the floor is skipped (null figures) when it cannot run. */
  openssl?: string;
}

/**
 * Issuance time (issue 8 figures): a fresh key pair plus a node certificate signed by a CA of the
 * same algorithm, through this library (in process), next to the floor of a bare openssl pair
 * doing the same work — `openssl req -new -newkey …` (key + CSR) then `openssl x509 -req` (signing
 * with the same extensions) — spawned, so process start-up is part of the floor; `spawn_ms` (an
 * `openssl version` run) says how much of it is start-up. ratio = console p50 / openssl p50.
 */
export async function pkiIssuanceBenchmarks(opts: PkiBenchOptions = {}): Promise<Figures> {
  const figures: Figures = {};
  const openssl = opts.openssl ?? 'openssl';
  const dir = mkdtempSync(join(tmpdir(), 'csm-pki-bench-'));
  try {
    let spawnMs: number | null = null;
    try {
      await run(openssl, ['version']);
      spawnMs = stats(await timed(5, () => run(openssl, ['version']))).p50;
    } catch {
      spawnMs = null;
    }
    writeFileSync(join(dir, 'leaf.ext'), LEAF_EXT);
    for (const alg of ['rsa-2048', 'rsa-4096', 'ec-p256'] as PkiAlgorithm[]) {
      const runs = alg === 'rsa-4096' ? (opts.rsa4096Runs ?? 5) : (opts.runs ?? 15);
      const ca: KeyPair = await generateKeyPair(alg);
      const now = new Date();
      const until = new Date(now.getTime() + 30 * 86_400_000);
      const caCert = buildCertificate({ kind: 'sub-ca', serial: randomSerial(), subject: { commonName: 'bench CA' }, notBefore: now, notAfter: until, publicKey: ca.publicKey, issuerKey: ca.privateKey, issuerCert: buildCertificate({ kind: 'root-ca', serial: randomSerial(), subject: { commonName: 'bench CA' }, notBefore: now, notAfter: until, publicKey: ca.publicKey, issuerKey: ca.privateKey }).der });
      const consoleKeygen: number[] = [];
      const consoleSign: number[] = [];
      const consoleTotal = await timed(runs, async () => {
        const t0 = nowMs();
        const leaf = await generateKeyPair(alg);
        const t1 = nowMs();
        buildCertificate({ kind: 'node', serial: randomSerial(), subject: { commonName: 'node1', organization: 'bench' }, sans: ['node1.example', '10.0.0.1'], notBefore: now, notAfter: until, publicKey: leaf.publicKey, issuerKey: ca.privateKey, issuerCert: caCert.der });
        consoleKeygen.push(t1 - t0);
        consoleSign.push(nowMs() - t1);
      });
      const c = stats(consoleTotal);
      const fig: Record<string, number | string | null> = {
        unit: 'ms',
        runs,
        console_p50: c.p50,
        console_p95: c.p95,
        console_keygen_p50: stats(consoleKeygen).p50,
        console_sign_p50: round(stats(consoleSign).p50, 2),
        openssl_p50: null,
        openssl_p95: null,
        openssl_spawn_ms: spawnMs,
        ratio: null,
      };
      if (spawnMs !== null) {
        const f = (n: string): string => join(dir, `${alg}-${n}`);
        await run(openssl, ['req', '-x509', ...OPENSSL_NEWKEY[alg]!, '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=bench CA', '-days', '30']);
        const floor = await timed(runs, async () => {
          await run(openssl, ['req', '-new', ...OPENSSL_NEWKEY[alg]!, '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/O=bench/CN=node1']);
          await run(openssl, ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', `0x${randomSerial().toString('hex')}`, '-days', '30', '-sha256', '-extfile', join(dir, 'leaf.ext'), '-out', f('leaf.pem')]);
        });
        const o = stats(floor);
        fig.openssl_p50 = o.p50;
        fig.openssl_p95 = o.p95;
        fig.ratio = o.p50 > 0 ? round(c.p50 / o.p50, 2) : null;
      }
      figures[`pki.issue.${alg}`] = fig;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
