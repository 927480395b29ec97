import { describe, expect, it } from 'vitest';
import { parseHostPort, tenantIdSchema } from '../../../src-shared/rules/names';

describe('shared naming rules', () => {
  it('tenant ids follow DESIGN §4 and may not contain the user-role marker _u_', () => {
    for (const ok of ['acme', 'acme_1', 'a1', 'acme_uk', 'x'.repeat(30)]) expect(tenantIdSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['a', 'Acme', '1acme', 'acme_u_x', 'acme_u', 'x'.repeat(31), "acme';--"]) expect(tenantIdSchema.safeParse(bad).success, bad).toBe(false);
  });
  it('contact points are HOST:PORT with a valid port', () => {
    expect(parseHostPort('127.0.0.1:9042')).toEqual({ host: '127.0.0.1', port: 9042 });
    expect(parseHostPort('[::1]:9042')).toEqual({ host: '::1', port: 9042 });
    for (const bad of ['127.0.0.1', 'h:0', 'h:65536', '-h:1', 'a b:1', 'h:1;drop']) expect(parseHostPort(bad), bad).toBeNull();
  });
});
