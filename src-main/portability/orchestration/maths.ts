import type { Backup, BackupPolicy, BackupStatus } from '../../../src-shared/contract/portability';

/**
 * Pure backup arithmetic (issue 11 item 4): effective policy, RPO/RTO verdicts, when the next
 * scheduled backup is due, and which backups retention removes. No I/O: unit-tested directly.
 */

/** Used when neither a stored policy nor the tenant's configuration says otherwise. Not scheduled until an operator sets a schedule. */
export const PLATFORM_BACKUP_DEFAULTS: BackupPolicy = { everyHours: 0, keep: 7, rpoMinutes: 25 * 60, rtoMinutes: 60, withData: true };

/** Keys a tenant's configuration (its console keyspace's config table, e.g. from its template) may carry. */
export const CONFIG_KEYS = {
  everyHours: ['backup.every_hours', 'backup.everyHours'],
  keep: ['backup.keep', 'retention.backup_keep', 'retention.backups'],
  rpoMinutes: ['backup.rpo_minutes', 'backup.rpoMinutes', 'dr.rpo_minutes'],
  rtoMinutes: ['backup.rto_minutes', 'backup.rtoMinutes', 'dr.rto_minutes'],
  withData: ['backup.with_data', 'backup.withData'],
} as const;

const LIMITS: Record<'everyHours' | 'keep' | 'rpoMinutes' | 'rtoMinutes', [number, number]> = {
  everyHours: [0, 24 * 30],
  keep: [1, 1000],
  rpoMinutes: [1, 60 * 24 * 90],
  rtoMinutes: [1, 60 * 24 * 30],
};

/** The tenant's configured defaults over the platform's; a malformed or out-of-range value is ignored (and named). */
export function policyFromConfig(config: Record<string, string>, base: BackupPolicy = PLATFORM_BACKUP_DEFAULTS): { policy: BackupPolicy; ignored: string[]; fromConfig: string[] } {
  const policy = { ...base };
  const ignored: string[] = [];
  const fromConfig: string[] = [];
  for (const field of ['everyHours', 'keep', 'rpoMinutes', 'rtoMinutes'] as const) {
    const key = CONFIG_KEYS[field].find((k) => config[k] !== undefined);
    if (!key) continue;
    const raw = config[key]!.trim();
    const n = Number(raw);
    const [lo, hi] = LIMITS[field];
    if (!/^[0-9]+$/.test(raw) || n < lo || n > hi) {
      ignored.push(key);
      continue;
    }
    policy[field] = n;
    fromConfig.push(key);
  }
  const wd = CONFIG_KEYS.withData.find((k) => config[k] !== undefined);
  if (wd) {
    const v = config[wd]!.trim().toLowerCase();
    if (v === 'true' || v === 'false') {
      policy.withData = v === 'true';
      fromConfig.push(wd);
    } else ignored.push(wd);
  }
  return { policy, ignored, fromConfig };
}

/** A backup counts towards the RPO once written; one whose verification failed does not. */
export const isGood = (b: Backup): boolean => b.verified === null || b.verified.ok;

const minutes = (ms: number): number => Math.round((ms / 60_000) * 100) / 100;

export function rpoStatus(policy: BackupPolicy, backups: readonly Backup[], now: number): BackupStatus['rpo'] {
  const newest = newestGood(backups);
  if (!newest) return { met: false, newestAgeMinutes: null };
  const age = minutes(Math.max(0, now - Date.parse(newest.at)));
  return { met: age <= policy.rpoMinutes, newestAgeMinutes: age };
}

/** RTO: the last measured restore (or verify, which restores) against the target; null when never measured. */
export function rtoStatus(policy: BackupPolicy, lastRestoreMs: number | null): BackupStatus['rto'] {
  if (lastRestoreMs === null) return { met: null, lastRestoreMinutes: null };
  const m = minutes(lastRestoreMs);
  return { met: m <= policy.rtoMinutes, lastRestoreMinutes: m };
}

export function newestGood(backups: readonly Backup[]): Backup | null {
  let best: Backup | null = null;
  for (const b of backups) if (isGood(b) && (!best || Date.parse(b.at) > Date.parse(best.at))) best = b;
  return best;
}

/** When the schedule wants the next backup: `everyHours` after the newest good one, now when there is none; null when not scheduled. */
export function nextDue(policy: BackupPolicy, backups: readonly Backup[], now: number): number | null {
  if (policy.everyHours <= 0) return null;
  const newest = newestGood(backups);
  if (!newest) return now;
  return Date.parse(newest.at) + policy.everyHours * 3_600_000;
}

/**
 * Retention: keep the `keep` newest backups; remove older ones only when the newest backup is
 * good and younger than all of them (a failed or missing new backup never costs an old one).
 * Backups whose verification failed are removed once they are beyond `keep` like any other but
 * never count as the "newer one that succeeded".
 */
export function retentionPlan(backups: readonly Backup[], keep: number): { remove: Backup[]; kept: Backup[] } {
  const sorted = [...backups].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id.localeCompare(a.id));
  const newest = newestGood(sorted);
  if (!newest || sorted.length <= keep) return { remove: [], kept: sorted };
  // Keep at least `keep` backups, and always every backup up to and including the newest good one.
  const newestIdx = sorted.indexOf(newest);
  const cut = Math.max(keep, newestIdx + 1);
  return { kept: sorted.slice(0, cut), remove: sorted.slice(cut) };
}

/** Tenants whose scheduled backup is due now, not running, and not retried within `retryMs` of a failed attempt. */
export function dueTenants<T extends { cluster: string; tenant: string; policy: BackupPolicy; backups: readonly Backup[] }>(
  candidates: readonly T[],
  now: number,
  running: ReadonlySet<string>,
  lastAttempt: (cluster: string, tenant: string) => { at: number; ok: boolean } | null,
  retryMs = 3_600_000,
): T[] {
  return candidates.filter((c) => {
    const due = nextDue(c.policy, c.backups, now);
    if (due === null || due > now) return false;
    if (running.has(`${c.cluster}/${c.tenant}`)) return false;
    const last = lastAttempt(c.cluster, c.tenant);
    if (last && !last.ok && now - last.at < retryMs) return false;
    return true;
  });
}

/** Scratch tenant id for "verify backup": `vb_` and 8 random [0-9a-z] (a valid tenant id, recognisably a scratch one). */
export function scratchTenantId(random: () => number = Math.random): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < 8; i++) s += alphabet[Math.floor(random() * alphabet.length) % alphabet.length];
  return `vb_${s}`;
}

/**
 * Whether `role` is one of tenant `id`'s roles by exact rule: one `named` (its fixed roles and
 * its registry row's), or a user role `tenant_<id>_u_<name>` that is not a role of another
 * registered tenant whose id extends this one (`ab_u_x` vs `ab`: `tenant_ab_u_x_admin`).
 */
export function isOwnTenantRole(id: string, role: string, otherIds: readonly string[], named: ReadonlySet<string>): boolean {
  if (named.has(role)) return true;
  const m = new RegExp(`^tenant_${id.replace(/[^a-z0-9_]/g, '')}_(admin|auditor|svc|u_[a-z0-9_]+)$`).exec(role);
  if (!m) return false;
  for (const o of otherIds) {
    if (o === id || !`tenant_${o}_`.startsWith(`tenant_${id}_`)) continue;
    if (new RegExp(`^tenant_${o.replace(/[^a-z0-9_]/g, '')}_(admin|auditor|svc|u_[a-z0-9_]+)$`).test(role)) return false;
  }
  return true;
}
