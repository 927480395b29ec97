import type { Command } from './util';

/** `csm audit …` (issue 9). */
export const AUDIT_COMMANDS: Command[] = [];
