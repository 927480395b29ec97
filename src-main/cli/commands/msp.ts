import type { Command } from './util';

/** `csm msp …` (issue 6). */
export const MSP_COMMANDS: Command[] = [];
