import type { Command } from './util';

/** `csm billing …` (issue 10/11): owned by the billing and analytics part. SEAM: filled in by its owner. */
export const BILLING_COMMANDS: Command[] = [];
