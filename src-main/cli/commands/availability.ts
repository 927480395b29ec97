import type { Command } from './util';

/** `csm availability …`, `csm capacity` (issue 12). */
export const AVAILABILITY_COMMANDS: Command[] = [];
