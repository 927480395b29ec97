import { ACCESS_COMMANDS } from './access';
import { COMPLIANCE_COMMANDS } from './compliance';
import { CORE_COMMANDS } from './core';
import { MSP_COMMANDS } from './msp';
import { CONFIG_COMMANDS } from './config';
import { USERS_COMMANDS } from './users';
import { ISOLATION_COMMANDS } from './isolation';
import { KEY_COMMANDS } from './keys';
import { TENANT_COMMANDS } from './tenants';
import { PKI_COMMANDS } from './pki';
import { AUDIT_COMMANDS } from './audit';
import { AVAILABILITY_COMMANDS } from './availability';
import { USAGE_COMMANDS } from './usage';
import { QUOTA_COMMANDS } from './quota';
import { BILLING_COMMANDS } from './billing';
import { PORTABILITY_COMMANDS } from './portability';
import { BACKUP_COMMANDS } from './backup';
import type { Command } from './util';

export type { Command, CommandIO, OptionSpec, Values } from './util';

/** Every CLI command; each feature keeps its own table beside the others. */
export const COMMANDS: Command[] = [...CORE_COMMANDS, ...TENANT_COMMANDS, ...KEY_COMMANDS, ...ISOLATION_COMMANDS, ...COMPLIANCE_COMMANDS, ...ACCESS_COMMANDS, ...MSP_COMMANDS, ...USERS_COMMANDS, ...CONFIG_COMMANDS, ...PKI_COMMANDS, ...AUDIT_COMMANDS, ...AVAILABILITY_COMMANDS, ...USAGE_COMMANDS, ...QUOTA_COMMANDS, ...BILLING_COMMANDS, ...PORTABILITY_COMMANDS, ...BACKUP_COMMANDS];

export function findCommand(argv: string[]): { cmd: Command; rest: string[] } | null {
  let best: Command | null = null;
  for (const c of COMMANDS) {
    if (c.words.every((w, i) => argv[i] === w) && (!best || c.words.length > best.words.length)) best = c;
  }
  return best ? { cmd: best, rest: argv.slice(best.words.length) } : null;
}
