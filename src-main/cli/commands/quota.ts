import type { Command } from './util';

/** `csm quota …` (issue 10/11): owned by the quotas part. SEAM: filled in by its owner. */
export const QUOTA_COMMANDS: Command[] = [];
