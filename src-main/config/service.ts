import type { Branding, ConfigVersion, ConfigView, Integration, TemplatePreview } from '../../src-shared/contract/config';
import {
  applyOverrides,
  complianceIssues,
  diffOverrides,
  editOverrides,
  effectiveFields,
  fieldDef,
  fieldValueSchema,
  sniffLogo,
  templateBase,
  templateChange,
  type ComplianceMinimums,
  type ConfigOverrides,
  type FieldChange,
  type FieldIssue,
  type TemplateFieldChange,
  type TemplateDefaults,
  type TenantPolicies,
} from '../../src-shared/rules/tenant-config';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { secretKey } from '../secrets/secret-key';
import type { SecretStore } from '../secrets/types';
import type { ConfigTables, StoredVersion } from './tables';

/**
 * The config feature's service: effective policies (template + overrides), versions written with
 * an LWT, rollback, branding and integrations. Sessions come from the caller: writes run on the
 * router's tenant session (the tenant's service role, or the tenant admin's own session, whose
 * MODIFY covers only this tenant's config tables), so Cassandra refuses a cross-tenant write even
 * if this code had a bug.
 */
export interface ConfigServiceDeps {
  tables: ConfigTables;
  secrets: SecretStore;
  /** Platform scope on the cluster: this console may read csm_system and create tables. */
  platformClient(cluster: string): CqlClient | null;
  /** The template by name, from csm_system (platform only); null when it does not exist. */
  template(cluster: string, name: string): Promise<TemplateDefaults | null>;
  /** The template by name for a change of template: NOT_FOUND when it does not exist, CONFLICT when stored but invalid. */
  namedTemplate(cluster: string, name: string): Promise<TemplateDefaults>;
  /** Minimums of the tenant's compliance profile; null when none is set. */
  compliance(cluster: string, tenant: string): Promise<ComplianceMinimums | null>;
  now?: () => Date;
}

interface Loaded {
  view: ConfigView;
  base: TenantPolicies;
}

const CACHE_MS = 30_000;

export class ConfigService {
  private readonly cache = new Map<string, { at: number; effective: TenantPolicies }>();

  constructor(private readonly deps: ConfigServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Tables exist, or are created now by a platform console; a tenant-scoped console cannot create
   * them (DESIGN §2: schema changes need cluster-wide authority).
   */
  async prepare(cluster: string, tenant: string, session: CqlClient, forWrite: boolean): Promise<boolean> {
    const missing = await this.deps.tables.missing(session, tenant);
    const platform = this.deps.platformClient(cluster);
    if (platform && (missing.length || forWrite)) {
      await this.deps.tables.ensure(platform, tenant);
      return true;
    }
    if (missing.length === 0) return true;
    if (forWrite) throw new AppError('CONFLICT', `the configuration tables of ${tenant} do not exist yet: a console with platform scope on ${cluster} creates them the first time it opens the tenant's configuration`);
    return false;
  }

  // Effective configuration ---------------------------------------------------------------------

  async show(cluster: string, tenant: string, session: CqlClient): Promise<ConfigView> {
    return (await this.load(cluster, tenant, session)).view;
  }

  private async defaults(cluster: string, tenant: string, session: CqlClient, ready: boolean): Promise<{ name: string | null; found: boolean; syncedAt: string | null; t: TemplateDefaults | null }> {
    const platform = this.deps.platformClient(cluster);
    if (platform) {
      const name = await this.deps.tables.templateName(session, tenant);
      const t = name ? await this.deps.template(cluster, name) : null;
      const body = t ? templateBody(t) : null;
      let syncedAt: string | null = null;
      if (ready) {
        const snap = await this.deps.tables.templateSnapshot(session, tenant);
        if (!snap || snap.body !== body || snap.name !== name) await this.deps.tables.putTemplateSnapshot(session, tenant, name, body);
        syncedAt = snap && snap.body === body && snap.name === name ? snap.syncedAt : this.now().toISOString();
      }
      return { name, found: t !== null, syncedAt, t };
    }
    const snap = ready ? await this.deps.tables.templateSnapshot(session, tenant) : null;
    const name = snap?.name ?? (await this.deps.tables.templateName(session, tenant).catch(() => null));
    const t = snap?.body ? (safeJson(snap.body) as TemplateDefaults | null) : null;
    return { name, found: t !== null, syncedAt: snap?.syncedAt ?? null, t };
  }

  private async load(cluster: string, tenant: string, session: CqlClient, forWrite = false): Promise<Loaded> {
    const ready = await this.prepare(cluster, tenant, session, forWrite);
    const tpl = await this.defaults(cluster, tenant, session, ready);
    const { base, sources, ignored } = templateBase(tpl.t);
    const head = ready ? await this.deps.tables.head(session, tenant) : null;
    const warnings: FieldIssue[] = [...ignored];
    const minimums = await this.deps.compliance(cluster, tenant);
    const { overrides, applied } = inForce(base, head ? parseDocument(head.document, warnings) : {}, minimums, warnings);
    for (const c of complianceIssues(applied.effective, minimums)) warnings.push({ path: c.path, message: `the template value is below the compliance profile: ${c.message}` });
    this.cache.set(`${cluster}/${tenant}`, { at: Date.now(), effective: applied.effective });
    return {
      base,
      view: {
        cluster,
        tenant,
        template: { name: tpl.name, found: tpl.found, syncedAt: tpl.syncedAt },
        version: head?.version ?? 0,
        updatedBy: head?.author ?? null,
        updatedAt: head?.at ?? null,
        overrides,
        effective: applied.effective,
        fields: effectiveFields(base, sources, overrides, applied.effective),
        compliance: minimums,
        warnings,
      },
    };
  }

  /** For other features (users): short cache, dropped on this console's own writes. */
  async effective(cluster: string, tenant: string, session: () => Promise<CqlClient>): Promise<TenantPolicies> {
    const hit = this.cache.get(`${cluster}/${tenant}`);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.effective;
    return (await this.load(cluster, tenant, await session())).view.effective;
  }

  forget(cluster: string, tenant: string): void {
    this.cache.delete(`${cluster}/${tenant}`);
  }

  // Versions ------------------------------------------------------------------------------------

  async set(
    cluster: string,
    tenant: string,
    session: CqlClient,
    author: string,
    input: { set: ConfigOverrides; clear: string[]; reason: string; expectedVersion?: number | undefined },
  ): Promise<ConfigView> {
    const both = Object.keys(input.set).filter((p) => input.clear.includes(p));
    if (both.length) throw new AppError('BAD_INPUT', `${both[0]}: set and cleared in the same change`);
    const { view, base } = await this.load(cluster, tenant, session, true);
    const next = editOverrides(view.overrides, input.set, input.clear);
    return this.commit(cluster, tenant, session, author, view, base, next, input.reason.trim(), input.expectedVersion, [...Object.keys(input.set), ...input.clear]);
  }

  async rollback(cluster: string, tenant: string, session: CqlClient, author: string, input: { version: number; note?: string | undefined; expectedVersion?: number | undefined }): Promise<ConfigView> {
    const { view, base } = await this.load(cluster, tenant, session, true);
    if (input.version > view.version) throw new AppError('NOT_FOUND', `version ${input.version} of ${tenant}'s configuration does not exist (latest is ${view.version})`);
    const target = await this.overridesAt(tenant, session, input.version);
    const reason = `rollback to v${input.version}${input.note ? `: ${input.note}` : ''}`;
    const changed = diffOverrides(view.overrides, target).map((c) => c.path);
    return this.commit(cluster, tenant, session, author, view, base, target, reason, input.expectedVersion, changed);
  }

  private async commit(
    cluster: string,
    tenant: string,
    session: CqlClient,
    author: string,
    view: ConfigView,
    base: TenantPolicies,
    next: ConfigOverrides,
    reason: string,
    expectedVersion: number | undefined,
    touched: string[],
  ): Promise<ConfigView> {
    if (expectedVersion !== undefined && expectedVersion !== view.version) {
      throw new AppError('CONFLICT', `the configuration of ${tenant} is at version ${view.version}, not ${expectedVersion}: reload and apply your change again`);
    }
    const { effective, issues } = applyOverrides(base, next);
    if (issues.length) throw new AppError('BAD_INPUT', issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    const weaker = complianceIssues(effective, view.compliance).filter((i) => touched.includes(i.path));
    if (weaker.length) throw new AppError('BAD_INPUT', weaker.map((i) => `${i.path}: ${i.message}`).join('; '));
    const changes = diffOverrides(view.overrides, next);
    if (changes.length === 0) throw new AppError('BAD_INPUT', 'nothing changes: every field already has that value');
    let current = view.version;
    if (current === 0) {
      // The state before the first change is a version too, so "rollback to v1" restores it.
      const baseline: StoredVersion = { version: 1, author, at: this.now().toISOString(), reason: `initial: inherits template ${view.template.name ?? '(none)'}`, document: JSON.stringify({ overrides: view.overrides }), changes: '[]' };
      await this.deps.tables.insertVersion(session, tenant, baseline); // lost race: the other console wrote the same baseline
      current = 1;
    }
    const stored: StoredVersion = { version: current + 1, author, at: this.now().toISOString(), reason, document: JSON.stringify({ overrides: next }), changes: JSON.stringify(changes) };
    this.forget(cluster, tenant);
    if (!(await this.deps.tables.insertVersion(session, tenant, stored))) {
      throw new AppError('CONFLICT', `another console saved version ${stored.version} of ${tenant}'s configuration first: reload and apply your change again`);
    }
    return this.show(cluster, tenant, session);
  }

  private async overridesAt(tenant: string, session: CqlClient, version: number): Promise<ConfigOverrides> {
    if (version === 0) return {};
    const v = await this.deps.tables.version(session, tenant, version);
    if (!v) throw new AppError('NOT_FOUND', `version ${version} of ${tenant}'s configuration does not exist`);
    return parseDocument(v.document, []);
  }

  async history(cluster: string, tenant: string, session: CqlClient, limit: number): Promise<ConfigVersion[]> {
    if (!(await this.prepare(cluster, tenant, session, false))) return [];
    return (await this.deps.tables.versions(session, tenant, limit)).map(versionWire);
  }

  async version(cluster: string, tenant: string, session: CqlClient, n: number): Promise<ConfigVersion> {
    const v = (await this.prepare(cluster, tenant, session, false)) ? await this.deps.tables.version(session, tenant, n) : null;
    if (!v) throw new AppError('NOT_FOUND', `version ${n} of ${tenant}'s configuration does not exist`);
    return versionWire(v);
  }

  async diff(cluster: string, tenant: string, session: CqlClient, from: number, to: number): Promise<{ from: number; to: number; changes: FieldChange[] }> {
    await this.prepare(cluster, tenant, session, false);
    return { from, to, changes: diffOverrides(await this.overridesAt(tenant, session, from), await this.overridesAt(tenant, session, to)) };
  }

  // Template of a tenant -------------------------------------------------------------------------

  private platformOnly(cluster: string): CqlClient {
    const platform = this.deps.platformClient(cluster);
    if (!platform) throw new AppError('FORBIDDEN', `changing a tenant's template needs platform scope on ${cluster}`);
    return platform;
  }

  /**
   * Re-basing a tenant on `name`, computed: the defaults in force now (the tenant's copy when it is
   * of its current template — what its own consoles inherit — else the template as stored), the
   * target's, and the overrides in force on both. Writes nothing unless `forWrite` (which may only
   * create missing config tables, as any platform write does).
   */
  private async templatePlan(cluster: string, tenant: string, session: CqlClient, name: string, forWrite: boolean) {
    this.platformOnly(cluster);
    const target = await this.deps.namedTemplate(cluster, name);
    const ready = forWrite ? await this.prepare(cluster, tenant, session, true) : (await this.deps.tables.missing(session, tenant)).length === 0;
    const from = await this.deps.tables.templateName(session, tenant);
    const snap = ready ? await this.deps.tables.templateSnapshot(session, tenant) : null;
    const beforeT = snap?.body && snap.name === from ? (safeJson(snap.body) as TemplateDefaults | null) : from ? await this.deps.template(cluster, from) : null;
    const head = ready ? await this.deps.tables.head(session, tenant) : null;
    const stored = head ? parseDocument(head.document, []) : {};
    const minimums = await this.deps.compliance(cluster, tenant);
    const before = templateBase(beforeT);
    const after = templateBase(target);
    const { overrides } = inForce(before.base, stored, minimums, []);
    const c = templateChange(before.base, after.base, overrides, minimums);
    const body = templateBody(target);
    const snapCurrent = snap !== null && snap.name === name && snap.body === body;
    const preview: TemplatePreview = {
      cluster,
      tenant,
      from,
      to: name,
      current: from === name && snapCurrent,
      snapshotStale: from === name && !snapCurrent,
      version: head?.version ?? 0,
      changes: c.changes,
      shadowed: c.shadowed,
      problems: c.problems,
      ignored: after.ignored,
    };
    return { preview, head, stored, body, from };
  }

  /** config.templatePreview: what config.setTemplate would change; nothing is written. */
  async templatePreview(cluster: string, tenant: string, session: CqlClient, name: string): Promise<TemplatePreview> {
    return (await this.templatePlan(cluster, tenant, session, name, false)).preview;
  }

  /**
   * config.setTemplate: the version is written first (the LWT is the gate against a concurrent
   * change), then the tenant's template name, its copy of the defaults and the registry column. A
   * run interrupted after the version finishes on retry without a second version: the head
   * version names the template the tenant does not use yet.
   */
  async setTemplate(
    cluster: string,
    tenant: string,
    session: CqlClient,
    author: string,
    input: { template: string; reason: string; expectedVersion?: number | undefined },
  ): Promise<ConfigView & { changes: TemplateFieldChange[] }> {
    const platform = this.platformOnly(cluster);
    const reg = await this.deps.tables.registryTemplate(platform, tenant);
    if (!reg) throw new AppError('NOT_FOUND', `tenant ${tenant} is not in the registry of ${cluster}`);
    if (reg.state !== 'active') throw new AppError('CONFLICT', `${tenant} is ${reg.state}: only an active tenant is re-based on a template`);
    const name = input.template;
    const { preview, head, stored, body, from } = await this.templatePlan(cluster, tenant, session, name, true);
    if (preview.problems.length) throw new AppError('BAD_INPUT', `template ${name} is weaker than the compliance profile of ${tenant}: ${preview.problems.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    const headDoc = head ? (safeJson(head.document) as { template?: unknown } | null) : null;
    const pending = headDoc?.template === name && from !== name;
    if (!pending) {
      if (preview.current) throw new AppError('BAD_INPUT', `${tenant} already uses template ${name} and its defaults are current: nothing changes`);
      if (input.expectedVersion !== undefined && input.expectedVersion !== preview.version) {
        throw new AppError('CONFLICT', `the configuration of ${tenant} is at version ${preview.version}, not ${input.expectedVersion}: reload and apply your change again`);
      }
      let current = preview.version;
      if (current === 0) {
        const baseline: StoredVersion = { version: 1, author, at: this.now().toISOString(), reason: `initial: inherits template ${from ?? '(none)'}`, document: JSON.stringify({ overrides: stored }), changes: '[]' };
        await this.deps.tables.insertVersion(session, tenant, baseline); // lost race: the other console wrote the same baseline
        current = 1;
      }
      const changes: FieldChange[] = preview.changes.map((c) => ({ path: c.path, kind: 'changed', before: c.before, after: c.after }));
      const label = from === name ? `template: ${name} (defaults refreshed)` : `template: ${from ?? '(none)'} → ${name}`;
      const stored2: StoredVersion = { version: current + 1, author, at: this.now().toISOString(), reason: `${label}: ${input.reason.trim()}`, document: JSON.stringify({ overrides: stored, template: name }), changes: JSON.stringify(changes) };
      this.forget(cluster, tenant);
      if (!(await this.deps.tables.insertVersion(session, tenant, stored2))) {
        throw new AppError('CONFLICT', `another console saved version ${stored2.version} of ${tenant}'s configuration first: reload and apply your change again`);
      }
    }
    await this.deps.tables.putTemplateName(platform, tenant, name);
    await this.deps.tables.putTemplateSnapshot(session, tenant, name, body);
    if (!(await this.deps.tables.putRegistryTemplate(platform, tenant, name))) throw new AppError('NOT_FOUND', `tenant ${tenant} left the registry of ${cluster} during the change; its console keyspace now names template ${name}`);
    this.forget(cluster, tenant);
    return { ...(await this.show(cluster, tenant, session)), changes: preview.changes };
  }

  // Branding ------------------------------------------------------------------------------------

  async branding(cluster: string, tenant: string, session: CqlClient): Promise<Branding> {
    const b = (await this.prepare(cluster, tenant, session, false)) ? await this.deps.tables.branding(session, tenant) : null;
    if (!b) return { cluster, tenant, set: false, displayName: null, primaryColor: null, accentColor: null, logo: null, updatedBy: null, updatedAt: null };
    let logo: Branding['logo'] = null;
    if (b.logo) {
      // Re-checked on the way out: bytes written outside the console never reach an <img> unchecked.
      const c = sniffLogo(new Uint8Array(b.logo));
      if (c.ok) logo = { type: c.type, width: c.width, height: c.height, bytes: b.logo.length, dataUrl: `data:${c.type};base64,${b.logo.toString('base64')}` };
    }
    return { cluster, tenant, set: true, displayName: b.displayName, primaryColor: b.primaryColor, accentColor: b.accentColor, logo, updatedBy: b.updatedBy, updatedAt: b.updatedAt };
  }

  async setBranding(
    cluster: string,
    tenant: string,
    session: CqlClient,
    author: string,
    input: { displayName: string; primaryColor: string; accentColor: string; logo?: string | null | undefined },
  ): Promise<Branding> {
    let logo: { bytes: Buffer; type: string; width: number; height: number } | null = null;
    if (typeof input.logo === 'string') {
      const bytes = Buffer.from(input.logo, 'base64');
      const c = sniffLogo(new Uint8Array(bytes));
      if (!c.ok) throw new AppError('BAD_INPUT', c.message);
      logo = { bytes, type: c.type, width: c.width, height: c.height };
    }
    await this.prepare(cluster, tenant, session, true);
    if (input.logo === undefined) {
      const cur = await this.deps.tables.branding(session, tenant);
      if (cur?.logo && cur.logoType && cur.logoWidth !== null && cur.logoHeight !== null) logo = { bytes: cur.logo, type: cur.logoType, width: cur.logoWidth, height: cur.logoHeight };
    }
    await this.deps.tables.putBranding(session, tenant, {
      displayName: input.displayName.trim(),
      primaryColor: input.primaryColor.toLowerCase(),
      accentColor: input.accentColor.toLowerCase(),
      logo: logo?.bytes ?? null,
      logoType: logo?.type ?? null,
      logoWidth: logo?.width ?? null,
      logoHeight: logo?.height ?? null,
      updatedBy: author,
    });
    return this.branding(cluster, tenant, session);
  }

  // Integrations --------------------------------------------------------------------------------

  private secretKeyOf(tenant: string, name: string): string {
    return secretKey.tenant(tenant, `integration-${name}`);
  }

  async integrations(cluster: string, tenant: string, session: CqlClient): Promise<Integration[]> {
    if (!(await this.prepare(cluster, tenant, session, false))) return [];
    const rows = await this.deps.tables.integrations(session, tenant);
    const out: Integration[] = [];
    for (const r of rows) {
      const kind = r.kind as Integration['kind'];
      out.push({ name: r.name, kind, endpoint: r.endpoint, secretStored: await this.deps.secrets.has(this.secretKeyOf(tenant, r.name)), updatedBy: r.updatedBy, updatedAt: r.updatedAt });
    }
    return out;
  }

  async saveIntegration(
    cluster: string,
    tenant: string,
    session: CqlClient,
    author: string,
    input: { name: string; kind: Integration['kind']; endpoint: string; secret?: string | undefined; clearSecret: boolean },
  ): Promise<Integration> {
    if (input.secret !== undefined && input.clearSecret) throw new AppError('BAD_INPUT', 'secret and clearSecret exclude each other');
    await this.prepare(cluster, tenant, session, true);
    // Keychain first: if it is locked the row is not written, so nothing claims a secret that is not there.
    const key = this.secretKeyOf(tenant, input.name);
    if (input.secret !== undefined) await this.deps.secrets.set(key, input.secret);
    if (input.clearSecret) await this.deps.secrets.delete(key);
    await this.deps.tables.putIntegration(session, tenant, { name: input.name, kind: input.kind, endpoint: input.endpoint, updatedBy: author });
    const found = (await this.integrations(cluster, tenant, session)).find((i) => i.name === input.name);
    if (!found) throw new AppError('INTERNAL', `integration ${input.name} was saved but cannot be read back`);
    return found;
  }

  async removeIntegration(cluster: string, tenant: string, session: CqlClient, name: string): Promise<{ removed: boolean }> {
    await this.prepare(cluster, tenant, session, true);
    const removed = await this.deps.tables.deleteIntegration(session, tenant, name);
    const secret = await this.deps.secrets.delete(this.secretKeyOf(tenant, name));
    if (!removed && !secret) throw new AppError('NOT_FOUND', `integration ${name} of ${tenant} does not exist`);
    return { removed: true };
  }
}

/** The tenant's copy of a template's defaults (config_template.body): the parts that give policies. */
const templateBody = (t: TemplateDefaults): string => JSON.stringify({ policies: t.policies ?? {}, config: t.config ?? {}, features: t.features ?? {}, quotas: t.quotas ?? {} });

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/**
 * The stored overrides that are in force on a base: one that no longer validates (edited outside
 * the console) is shown, not applied; one weaker than the compliance profile (written with cqlsh,
 * or the profile tightened since) is not applied either — the tenant admin's MODIFY on the table
 * must not be a way around compliance. Dropped ones are named in `warnings`.
 */
function inForce(base: TenantPolicies, stored: ConfigOverrides, minimums: ComplianceMinimums | null, warnings: FieldIssue[]): { overrides: ConfigOverrides; applied: { effective: TenantPolicies; issues: FieldIssue[] } } {
  const overrides = { ...stored };
  let applied = applyOverrides(base, overrides);
  for (const bad of applied.issues) {
    warnings.push({ path: bad.path, message: `stored override ignored: ${bad.message}` });
    delete overrides[bad.path];
  }
  if (applied.issues.length) applied = applyOverrides(base, overrides);
  const weaker = complianceIssues(applied.effective, minimums).filter((c) => c.path in overrides);
  for (const c of weaker) {
    warnings.push({ path: c.path, message: `stored override ignored: ${c.message}` });
    delete overrides[c.path];
  }
  if (weaker.length) applied = applyOverrides(base, overrides);
  return { overrides, applied };
}

/** A stored document's overrides; entries that are not a known field with a plain value are dropped and named. */
export function parseDocument(text: string, warnings: FieldIssue[]): ConfigOverrides {
  const doc = safeJson(text) as { overrides?: unknown } | null;
  const raw = doc && typeof doc.overrides === 'object' && doc.overrides !== null ? (doc.overrides as Record<string, unknown>) : null;
  if (!raw) {
    warnings.push({ path: '(document)', message: 'stored version is not a configuration document; nothing applied' });
    return {};
  }
  const out: ConfigOverrides = {};
  for (const [p, v] of Object.entries(raw)) {
    const parsed = fieldValueSchema.safeParse(v);
    if (!fieldDef(p) || !parsed.success) warnings.push({ path: p, message: 'stored override ignored: not a known field or value' });
    else out[p] = parsed.data;
  }
  return out;
}

function versionWire(v: StoredVersion): ConfigVersion {
  const changes = safeJson(v.changes);
  return {
    version: v.version,
    author: v.author,
    at: v.at,
    reason: v.reason,
    overrides: parseDocument(v.document, []),
    changes: Array.isArray(changes) ? (changes as FieldChange[]) : [],
  };
}
