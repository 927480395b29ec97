import { describe, expect, it } from 'vitest';
import { BACKUP_COMMANDS, dcMap } from '../../../src-main/cli/commands/backup';
import { findCommand } from '../../../src-main/cli/commands/index';

const io = { secret: async () => 'x' };
const input = async (argv: string[], values: Record<string, string | boolean | string[]>, pos: Record<string, string> = {}) => findCommand(argv)!.cmd.input(values, pos, io);

describe('csm backup / tenant migrate / migration abort', () => {
  it('registers every command on its channel', () => {
    expect(BACKUP_COMMANDS.map((c) => `${c.words.join(' ')} → ${c.channel}`)).toEqual([
      'backup create → backup.create',
      'backup list → backup.list',
      'backup policy → backup.setPolicy',
      'backup restore → backup.restore',
      'backup verify → backup.verify',
      'tenant migrate → tenant.migrate',
      'migration abort → migration.abort',
    ]);
    expect(findCommand(['tenant', 'migrate', 'acme'])!.cmd.channel).toBe('tenant.migrate');
  });

  it('parses --dc-map pairs and refuses malformed ones', () => {
    expect(dcMap({ 'dc-map': ['dc1=east,dc2=west'] })).toEqual({ dc1: 'east', dc2: 'west' });
    expect(dcMap({})).toBeUndefined();
    expect(() => dcMap({ 'dc-map': ['dc1'] })).toThrow(/SOURCE_DC=TARGET_DC/);
    expect(() => dcMap({ 'dc-map': ['dc1=a,dc1=b'] })).toThrow(/twice/);
  });

  it('restore says where: --confirm ID (in place) or --into NEW, never both or neither', async () => {
    const base = { cluster: 'c', tenant: 'acme', backup: 'b1' };
    expect(await input(['backup', 'restore'], { ...base, confirm: 'acme' })).toEqual({ cluster: 'c', tenant: 'acme', backupId: 'b1', into: { kind: 'same', confirm: 'acme' } });
    expect(await input(['backup', 'restore'], { ...base, into: 'acme2' })).toEqual({ cluster: 'c', tenant: 'acme', backupId: 'b1', into: { kind: 'new', tenant: 'acme2' } });
    await expect(input(['backup', 'restore'], base)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(input(['backup', 'restore'], { ...base, confirm: 'acme', into: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('policy needs whole numbers', async () => {
    const v = { cluster: 'c', tenant: 'acme', 'every-hours': '6', keep: '3', 'rpo-minutes': '400', 'rto-minutes': '30' };
    expect(await input(['backup', 'policy'], v)).toMatchObject({ policy: { everyHours: 6, keep: 3, rpoMinutes: 400, rtoMinutes: 30, withData: true } });
    await expect(input(['backup', 'policy'], { ...v, keep: '3.5' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(input(['backup', 'create'], { cluster: 'c', tenant: 'acme', 'with-data': true, 'no-data': true })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('migrate takes the target and the DC map', async () => {
    expect(await input(['tenant', 'migrate'], { cluster: 'a', to: 'b', 'dc-map': ['dc1=dc2'] }, { id: 'acme' })).toEqual({ cluster: 'a', tenant: 'acme', to: 'b', dcMap: { dc1: 'dc2' } });
  });
});
