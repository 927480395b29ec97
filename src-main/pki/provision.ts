import { effectivePolicy } from '../../src-shared/rules/compliance';
import { templateBase, type ComplianceMinimums, type TemplateDefaults } from '../../src-shared/rules/tenant-config';
import { ProfileStore } from '../compliance/store';
import { isAppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import type { KeyService } from '../keys/hierarchy';
import type { SecretStore } from '../secrets/types';
import { createTenantCa, platformSigner } from './ca';
import { caAlgorithm, caValidity, certPolicy } from './policy';
import { PkiStore, PlatformRootStore } from './store';
import { ensurePkiTables } from './tables';

/**
 * The provisioning hook (tenancy saga, configuration step): prepare the tenant's certificate
 * tables and create its CA — a subordinate of the platform root when the cluster has one — with
 * the algorithm the template's certificate policy (narrowed by a compliance profile set before
 * provisioning) allows. Idempotent (a resumed saga finds the
 * CA and leaves it). It never fails the saga: a CA that could not be made here (this console
 * lacks the master key the platform root is wrapped under, …) is reported in the step's message
 * and made later with cert.caInit; the tenant itself is fine without one until then.
 */
export async function provisionTenantCa(a: { client: CqlClient; keys: KeyService; secrets: SecretStore; tenantId: string; operator: string; template: TemplateDefaults }): Promise<string> {
  try {
    await ensurePkiTables(a.client, a.tenantId);
    const store = new PkiStore(a.client, a.tenantId);
    const existing = await store.ca();
    if (existing) return `CA ${existing.serial} already there`;
    // A compliance profile may be set before provisioning (a boundary): its key minimums apply to the CA too.
    const profile = await new ProfileStore(a.client).get(a.tenantId);
    const p = profile ? effectivePolicy(profile.frameworks, profile.overrides).policy : null;
    const minimums: ComplianceMinimums | null = p ? { retentionYears: p.retentionYears, minRsaBits: p.minRsaBits, minEcBits: p.minEcBits, maxKeyAgeDays: p.maxKeyAgeDays } : null;
    const policy = certPolicy(templateBase(a.template).base, minimums);
    const root = await platformSigner(a.client, a.secrets, { tolerateUnreadable: true });
    const row = await createTenantCa({
      tenant: a.tenantId,
      store,
      wrap: {
        encrypt: async (der, context) => {
          try {
            return await a.keys.encrypt(a.tenantId, 'ca', der, { context });
          } finally {
            der.fill(0);
          }
        },
        decrypt: (wrapped, context) => a.keys.decrypt(a.tenantId, 'ca', wrapped, { context }),
      },
      algorithm: caAlgorithm(policy, undefined),
      validityDays: caValidity(policy, undefined),
      operator: a.operator,
      root,
      rootStore: root ? new PlatformRootStore(a.client) : null,
    });
    return `${row.kind} CA ${row.algorithm}`;
  } catch (e) {
    return `no CA yet (${isAppError(e) ? `${e.code}: ${e.message}` : 'unexpected error'}); create it with csm cert ca-init`;
  }
}
