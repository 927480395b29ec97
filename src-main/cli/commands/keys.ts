import type { Command } from './util';

/** `csm keys …` (issue 4). */
export const KEY_COMMANDS: Command[] = [];
