import type { Command } from './util';

/** `csm backup …` (issue 10/11): owned by the backups and migration part. SEAM: filled in by its owner. */
export const BACKUP_COMMANDS: Command[] = [];
