import type { Command } from './util';

/** `csm user …` (issue 7). */
export const USERS_COMMANDS: Command[] = [];
