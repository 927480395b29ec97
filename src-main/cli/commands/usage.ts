import type { Command } from './util';

/** `csm usage …` (issue 10/11): owned by the metering part. SEAM: filled in by its owner. */
export const USAGE_COMMANDS: Command[] = [];
