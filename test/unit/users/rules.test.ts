import { describe, expect, it } from 'vitest';
import { checkPassword, DEFAULT_PASSWORD_POLICY, passwordStrength } from '../../../src-shared/rules/password-policy';
import { bcryptHash, BCRYPT_HASH_PATTERN, customGrantStatement, customGrantTarget, checkedUserHash, historyHash, historyMatches, templateGrants, throttleMessage } from '../../../src-main/users/rules';
import { USERS_COMMANDS } from '../../../src-main/cli/commands/users';

const OWN = ['tenant_acme_data', 'tenant_acme_logs', 'tenant_acme_csm'];

describe('password checker', () => {
  it('names every failed rule', () => {
    expect(checkPassword(DEFAULT_PASSWORD_POLICY, 'bob', 'short').map((f) => f.rule)).toEqual(['minLength', 'requireUpper', 'requireDigit']);
    expect(checkPassword(DEFAULT_PASSWORD_POLICY, 'bob', 'Hello-Bob-12345').map((f) => f.rule)).toEqual(['forbidUserName']);
    expect(checkPassword({ ...DEFAULT_PASSWORD_POLICY, requireSymbol: true }, 'bob', 'Hello1234567x').map((f) => f.rule)).toEqual(['requireSymbol']);
    expect(checkPassword(DEFAULT_PASSWORD_POLICY, 'bob', 'Correct-Horse-42')).toEqual([]);
    expect(checkPassword(DEFAULT_PASSWORD_POLICY, 'bob', `Aa1${'x'.repeat(80)}`).map((f) => f.rule)).toEqual(['maxBytes']);
  });
  it('estimates strength in bands', () => {
    expect(passwordStrength('aaaaaaaa').label).toBe('weak');
    expect(passwordStrength('Correct-Horse-Battery-42!').label).toBe('strong');
  });
});

describe('hashes', () => {
  it('history keeps salted scrypt hashes that match only the same password', () => {
    const a = historyHash('Secret-pass-1');
    const b = historyHash('Secret-pass-1');
    expect(a).not.toBe(b); // per-entry salt
    expect(a).not.toContain('Secret');
    expect(historyMatches('Secret-pass-1', a)).toBe(true);
    expect(historyMatches('Secret-pass-2', a)).toBe(false);
    expect(historyMatches('Secret-pass-1', 'garbage')).toBe(false);
  });
  it('bcrypt hashes are $2a$ (what Cassandra accepts) and anything else is refused before CQL', () => {
    const h = bcryptHash('Secret-pass-1');
    expect(h).toMatch(BCRYPT_HASH_PATTERN);
    expect(checkedUserHash(h)).toBe(h);
    expect(() => checkedUserHash("x' AND SUPERUSER = true --")).toThrow(/bcrypt/);
    // Well-formed bcrypt, but below this module's cost floor: refused here (identifiers would quote it).
    expect(() => checkedUserHash(h.replace('$2a$10$', '$2a$04$'))).toThrow(/cost 10–31/);
    expect(() => bcryptHash('x', 4)).toThrow(/at least 10/);
  });
});

describe('templates', () => {
  it('expand to the tenant data keyspaces only, never the console keyspace', () => {
    expect(templateGrants('acme', 'read-only', 'tenant_acme_u_r', OWN)).toEqual([
      'GRANT SELECT ON KEYSPACE "tenant_acme_data" TO "tenant_acme_u_r"',
      'GRANT SELECT ON KEYSPACE "tenant_acme_logs" TO "tenant_acme_u_r"',
    ]);
    expect(templateGrants('acme', 'read-write', 'tenant_acme_u_w', OWN)).toHaveLength(4);
    expect(templateGrants('acme', 'application', 'tenant_acme_u_a', OWN, new Set(['tenant_acme_logs']))).toContain('GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE "tenant_acme_logs" TO "tenant_acme_u_a"');
    expect(templateGrants('acme', 'admin', 'tenant_acme_u_x', OWN)).toEqual(['GRANT "tenant_acme_admin" TO "tenant_acme_u_x"']);
    for (const t of ['read-only', 'read-write', 'application'] as const) expect(templateGrants('acme', t, 'tenant_acme_u_r', OWN).join('\n')).not.toContain('csm');
  });
});

describe('custom grants', () => {
  it.each([
    ['tenant_other_data', 'FORBIDDEN', /not one of tenant acme/],
    ['ALL KEYSPACES', 'FORBIDDEN', /own keyspaces/],
    ['system_auth', 'FORBIDDEN', /system keyspace/],
    ['csm_system', 'FORBIDDEN', /system keyspace/],
    ['tenant_acme_csm', 'FORBIDDEN', /console keyspace/],
    ['tenant_acme_data" TO x; GRANT ALL ON ALL KEYSPACES TO "y', 'BAD_INPUT', /not a keyspace name/],
    ["tenant_acme_data'--", 'BAD_INPUT', /not a keyspace name/],
  ])('refuses %s', (ks, code, why) => {
    expect(() => customGrantTarget('acme', OWN, ks)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(why) }));
  });
  it('refuses an injection-looking table and builds a quoted statement for an own table', () => {
    expect(() => customGrantTarget('acme', OWN, 'tenant_acme_data', 'events"; DROP')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    const t = customGrantTarget('acme', OWN, 'tenant_acme_data', 'events');
    expect(customGrantStatement('GRANT', 'MODIFY', t.resource, 'tenant_acme_u_r')).toBe('GRANT MODIFY ON TABLE "tenant_acme_data"."events" TO "tenant_acme_u_r"');
    expect(() => customGrantStatement('GRANT', 'AUTHORIZE', t.resource, 'tenant_acme_u_r')).toThrow(/not one a custom grant/);
    expect(() => customGrantStatement('GRANT', 'EXECUTE', t.resource, 'tenant_acme_u_r')).toThrow(/not a table/);
  });
  it("says Cassandra's password throttle plainly", () => {
    expect(throttleMessage('Password for role x can only be changed every 5000ms.')).toMatch(/once every 5 s/);
    expect(throttleMessage('other')).toBeNull();
  });
});

describe('csm user commands', () => {
  const find = (w: string) => USERS_COMMANDS.find((c) => c.words.join(' ') === `user ${w}`)!;
  const io = (secret: string) => ({ secret: async (_l: string, fromStdin: boolean) => (fromStdin ? secret : Promise.reject(new Error('no tty'))) });
  it('create reads the password from stdin only and checks the template', async () => {
    const input = await find('create').input({ cluster: 'c', tenant: 'acme', name: 'r', template: 'read-only', 'password-stdin': true }, {}, io('Pw-123456789a'));
    expect(input).toEqual({ cluster: 'c', tenant: 'acme', name: 'r', template: 'read-only', password: 'Pw-123456789a' });
    await expect(find('create').input({ cluster: 'c', tenant: 'acme', name: 'r', template: 'root', 'password-stdin': true }, {}, io('x'))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(find('list').input({ cluster: 'c' }, {}, io('x'))).rejects.toThrow(/--tenant is required/);
  });
  it('grant upper-cases the permission and passes the table', async () => {
    expect(await find('grant').input({ cluster: 'c', tenant: 'acme', name: 'r', permission: 'select', keyspace: 'tenant_acme_data', table: 't' }, {}, io('x'))).toEqual({ cluster: 'c', tenant: 'acme', name: 'r', permission: 'SELECT', keyspace: 'tenant_acme_data', table: 't' });
  });
});
