import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { PkiAlgorithm } from '../../../src-shared/contract/pki';
import { AppError } from '../../../src-main/app/errors';
import { buildCertificate, generateKeyPair, randomSerial, type KeyPair } from '../../../src-main/pki/x509';

// Key generation (RSA-4096 above all), openssl/keytool processes and the fuzz loops take seconds on
// a loaded 2-core machine: generous limits so slowness is never a failure (nothing here asserts time).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

/** A scratch directory for files openssl/keytool read; `cleanup()` in afterAll. */
export function scratch(): { dir: string; path: (name: string) => string; write: (name: string, data: string | Buffer) => string; read: (name: string) => Buffer; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'csm-pki-test-'));
  return {
    dir,
    path: (name) => join(dir, name),
    write: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    read: (name) => readFileSync(join(dir, name)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool (openssl, keytool) and returns its exit status and output; never throws on failure. */
export function tool(cmd: string, args: string[], input?: string | Buffer): Ran {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a tool and fails the test (showing its stderr) unless it exits 0. */
export function ok(cmd: string, args: string[], input?: string | Buffer): string {
  const r = tool(cmd, args, input);
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout + r.stderr;
}

export const openssl = (...args: string[]): string => ok('openssl', args);

/** Asserts `fn` throws AppError BAD_INPUT (optionally with a message matching `msg`). */
export function expectBadInput(fn: () => unknown, msg?: RegExp): AppError {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a BAD_INPUT AppError, nothing was thrown').not.toBeNull();
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code, (caught as Error).message).toBe('BAD_INPUT');
  if (msg) expect((caught as AppError).message).toMatch(msg);
  return caught as AppError;
}

export interface Chain {
  alg: PkiAlgorithm;
  root: { keys: KeyPair; der: Buffer; pem: string };
  sub: { keys: KeyPair; der: Buffer; pem: string };
  client: { keys: KeyPair; der: Buffer; pem: string; serial: Buffer };
  node: { keys: KeyPair; der: Buffer; pem: string; serial: Buffer };
}

const DAY = 86_400_000;

/** A platform root → tenant sub-CA → client and node certificates, all of one algorithm. */
export async function makeChain(alg: PkiAlgorithm, tenant = 'acme_0000test'): Promise<Chain> {
  const [rootKeys, subKeys, leafKeys] = await Promise.all([generateKeyPair(alg), generateKeyPair(alg), generateKeyPair(alg)]);
  const now = new Date(Date.now() - 60_000);
  const root = buildCertificate({ kind: 'root-ca', serial: randomSerial(), subject: { commonName: 'CSM platform root', organization: 'csm' }, notBefore: now, notAfter: new Date(now.getTime() + 3650 * DAY), publicKey: rootKeys.publicKey, issuerKey: rootKeys.privateKey });
  const sub = buildCertificate({ kind: 'sub-ca', serial: randomSerial(), subject: { commonName: `${tenant} CA`, organization: tenant }, notBefore: now, notAfter: new Date(now.getTime() + 1825 * DAY), publicKey: subKeys.publicKey, issuerKey: rootKeys.privateKey, issuerCert: root.der });
  const clientSerial = randomSerial();
  const client = buildCertificate({ kind: 'client', serial: clientSerial, subject: { commonName: 'app1', organization: tenant }, notBefore: now, notAfter: new Date(now.getTime() + 365 * DAY), publicKey: leafKeys.publicKey, issuerKey: subKeys.privateKey, issuerCert: sub.der });
  const nodeSerial = randomSerial();
  const node = buildCertificate({ kind: 'node', serial: nodeSerial, subject: { commonName: 'localhost', organization: tenant }, sans: ['localhost', '127.0.0.1', '::1'], notBefore: now, notAfter: new Date(now.getTime() + 365 * DAY), publicKey: leafKeys.publicKey, issuerKey: subKeys.privateKey, issuerCert: sub.der });
  return { alg, root: { keys: rootKeys, ...root }, sub: { keys: subKeys, ...sub }, client: { keys: leafKeys, ...client, serial: clientSerial }, node: { keys: leafKeys, ...node, serial: nodeSerial } };
}
