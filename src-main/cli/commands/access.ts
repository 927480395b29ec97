import type { Command } from './util';

/** `csm access …` (issue 6). */
export const ACCESS_COMMANDS: Command[] = [];
