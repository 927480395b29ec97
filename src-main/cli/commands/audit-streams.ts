import type { Command } from './util';

/** `csm audit …` commands of the audit streams part (issue 9). */
export const AUDIT_STREAMS_COMMANDS: Command[] = [];
