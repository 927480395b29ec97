import { describe, expect, it } from 'vitest';
import { assertSecretKey, INSTALLATION_MASTER_KEY, parseSecretKey, secretKey } from '../../../src-main/secrets/secret-key';

describe('secretKey', () => {
  it.each([
    ['cluster/prod/password', { kind: 'cluster-password', cluster: 'prod' }],
    ['cluster/dc-east-1/password', { kind: 'cluster-password', cluster: 'dc-east-1' }],
    ['tenant/acme_corp/role-admin', { kind: 'tenant', tenantId: 'acme_corp', purpose: 'role-admin' }],
    ['installation/master-key', { kind: 'installation-master-key' }],
  ])('accepts %s', (key, parsed) => {
    expect(parseSecretKey(key)).toEqual(parsed);
    expect(assertSecretKey(key)).toBe(key);
  });

  it.each([
    '',
    'password',
    'cluster/prod',
    'cluster/prod/token',
    'cluster/Prod/password',
    'cluster/prod/password/extra',
    'cluster//password',
    'cluster/../password',
    'tenant/acme',
    'tenant/a/role', // tenant id too short
    'tenant/acme/Role',
    'tenant/acme/../../installation/master-key',
    'installation/master-key/x',
    'installation/other',
    'other/prod/password',
    ' cluster/prod/password',
    `cluster/${'a'.repeat(41)}/password`,
  ])('rejects %j with BAD_INPUT', (key) => {
    expect(() => parseSecretKey(key)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('rejects non-strings', () => {
    for (const k of [undefined, null, 42, {}, ['cluster', 'prod', 'password']]) {
      expect(() => assertSecretKey(k)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });

  it('never echoes the rejected key (it may be a password in the wrong argument)', () => {
    const oops = 'Sup3r-S3cret-passw0rd';
    expect(() => assertSecretKey(oops)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(oops) }));
  });

  it('builds keys and validates their parts', () => {
    expect(secretKey.clusterPassword('prod')).toBe('cluster/prod/password');
    expect(secretKey.tenant('acme', 'data-key')).toBe('tenant/acme/data-key');
    expect(secretKey.installationMasterKey()).toBe(INSTALLATION_MASTER_KEY);
    expect(() => secretKey.clusterPassword('prod/../x')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => secretKey.tenant('acme', 'a/b')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
