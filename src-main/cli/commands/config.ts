import type { Command } from './util';

/** `csm config …` (issue 7). */
export const CONFIG_COMMANDS: Command[] = [];
