import type { Command } from './util';

/** `csm audit …` commands of the audit ingest part (issue 9). */
export const AUDIT_INGEST_COMMANDS: Command[] = [];
