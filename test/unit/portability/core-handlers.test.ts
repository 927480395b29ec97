import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { checkSigner, operationVisible } from '../../../src-main/portability/core/handlers';
import type { OperatorScope } from '../../../src-shared/contract/clusters';

const OURS = 'a'.repeat(64);
const THEIRS = 'b'.repeat(64);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
  return 'no error';
}

describe('import signer trust', () => {
  it("accepts this installation's signature, refuses a foreign one unless its fingerprint is named", () => {
    expect(codeOf(() => checkSigner('/b', OURS, OURS, undefined))).toBe('no error');
    expect(codeOf(() => checkSigner('/b', THEIRS, OURS, undefined))).toMatch(new RegExp(`^FORBIDDEN: bundle /b is signed by ${THEIRS}, not by this installation \\(${OURS}\\).*--trust-signer ${THEIRS}`));
    expect(codeOf(() => checkSigner('/b', THEIRS, OURS, OURS))).toMatch(/^FORBIDDEN/);
    expect(codeOf(() => checkSigner('/b', THEIRS, OURS, THEIRS.toUpperCase()))).toBe('no error');
    expect(codeOf(() => checkSigner('/b', THEIRS, null, undefined))).toMatch(/^FORBIDDEN: .*holds no master key/);
    expect(codeOf(() => checkSigner('/b', THEIRS, null, THEIRS))).toBe('no error');
  });
});

describe('operation visibility', () => {
  const scope = (over: Partial<OperatorScope>): OperatorScope => ({ cluster: 'c1', role: 'r', superuser: false, roles: [], platform: false, tenantAdmin: [], auditor: [], tenants: [], ...over });
  const op = { cluster: 'c1', tenant: 'acme', targetCluster: 'c2', targetTenant: 'beta' };
  it('platform sees all, a tenant admin or auditor only their tenants, on the cluster they are signed in to', () => {
    expect(operationVisible(op, () => scope({ platform: true }))).toBe(true);
    expect(operationVisible(op, (c) => (c === 'c1' ? scope({ tenantAdmin: ['acme'] }) : undefined))).toBe(true);
    expect(operationVisible(op, (c) => (c === 'c1' ? scope({ tenantAdmin: ['other'], auditor: ['other2'] }) : undefined))).toBe(false);
    expect(operationVisible(op, (c) => (c === 'c2' ? scope({ cluster: 'c2', auditor: ['beta'] }) : undefined))).toBe(true);
    // acme's admin on c2 is not acme's admin on c1.
    expect(operationVisible(op, (c) => (c === 'c2' ? scope({ cluster: 'c2', tenantAdmin: ['acme'] }) : undefined))).toBe(false);
    expect(operationVisible({ ...op, targetCluster: null, targetTenant: null }, () => undefined)).toBe(false);
  });
});
