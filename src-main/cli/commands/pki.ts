import type { Command } from './util';

/** `csm cert …` (issue 8). */
export const PKI_COMMANDS: Command[] = [];
