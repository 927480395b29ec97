import { z } from 'zod';

/**
 * A tenant's password policy (issue 7 items 1–2). The schema is shared: the config feature stores
 * and versions it, the users feature enforces it (in main, before a password reaches Cassandra)
 * and the renderer shows strength feedback against it.
 */
export const passwordPolicySchema = z
  .object({
    minLength: z.number().int().min(8).max(128),
    requireLower: z.boolean(),
    requireUpper: z.boolean(),
    requireDigit: z.boolean(),
    requireSymbol: z.boolean(),
    /** A new password may not equal any of the last N (kept only as salted hashes). 0 = no history. */
    historyCount: z.number().int().min(0).max(24),
    /** The password may not contain the user name (case-insensitive). */
    forbidUserName: z.boolean(),
  })
  .strict();
export type PasswordPolicy = z.infer<typeof passwordPolicySchema>;

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: 12,
  requireLower: true,
  requireUpper: true,
  requireDigit: true,
  requireSymbol: false,
  historyCount: 5,
  forbidUserName: true,
};

/** One rule a password failed, named so the UI and errors can say which. */
export interface PasswordFailure {
  rule: 'minLength' | 'requireLower' | 'requireUpper' | 'requireDigit' | 'requireSymbol' | 'forbidUserName' | 'maxBytes';
  message: string;
}

/** bcrypt (Cassandra's hash) reads only the first 72 bytes: a longer password would be silently cut. */
export const PASSWORD_MAX_BYTES = 72;

/**
 * The policy's rules a password breaks (empty = passes). Pure: the renderer shows it live, main
 * enforces it before the password reaches Cassandra. History ("not one of the last N") needs the
 * stored hashes, so main checks it separately.
 */
export function checkPassword(policy: PasswordPolicy, userName: string, password: string): PasswordFailure[] {
  const out: PasswordFailure[] = [];
  if ([...password].length < policy.minLength) out.push({ rule: 'minLength', message: `at least ${policy.minLength} characters` });
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) out.push({ rule: 'maxBytes', message: `at most ${PASSWORD_MAX_BYTES} bytes (bcrypt ignores the rest)` });
  if (policy.requireLower && !/\p{Ll}/u.test(password)) out.push({ rule: 'requireLower', message: 'a lower-case letter' });
  if (policy.requireUpper && !/\p{Lu}/u.test(password)) out.push({ rule: 'requireUpper', message: 'an upper-case letter' });
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) out.push({ rule: 'requireDigit', message: 'a digit' });
  if (policy.requireSymbol && !/[^\p{L}\p{Nd}]/u.test(password)) out.push({ rule: 'requireSymbol', message: 'a symbol (not a letter or digit)' });
  if (policy.forbidUserName && userName.length > 0 && password.toLowerCase().includes(userName.toLowerCase())) {
    out.push({ rule: 'forbidUserName', message: 'must not contain the user name' });
  }
  return out;
}

/**
 * A rough strength estimate for the UI only (never a rule): log2 of the character pool times the
 * length, less for repeats, in four bands.
 */
export function passwordStrength(password: string): { bits: number; label: 'weak' | 'fair' | 'good' | 'strong' } {
  const chars = [...password];
  let pool = 0;
  if (/\p{Ll}/u.test(password)) pool += 26;
  if (/\p{Lu}/u.test(password)) pool += 26;
  if (/\p{Nd}/u.test(password)) pool += 10;
  if (/[^\p{L}\p{Nd}]/u.test(password)) pool += 33;
  const distinct = new Set(chars).size;
  const effective = Math.min(chars.length, distinct * 2);
  const bits = pool === 0 ? 0 : Math.round(effective * Math.log2(pool));
  const label = bits < 40 ? 'weak' : bits < 60 ? 'fair' : bits < 80 ? 'good' : 'strong';
  return { bits, label };
}
