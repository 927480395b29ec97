import { z } from 'zod';
import { AppError } from '../app/errors';
import { secretKey } from '../secrets/secret-key';
import type { SecretStore } from '../secrets/types';
import { KEY_BYTES } from './envelope';
import type { KeyState } from './ports';

/**
 * A tenant KEK this console holds directly (imported from a tenant key share), in the keychain
 * under tenant/<id>/kek. A tenant admin's console has no master key and cannot read csm_system,
 * so this is how it opens that tenant's data keys, and only that tenant's.
 */
export interface HeldKek {
  version: number;
  key: Buffer;
  state: KeyState;
  createdAt: Date;
}

export const LOCAL_KEK_PURPOSE = 'kek';

const b64Key = z
  .string()
  .max(64)
  .refine((s) => Buffer.from(s, 'base64').length === KEY_BYTES, 'a 256-bit key, base64');

export const heldKekWireSchema = z.object({
  version: z.number().int().min(1).max(0xffff_ffff),
  key: b64Key,
  state: z.enum(['active', 'retired']),
  createdAt: z.iso.datetime(),
});
export type HeldKekWire = z.infer<typeof heldKekWireSchema>;

const entrySchema = z.object({ v: z.literal(1), tenantId: z.string(), keks: z.array(heldKekWireSchema).min(1).max(256) });

export function toWire(k: HeldKek): HeldKekWire {
  if (k.state === 'destroyed') throw new AppError('INTERNAL', 'a destroyed KEK is never exported');
  return { version: k.version, key: k.key.toString('base64'), state: k.state, createdAt: k.createdAt.toISOString() };
}

export function fromWire(w: HeldKekWire): HeldKek {
  return { version: w.version, key: Buffer.from(w.key, 'base64'), state: w.state, createdAt: new Date(w.createdAt) };
}

export async function readHeldKeks(secrets: SecretStore, tenantId: string): Promise<HeldKek[] | null> {
  const stored = await secrets.get(secretKey.tenant(tenantId, LOCAL_KEK_PURPOSE));
  if (stored === null) return null;
  let parsed: z.infer<typeof entrySchema>;
  try {
    parsed = entrySchema.parse(JSON.parse(stored));
  } catch {
    throw new AppError('CONFLICT', `the keychain entry tenant/${tenantId}/kek is not a tenant key share this console can read; import the share again`);
  }
  if (parsed.tenantId !== tenantId) throw new AppError('CONFLICT', `the keychain entry tenant/${tenantId}/kek belongs to another tenant; import the share again`);
  return parsed.keks.map(fromWire);
}

export async function writeHeldKeks(secrets: SecretStore, tenantId: string, keks: HeldKek[]): Promise<void> {
  const entry = { v: 1 as const, tenantId, keks: keks.map(toWire) };
  await secrets.set(secretKey.tenant(tenantId, LOCAL_KEK_PURPOSE), JSON.stringify(entry));
}

export async function deleteHeldKeks(secrets: SecretStore, tenantId: string): Promise<boolean> {
  return secrets.delete(secretKey.tenant(tenantId, LOCAL_KEK_PURPOSE));
}
