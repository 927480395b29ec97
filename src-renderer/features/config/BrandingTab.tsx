import { useEffect, useState, type ChangeEvent, type FormEvent } from 'react';
import type { Branding, Integration } from '../../../src-shared/contract/config';
import { endpointProblem, HEX_COLOR_PATTERN, INTEGRATION_KINDS, integrationNameSchema, sniffLogo } from '../../../src-shared/rules/tenant-config';
import { useClient } from '../../app/client';
import { YesNo } from '../../ui/Badge';
import { FormError, TextField } from '../../ui/Field';
import { loadBranding, loadIntegrations, removeIntegration, saveBranding, saveIntegration } from './actions';
import { useBrandColours } from './BrandingFrame';
import { useCanEdit } from './PoliciesTab';
import { configKey, useConfig } from './store';

/** Base64 of bytes in the renderer (no Buffer here). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Branding tab: display name, colours with a live preview, logo (PNG/JPEG checked by content before sending), integrations. */
export function BrandingTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = configKey(cluster, tenant);
  const branding = useConfig((s) => s.brandings[key]);
  useEffect(() => {
    void loadBranding(client, cluster, tenant);
    void loadIntegrations(client, cluster, tenant);
  }, [client, cluster, tenant]);
  return (
    <div className="tab-panel" data-testid="branding-tab">
      {branding ? <BrandingForm branding={branding} /> : <p className="muted" aria-busy="true">Reading the branding…</p>}
      <Integrations cluster={cluster} tenant={tenant} />
    </div>
  );
}

function BrandingForm({ branding }: { branding: Branding }) {
  const client = useClient();
  const canEdit = useCanEdit(branding.cluster, branding.tenant);
  const [name, setName] = useState(branding.displayName ?? '');
  const [primary, setPrimary] = useState(branding.primaryColor ?? '#2f5d8a');
  const [accent, setAccent] = useState(branding.accentColor ?? '#e0a030');
  const [logo, setLogo] = useState<{ base64: string; dataUrl: string; note: string } | null | undefined>(undefined);
  const [logoError, setLogoError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const preview = useBrandColours(HEX_COLOR_PATTERN.test(primary) ? primary : null, HEX_COLOR_PATTERN.test(accent) ? accent : null);

  const pick = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const c = sniffLogo(bytes); // by content: a renamed SVG/HTML fails here, before anything is sent
    if (!c.ok) {
      setLogoError(c.message);
      setLogo(undefined);
      return;
    }
    const b64 = base64(bytes);
    setLogoError(null);
    setLogo({ base64: b64, dataUrl: `data:${c.type};base64,${b64}`, note: `${c.type} ${c.width}×${c.height}, ${bytes.length} bytes` });
  };
  const errors = {
    name: name.trim() === '' ? 'a display name' : name.length > 80 ? 'at most 80 characters' : undefined,
    primary: HEX_COLOR_PATTERN.test(primary) ? undefined : '#rrggbb',
    accent: HEX_COLOR_PATTERN.test(accent) ? undefined : '#rrggbb',
  };
  const invalid = Boolean(errors.name || errors.primary || errors.accent || logoError);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid || busy) return;
    setBusy(true);
    const r = await saveBranding(client, branding.cluster, branding.tenant, { displayName: name.trim(), primaryColor: primary, accentColor: accent, ...(logo !== undefined ? { logo: logo?.base64 ?? null } : {}) });
    setBusy(false);
    setFailure(r.ok ? null : { code: r.code, message: r.message });
    if (r.ok) setLogo(undefined);
  };
  const shownLogo = logo === undefined ? branding.logo?.dataUrl : logo?.dataUrl;

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="branding-title" data-testid="branding-form">
      <header className="card-header">
        <h2 id="branding-title">Branding</h2>
        <span className="muted small">{branding.set ? `set by ${branding.updatedBy} at ${branding.updatedAt}` : 'not set: default theme'}</span>
      </header>
      <div className="form-grid">
        <TextField label="Display name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} disabled={!canEdit} maxLength={80} data-testid="branding-name" />
        <TextField label="Primary colour" value={primary} onChange={(e) => setPrimary(e.target.value.trim())} error={errors.primary} disabled={!canEdit} data-testid="branding-primary" />
        <TextField label="Accent colour" value={accent} onChange={(e) => setAccent(e.target.value.trim())} error={errors.accent} disabled={!canEdit} data-testid="branding-accent" />
        <div className={`field${logoError ? ' field-invalid' : ''}`}>
          <label htmlFor="branding-logo">Logo (PNG or JPEG, 256 KiB, 1024×1024 at most)</label>
          <input id="branding-logo" type="file" accept="image/png,image/jpeg" disabled={!canEdit} onChange={(e) => void pick(e)} data-testid="branding-logo" />
          {logoError ? (
            <p className="field-error" data-testid="branding-logo-error">
              {logoError}
            </p>
          ) : logo ? (
            <p className="field-hint">{logo.note}</p>
          ) : null}
          {canEdit && (branding.logo || logo) ? (
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setLogo(null)}>
              Remove logo
            </button>
          ) : null}
        </div>
      </div>
      <div className="brand-preview" ref={preview} data-testid="branding-preview" aria-label="Preview">
        {shownLogo ? <img className="tenant-logo" src={shownLogo} alt="" /> : null}
        <strong>{name || 'Tenant'}</strong>
        <span className="brand-preview-accent" aria-hidden="true" />
      </div>
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      {canEdit ? (
        <div className="card-actions">
          <button type="submit" className="btn btn-primary" disabled={invalid || busy} data-testid="branding-save">
            {busy ? 'Saving…' : 'Save branding'}
          </button>
        </div>
      ) : null}
    </form>
  );
}

function Integrations({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const rows = useConfig((s) => s.integrations[configKey(cluster, tenant)]) ?? [];
  const canEdit = useCanEdit(cluster, tenant);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Integration['kind']>('siem');
  const [endpoint, setEndpoint] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const nameError = name && !integrationNameSchema.safeParse(name).success ? 'lower-case letters, digits or -' : undefined;
  const endpointError = endpoint ? (endpointProblem(endpoint) ?? undefined) : undefined;
  const add = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!name || !endpoint || nameError || endpointError || busy) return;
    setBusy(true);
    const r = await saveIntegration(client, cluster, tenant, { name, kind, endpoint, ...(secret ? { secret } : {}) });
    setBusy(false);
    setSecret(''); // never kept in the renderer after it was sent
    setFailure(r.ok ? null : { code: r.code, message: r.message });
    if (r.ok) {
      setName('');
      setEndpoint('');
    }
  };
  return (
    <section className="card" aria-labelledby="integrations-title" data-testid="integrations">
      <header className="card-header">
        <h2 id="integrations-title">Integrations</h2>
      </header>
      {rows.length === 0 ? (
        <p className="muted small">No integrations.</p>
      ) : (
        <table className="table table-compact" data-testid="integrations-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Secret stored</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} data-testid={`integration-${r.name}`}>
                <td>{r.name}</td>
                <td>{r.kind}</td>
                <td>
                  <code className="mono">{r.endpoint}</code>
                </td>
                <td>
                  <YesNo value={r.secretStored} />
                </td>
                <td className="cell-actions">
                  {canEdit ? (
                    <button type="button" className="btn btn-small btn-danger-text" onClick={() => void removeIntegration(client, cluster, tenant, r.name)}>
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit ? (
        <form className="form-grid" onSubmit={(e) => void add(e)} noValidate data-testid="integration-form">
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value.trim())} error={nameError} data-testid="integration-name" />
          <div className="field">
            <label htmlFor="integration-kind">Kind</label>
            <select id="integration-kind" value={kind} onChange={(e) => setKind(e.target.value as Integration['kind'])}>
              {INTEGRATION_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <TextField label="Endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value.trim())} error={endpointError} placeholder="https://…" data-testid="integration-endpoint" />
          <TextField label="Secret" optional type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} hint="kept in this console's keychain only" data-testid="integration-secret" />
          {failure ? <FormError code={failure.code} message={failure.message} /> : null}
          <div className="form-span">
            <button type="submit" className="btn btn-small btn-primary" disabled={!name || !endpoint || Boolean(nameError || endpointError) || busy} data-testid="integration-save">
              Save integration
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
