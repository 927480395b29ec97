import type { Command } from './util';

/** `csm portability …` (issue 10/11): owned by the portability core part. SEAM: filled in by its owner. */
export const PORTABILITY_COMMANDS: Command[] = [];
