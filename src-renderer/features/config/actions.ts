import type { CsmClient } from '../../../src-shared/client';
import type { Integration, TemplatePreview } from '../../../src-shared/contract/config';
import type { FieldValue } from '../../../src-shared/rules/tenant-config';
import { call } from '../../app/call';
import { configKey, useConfig } from './store';

type Outcome = { ok: true } | { ok: false; code: string; message: string };

export async function loadConfig(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = configKey(cluster, tenant);
  const [view, history] = await Promise.all([call(client, 'config.show', { cluster, tenant }, { quiet: true }), call(client, 'config.history', { cluster, tenant }, { quiet: true })]);
  const s = useConfig.getState();
  if (view.ok) s.setView(key, view.value);
  else s.setError(key, view.error);
  if (history.ok) s.setHistory(key, history.value);
}

/** Saves at the version shown: another console's save in between is a CONFLICT, not a silent overwrite. */
export async function saveConfig(
  client: CsmClient,
  cluster: string,
  tenant: string,
  body: { set: Record<string, FieldValue>; clear: string[]; reason: string; expectedVersion: number },
): Promise<Outcome> {
  const r = await call(client, 'config.set', { cluster, tenant, ...body }, { quiet: true });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  useConfig.getState().setView(configKey(cluster, tenant), r.value);
  await loadConfig(client, cluster, tenant);
  return { ok: true };
}

export async function rollbackConfig(client: CsmClient, cluster: string, tenant: string, version: number, expectedVersion: number, note: string): Promise<Outcome> {
  const r = await call(client, 'config.rollback', { cluster, tenant, version, expectedVersion, ...(note.trim() ? { note: note.trim() } : {}) }, { success: (v) => `Rolled back to v${version}: now version ${v.version}` });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  await loadConfig(client, cluster, tenant);
  return { ok: true };
}

export async function loadDiff(client: CsmClient, cluster: string, tenant: string, from: number, to: number): Promise<void> {
  const r = await call(client, 'config.diff', { cluster, tenant, from, to });
  if (r.ok) useConfig.getState().setDiff(configKey(cluster, tenant), r.value);
}

export async function loadBranding(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'branding.get', { cluster, tenant }, { quiet: true });
  if (r.ok) useConfig.getState().setBranding(configKey(cluster, tenant), r.value);
}

export async function saveBranding(
  client: CsmClient,
  cluster: string,
  tenant: string,
  body: { displayName: string; primaryColor: string; accentColor: string; logo?: string | null },
): Promise<Outcome> {
  const r = await call(client, 'branding.set', { cluster, tenant, ...body }, { quiet: true, success: 'Branding saved' });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  useConfig.getState().setBranding(configKey(cluster, tenant), r.value);
  return { ok: true };
}

export async function loadIntegrations(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'integration.list', { cluster, tenant }, { quiet: true });
  if (r.ok) useConfig.getState().setIntegrations(configKey(cluster, tenant), r.value);
}

export async function saveIntegration(
  client: CsmClient,
  cluster: string,
  tenant: string,
  body: { name: string; kind: Integration['kind']; endpoint: string; secret?: string },
): Promise<Outcome> {
  const r = await call(client, 'integration.save', { cluster, tenant, ...body }, { quiet: true, success: (i) => `Integration ${i.name} saved` });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  await loadIntegrations(client, cluster, tenant);
  return { ok: true };
}

export async function removeIntegration(client: CsmClient, cluster: string, tenant: string, name: string): Promise<void> {
  const r = await call(client, 'integration.remove', { cluster, tenant, name }, { success: `Integration ${name} removed` });
  if (r.ok) await loadIntegrations(client, cluster, tenant);
}

export async function listTemplates(client: CsmClient, cluster: string): Promise<string[]> {
  const r = await call(client, 'template.list', { cluster }, { quiet: true });
  return r.ok ? r.value.map((t) => t.name) : [];
}

/** What re-basing on `template` would change; nothing is written. */
export async function previewTemplate(client: CsmClient, cluster: string, tenant: string, template: string): Promise<{ ok: true; preview: TemplatePreview } | { ok: false; code: string; message: string }> {
  const r = await call(client, 'config.templatePreview', { cluster, tenant, template }, { quiet: true });
  return r.ok ? { ok: true, preview: r.value } : { ok: false, code: r.error.code, message: r.error.message };
}

/** Re-base at the version shown: another console's save in between is a CONFLICT. */
export async function setTemplate(client: CsmClient, cluster: string, tenant: string, template: string, reason: string, expectedVersion: number): Promise<Outcome> {
  const r = await call(client, 'config.setTemplate', { cluster, tenant, template, reason, expectedVersion }, { quiet: true, success: (v) => `Template ${template}: now version ${v.version}` });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  await loadConfig(client, cluster, tenant);
  return { ok: true };
}
