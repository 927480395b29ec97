import { randomUUID } from 'node:crypto';
import { rateCardSchema, type RateCard } from '../../../src-shared/contract/resources';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';

/** csm_system reads and writes of billing and the ε budget (tables: schema.ts). */

const LOCAL_QUORUM = 0x06;
const LOCAL_SERIAL = 0x09;
const Q = { prepare: true, consistency: LOCAL_QUORUM } as const;
const LWT = { prepare: true, consistency: LOCAL_QUORUM, serialConsistency: LOCAL_SERIAL } as const;

const RATES = qualified('csm_system', 'billing_rates');
const CC = qualified('csm_system', 'billing_cost_centres');
const BUDGET = qualified('csm_system', 'privacy_budget');
const LEDGER = qualified('csm_system', 'privacy_ledger');
const BUDGET_ID = 'analytics';

/** The card used until an operator sets one (said so in the answer: updatedAt null, isDefault). */
export const DEFAULT_RATES: RateCard = {
  currency: 'EUR',
  perGbMonth: 10,
  perUserMonth: 100,
  perCertificateMonth: 50,
  perMillionRequests: 40,
  tierFees: { basic: 0, standard: 5_000, premium: 20_000, enterprise: 100_000 },
};
/** Default ε budget per cluster (micro-ε). */
export const DEFAULT_BUDGET_MICRO = 10_000_000;

export interface StoredRates {
  card: RateCard;
  updatedAt: string | null;
  updatedBy: string | null;
  isDefault: boolean;
}

export interface Budget {
  totalMicro: number;
  spentMicro: number;
  version: number;
}

const applied = (rs: { rows: Record<string, unknown>[] }): boolean => rs.rows[0]?.['[applied]'] === true;
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw fromDriverError(e, what);
  }
}

const refusal = (b: Budget, micro: number): AppError =>
  new AppError(
    'CONFLICT',
    `privacy budget exceeded: this report needs ε ${micro / 1e6}, ${Math.max(0, b.totalMicro - b.spentMicro) / 1e6} of ${b.totalMicro / 1e6} is left; nothing was spent (raise it with csm analytics budget --total E, or report without --epsilon)`,
  );

/** The budget after paying `micro`, or the refusal (the input is never changed: a refusal spends nothing). Exactly reaching the total is allowed. */
export function charge(b: Budget, micro: number): Budget {
  if (!Number.isSafeInteger(micro) || micro <= 0) throw new AppError('BAD_INPUT', 'epsilon must be positive');
  if (b.spentMicro + micro > b.totalMicro) throw refusal(b, micro);
  return { totalMicro: b.totalMicro, spentMicro: b.spentMicro + micro, version: b.version + 1 };
}

export class BillingStore {
  constructor(private readonly c: CqlClient) {}

  rates(): Promise<StoredRates> {
    return run('reading the rate card', async () => {
      const rs = await this.c.execute(`SELECT card, updated_at, updated_by FROM ${RATES} WHERE id = ?`, ['current'], Q);
      const r = rs.rows[0];
      if (!r || typeof r['card'] !== 'string') return { card: DEFAULT_RATES, updatedAt: null, updatedBy: null, isDefault: true };
      const parsed = rateCardSchema.safeParse(JSON.parse(r['card'] as string));
      // A row another (newer) console wrote in a shape this one cannot read is not silently replaced by the default.
      if (!parsed.success) throw new AppError('CONFLICT', 'the stored rate card is not in a shape this console reads; set it again with billing.setRates');
      return { card: parsed.data, updatedAt: iso(r['updated_at']), updatedBy: (r['updated_by'] as string | null) ?? null, isDefault: false };
    });
  }

  setRates(card: RateCard, by: string): Promise<StoredRates> {
    return run('writing the rate card', async () => {
      const now = new Date();
      await this.c.execute(`INSERT INTO ${RATES} (id, card, updated_at, updated_by) VALUES (?, ?, ?, ?)`, ['current', JSON.stringify(card), now, by], Q);
      return { card, updatedAt: now.toISOString(), updatedBy: by, isDefault: false };
    });
  }

  costCentres(): Promise<Map<string, string>> {
    return run('reading cost centres', async () => {
      const m = new Map<string, string>();
      for await (const r of await this.c.execute(`SELECT tenant_id, cost_centre FROM ${CC}`, [], { ...Q, fetchSize: 5000 })) {
        if (typeof r['cost_centre'] === 'string') m.set(String(r['tenant_id']), r['cost_centre'] as string);
      }
      return m;
    });
  }

  costCentre(tenant: string): Promise<string | null> {
    return run(`reading the cost centre of ${tenant}`, async () => {
      const rs = await this.c.execute(`SELECT cost_centre FROM ${CC} WHERE tenant_id = ?`, [tenant], Q);
      const v = rs.rows[0]?.['cost_centre'];
      return typeof v === 'string' ? v : null;
    });
  }

  setCostCentre(tenant: string, costCentre: string | null, by: string): Promise<void> {
    return run(`setting the cost centre of ${tenant}`, async () => {
      if (costCentre === null) await this.c.execute(`DELETE FROM ${CC} WHERE tenant_id = ?`, [tenant], Q);
      else await this.c.execute(`INSERT INTO ${CC} (tenant_id, cost_centre, updated_at, updated_by) VALUES (?, ?, ?, ?)`, [tenant, costCentre, new Date(), by], Q);
    });
  }

  /** The budget row, created with the default total on first use (LWT: two consoles create one). */
  budget(): Promise<Budget> {
    return run('reading the privacy budget', async () => {
      const read = async (): Promise<Budget | null> => {
        const rs = await this.c.execute(`SELECT total_micro, spent_micro, version FROM ${BUDGET} WHERE id = ?`, [BUDGET_ID], { ...Q, consistency: LOCAL_SERIAL });
        const r = rs.rows[0];
        return r ? { totalMicro: Number(r['total_micro']), spentMicro: Number(r['spent_micro']), version: Number(r['version']) } : null;
      };
      const got = await read();
      if (got) return got;
      await this.c.execute(`INSERT INTO ${BUDGET} (id, total_micro, spent_micro, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS`, [BUDGET_ID, DEFAULT_BUDGET_MICRO, 0, 0, new Date(), null], LWT);
      const again = await read();
      if (!again) throw new AppError('UNAVAILABLE', 'the privacy budget row could not be created');
      return again;
    });
  }

  /** Compare-and-set on the version; false when another console changed the budget meanwhile. */
  private cas(b: Budget, next: { totalMicro: number; spentMicro: number }, by: string): Promise<boolean> {
    return run('updating the privacy budget', async () =>
      applied(
        await this.c.execute(
          `UPDATE ${BUDGET} SET total_micro = ?, spent_micro = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? IF version = ?`,
          [next.totalMicro, next.spentMicro, b.version + 1, new Date(), by, BUDGET_ID, b.version],
          LWT,
        ),
      ),
    );
  }

  async setTotal(totalMicro: number, by: string): Promise<Budget> {
    for (let i = 0; i < 8; i++) {
      const b = await this.budget();
      if (await this.cas(b, { totalMicro, spentMicro: b.spentMicro }, by)) return { totalMicro, spentMicro: b.spentMicro, version: b.version + 1 };
    }
    throw new AppError('CONFLICT', 'the privacy budget kept changing under this console; try again');
  }

  /**
   * Spend ε or refuse: the check and the spend are one compare-and-set, so two consoles racing for
   * the last of the budget cannot both win. A refusal spends nothing.
   */
  /** Throws the refusal when `micro` does not fit in what is left (nothing is spent). */
  async assertAffordable(micro: number): Promise<Budget> {
    const b = await this.budget();
    charge(b, micro);
    return b;
  }

  async spend(micro: number, by: string, what: { groupBy: string; k: number; figures: number }): Promise<Budget> {
    for (let i = 0; i < 8; i++) {
      const b = await this.budget();
      const next = charge(b, micro);
      if (await this.cas(b, next, by)) {
        await run('recording the privacy ledger', () =>
          this.c.execute(`INSERT INTO ${LEDGER} (id, at, nonce, epsilon_micro, actor, group_by, k, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [BUDGET_ID, new Date(), randomUUID(), micro, by, what.groupBy, what.k, what.figures], Q),
        );
        return next;
      }
    }
    throw new AppError('CONFLICT', 'the privacy budget kept changing under this console; nothing was spent, try again');
  }

  ledger(limit = 100): Promise<{ at: string; epsilon: number; by: string | null }[]> {
    return run('reading the privacy ledger', async () => {
      const rs = await this.c.execute(`SELECT at, epsilon_micro, actor FROM ${LEDGER} WHERE id = ? LIMIT ?`, [BUDGET_ID, limit], Q);
      return rs.rows.map((r) => ({ at: iso(r['at']) ?? '', epsilon: Number(r['epsilon_micro']) / 1e6, by: (r['actor'] as string | null) ?? null }));
    });
  }
}

/**
 * A tenant admin cannot read csm_system (platform roles only, DESIGN §3), so the terms its
 * statement needs — rate card, tier, cost centre — are published by the platform into the
 * tenant's own console keyspace, which its admin may SELECT. Refreshed on every rate change,
 * cost-centre change and platform-computed statement.
 */
export interface Terms {
  card: RateCard;
  tier: string;
  costCentre: string | null;
  createdAt: string | null;
  publishedAt: string;
}

const termsTable = (tenant: string) => qualified(tenantConsoleKeyspace(tenant), 'billing_terms');
/**
 * Terms tables this process created, per connection (one per cluster) and tenant: a tenant id of
 * one cluster says nothing of another's, and a failed write forgets (the table may be gone).
 */
const created = new WeakMap<CqlClient, Set<string>>();
export const termsTableKnown = (platform: CqlClient, tenant: string): boolean => created.get(platform)?.has(tenant) === true;

export async function publishTerms(platform: CqlClient, tenant: string, terms: Omit<Terms, 'publishedAt'>, by: string): Promise<void> {
  const t = termsTable(tenant);
  let known = created.get(platform);
  if (!known) created.set(platform, (known = new Set()));
  try {
    await run(`publishing billing terms to ${tenant}`, async () => {
      if (!known.has(tenant)) {
        await platform.execute(`CREATE TABLE IF NOT EXISTS ${t} (id text PRIMARY KEY, card text, tier text, cost_centre text, created_at timestamp, published_at timestamp, published_by text)`);
        await waitForAgreement(platform, `creating ${tenant}'s billing terms table`);
        known.add(tenant);
      }
      await platform.execute(`INSERT INTO ${t} (id, card, tier, cost_centre, created_at, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?)`, ['current', JSON.stringify(terms.card), terms.tier, terms.costCentre, terms.createdAt ? new Date(terms.createdAt) : null, new Date(), by], Q);
    });
  } catch (e) {
    known.delete(tenant);
    throw e;
  }
}

/** The published terms, read as the tenant admin; null when the platform has not published any yet. */
export async function readTerms(client: CqlClient, tenant: string): Promise<Terms | null> {
  return run(`reading the billing terms of ${tenant}`, async () => {
    let rs;
    try {
      rs = await client.execute(`SELECT card, tier, cost_centre, created_at, published_at FROM ${termsTable(tenant)} WHERE id = ?`, ['current'], Q);
    } catch (e) {
      if (e instanceof Error && /unconfigured table/i.test(e.message)) return null;
      throw e;
    }
    const r = rs.rows[0];
    if (!r) return null;
    const card = rateCardSchema.safeParse(JSON.parse(String(r['card'])));
    if (!card.success) throw new AppError('CONFLICT', `the billing terms published to ${tenant} are not in a shape this console reads`);
    return { card: card.data, tier: String(r['tier'] ?? 'standard'), costCentre: (r['cost_centre'] as string | null) ?? null, createdAt: iso(r['created_at']), publishedAt: iso(r['published_at']) ?? '' };
  });
}
