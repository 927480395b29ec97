import type { Command } from './util';

/** `csm isolation …` (issue 6). */
export const ISOLATION_COMMANDS: Command[] = [];
