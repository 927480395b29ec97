import { AppError } from '../app/errors';
import { CLUSTER_NAME_PATTERN, TENANT_ID_PATTERN } from '../../src-shared/rules/names';

/**
 * The only place secret key names are made and checked. A fixed grammar keeps one namespace
 * from reaching into another (a tenant cannot name `installation/master-key`) and means a
 * value passed where a key belongs is refused instead of becoming a keychain account name.
 */
export type ParsedSecretKey =
  | { kind: 'cluster-password'; cluster: string }
  | { kind: 'tenant'; tenantId: string; purpose: string }
  | { kind: 'installation-master-key' }
  | { kind: 'installation-report-signing-key' };

/** What a tenant secret is for: `role-admin`, `data-key`, … */
export const SECRET_PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const INSTALLATION_MASTER_KEY = 'installation/master-key';
/** Ed25519 private key that signs exported isolation reports (issue 6): the platform's, no tenant's. */
export const INSTALLATION_REPORT_SIGNING_KEY = 'installation/report-signing-key';

// Deliberately never echoes the rejected text: it may be a password passed in the wrong argument.
const badKey = (): AppError =>
  new AppError(
    'BAD_INPUT',
    'secret key must be cluster/<cluster-name>/password, tenant/<tenant-id>/<purpose>, installation/master-key or installation/report-signing-key',
  );

export function parseSecretKey(key: unknown): ParsedSecretKey {
  if (typeof key !== 'string' || key.length > 200) throw badKey();
  if (key === INSTALLATION_MASTER_KEY) return { kind: 'installation-master-key' };
  if (key === INSTALLATION_REPORT_SIGNING_KEY) return { kind: 'installation-report-signing-key' };
  const parts = key.split('/');
  const [ns, a, b] = parts;
  if (parts.length !== 3 || a === undefined || b === undefined) throw badKey();
  if (ns === 'cluster' && CLUSTER_NAME_PATTERN.test(a) && b === 'password') return { kind: 'cluster-password', cluster: a };
  if (ns === 'tenant' && TENANT_ID_PATTERN.test(a) && SECRET_PURPOSE_PATTERN.test(b)) {
    return { kind: 'tenant', tenantId: a, purpose: b };
  }
  throw badKey();
}

/** Validate and return the key unchanged; every SecretStore method calls this first. */
export function assertSecretKey(key: unknown): string {
  parseSecretKey(key);
  return key as string;
}

export const secretKey = {
  clusterPassword: (cluster: string): string => assertSecretKey(`cluster/${cluster}/password`),
  tenant: (tenantId: string, purpose: string): string => assertSecretKey(`tenant/${tenantId}/${purpose}`),
  installationMasterKey: (): string => INSTALLATION_MASTER_KEY,
  installationReportSigningKey: (): string => INSTALLATION_REPORT_SIGNING_KEY,
  parse: parseSecretKey,
  assert: assertSecretKey,
};

/** Values are opaque, but empty or absurdly large ones are a caller bug; again, never echoed. */
export function assertSecretValue(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 * 1024) {
    throw new AppError('BAD_INPUT', 'secret value must be a non-empty string of at most 64 KiB');
  }
  return value;
}
