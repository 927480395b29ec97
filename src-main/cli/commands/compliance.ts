import type { Command } from './util';

/** `csm compliance …` (issue 6). */
export const COMPLIANCE_COMMANDS: Command[] = [];
