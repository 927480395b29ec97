import { describe, expect, it } from 'vitest';
import type { LocalAuditEntry } from '../../../src-main/store/local-audit-repo';
import { openStore } from '../../../src-main/store/store';
import { useTempDir } from './helpers';

const tmp = useTempDir();

const entry = (over: Partial<LocalAuditEntry> = {}): LocalAuditEntry => ({
  at: '2024-01-01T00:00:00.000Z',
  host: 'cli',
  channel: 'cluster.add',
  operator: 'csm_admin',
  tenant: null,
  input: { name: 'prod' },
  outcome: 'ok',
  errorCode: null,
  ...over,
});

describe('LocalAuditRepo', () => {
  it('appends with increasing sequence numbers and reads back newest first', () => {
    const store = openStore({ dir: tmp() });
    try {
      const s1 = store.localAudit.append(entry());
      const s2 = store.localAudit.append(entry({ channel: 'tenant.create', tenant: 'acme', outcome: 'error', errorCode: 'CONFLICT' }));
      store.localAudit.record(entry({ operator: null, outcome: 'refused', errorCode: 'NOT_SIGNED_IN' }));
      expect(s2).toBe(s1 + 1);
      const recent = store.localAudit.listRecent();
      expect(recent.map((r) => r.seq)).toEqual([s2 + 1, s2, s1]);
      expect(recent[1]).toEqual({ ...entry({ channel: 'tenant.create', tenant: 'acme', outcome: 'error', errorCode: 'CONFLICT' }), seq: s2 });
      expect(recent[0]).toMatchObject({ operator: null, outcome: 'refused', errorCode: 'NOT_SIGNED_IN' });
    } finally {
      store.close();
    }
  });

  it('securityEvents: FORBIDDEN refusals and monitor alerts, newest first; resolutions, other refusals and ok calls are not', () => {
    const store = openStore({ dir: tmp() });
    try {
      const forbidden = store.localAudit.append(entry({ channel: 'tenant.show', outcome: 'refused', errorCode: 'FORBIDDEN' }));
      store.localAudit.append(entry({ outcome: 'refused', errorCode: 'NOT_SIGNED_IN' }));
      store.localAudit.append(entry());
      const alert = store.localAudit.append(entry({ channel: 'isolation.monitor', operator: null, input: { event: 'alert', findingId: 'abc' } }));
      store.localAudit.append(entry({ channel: 'isolation.monitor', operator: null, input: { event: 'resolved', findingId: 'abc' } }));
      expect(store.localAudit.securityEvents(10).map((r) => r.seq)).toEqual([alert, forbidden]);
      expect(store.localAudit.securityEvents(1).map((r) => r.seq)).toEqual([alert]);
    } finally {
      store.close();
    }
  });

  it('pages backwards with limit and beforeSeq', () => {
    const store = openStore({ dir: tmp() });
    try {
      const seqs = [1, 2, 3, 4, 5].map((i) => store.localAudit.append(entry({ at: `t${i}` })));
      expect(store.localAudit.listRecent({ limit: 2 }).map((r) => r.seq)).toEqual([seqs[4], seqs[3]]);
      expect(store.localAudit.listRecent({ limit: 2, beforeSeq: seqs[3] }).map((r) => r.seq)).toEqual([seqs[2], seqs[1]]);
    } finally {
      store.close();
    }
  });

  it('redacts secrets the caller forgot to redact', () => {
    const store = openStore({ dir: tmp() });
    try {
      store.localAudit.append(entry({ input: { name: 'prod', password: 'hunter2-secret', nested: { token: 'tok-123' } } }));
      const [r] = store.localAudit.listRecent();
      expect(r?.input).toEqual({ name: 'prod', password: '[redacted]', nested: { token: '[redacted]' } });
      expect(JSON.stringify(store.db.prepare('SELECT * FROM audit_local').all())).not.toMatch(/hunter2|tok-123/);
    } finally {
      store.close();
    }
  });

  it('stores an absent input as JSON null', () => {
    const store = openStore({ dir: tmp() });
    try {
      store.localAudit.append(entry({ input: undefined }));
      expect(store.localAudit.listRecent()[0]?.input).toBeNull();
    } finally {
      store.close();
    }
  });
});
