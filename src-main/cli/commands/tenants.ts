import type { Command } from './util';

/** `csm tenant …` (issue 5). */
export const TENANT_COMMANDS: Command[] = [];
