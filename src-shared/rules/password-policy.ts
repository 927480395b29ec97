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
