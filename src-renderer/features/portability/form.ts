import { backupPolicySchema, bundlePassphraseSchema, type BackupPolicy } from '../../../src-shared/contract/portability';
import { tenantIdSchema } from '../../../src-shared/rules/names';

/** The policy editor's fields as typed (text), before they are numbers. */
export interface PolicyText {
  everyHours: string;
  keep: string;
  rpoMinutes: string;
  rtoMinutes: string;
  withData: boolean;
}
export type PolicyField = Exclude<keyof PolicyText, 'withData'>;
export const POLICY_FIELDS: readonly PolicyField[] = ['everyHours', 'keep', 'rpoMinutes', 'rtoMinutes'];

export const policyText = (p: BackupPolicy): PolicyText => ({ everyHours: String(p.everyHours), keep: String(p.keep), rpoMinutes: String(p.rpoMinutes), rtoMinutes: String(p.rtoMinutes), withData: p.withData });

/**
 * The same bounds as the channel (backupPolicySchema is the one source): each field a whole
 * number, then the schema's own min/max, with the message naming the bound.
 */
export function parsePolicy(t: PolicyText): { value: BackupPolicy | null; errors: Partial<Record<PolicyField, string>> } {
  const errors: Partial<Record<PolicyField, string>> = {};
  const nums: Partial<Record<PolicyField, number>> = {};
  for (const f of POLICY_FIELDS) {
    const s = t[f].trim();
    if (!/^[0-9]{1,9}$/.test(s)) errors[f] = 'a whole number';
    else nums[f] = Number(s);
  }
  const r = backupPolicySchema.safeParse({ ...nums, withData: t.withData });
  if (!r.success) {
    for (const issue of r.error.issues) {
      const f = issue.path[0] as PolicyField | undefined;
      if (!f || errors[f]) continue;
      if (issue.code === 'too_small') errors[f] = `at least ${String(issue.minimum)}`;
      else if (issue.code === 'too_big') errors[f] = `at most ${String(issue.maximum)}`;
      else if (nums[f] !== undefined) errors[f] = issue.message;
    }
  }
  return Object.keys(errors).length === 0 && r.success ? { value: r.data, errors } : { value: null, errors };
}

export function tenantIdProblem(id: string): string | null {
  const r = tenantIdSchema.safeParse(id);
  return r.success ? null : (r.error.issues[0]?.message ?? 'not a tenant id');
}

export function pathProblem(p: string): string | null {
  const t = p.trim();
  if (!t) return 'a file path';
  if (t.length > 4096) return 'at most 4096 characters';
  return null;
}

/** Empty passphrase: the bundle is wrapped to this installation's master key. */
export function passphraseProblem(pass: string, confirm: string | null): string | null {
  if (!pass) return null;
  const r = bundlePassphraseSchema.safeParse(pass);
  if (!r.success) return r.error.issues[0]?.message ?? 'passphrase refused';
  if (confirm !== null && confirm !== pass) return 'the two passphrases differ';
  return null;
}

export interface DcRow {
  from: string;
  to: string;
}

/** DC map rows → the channel's record; blank rows are ignored, a source DC mapped twice is an error. */
export function parseDcMap(rows: readonly DcRow[]): { value: Record<string, string> | undefined; error: string | null } {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const from = r.from.trim();
    const to = r.to.trim();
    if (!from && !to) continue;
    if (!from || !to) return { value: undefined, error: 'each row needs both a source and a target data centre' };
    if (from.length > 48 || to.length > 48) return { value: undefined, error: 'data centre names: at most 48 characters' };
    if (from in out) return { value: undefined, error: `source data centre ${from} is mapped twice` };
    out[from] = to;
  }
  return { value: Object.keys(out).length ? out : undefined, error: null };
}

export function bytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export const shortHash = (h: string | null): string => (h ? h.slice(0, 12) : '—');

export function minutes(m: number | null): string {
  if (m === null) return '—';
  if (m < 120) return `${m.toFixed(m < 10 ? 1 : 0)} min`;
  if (m < 60 * 48) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 60 / 24).toFixed(1)} d`;
}
