import { AUDIT_INGEST_COMMANDS } from './audit-ingest';
import { AUDIT_STREAMS_COMMANDS } from './audit-streams';
import type { Command } from './util';

/** `csm audit …` (issue 9): review commands here; streams and ingest parts keep their own tables. */
const AUDIT_REVIEW_COMMANDS: Command[] = [];

export const AUDIT_COMMANDS: Command[] = [...AUDIT_STREAMS_COMMANDS, ...AUDIT_INGEST_COMMANDS, ...AUDIT_REVIEW_COMMANDS];
